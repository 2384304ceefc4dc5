namespace Kiln.Jit.Tests;

/// <summary>The two Linux strategies, for theories that must hold under both.</summary>
public static class Strategies
{
    public static TheoryData<CodeMemoryStrategy> Both => new() { CodeMemoryStrategy.Mprotect, CodeMemoryStrategy.DualMapping };

    public static CodeMemory Create(CodeMemoryStrategy strategy) => new(new CodeMemoryOptions { Strategy = strategy });
}
