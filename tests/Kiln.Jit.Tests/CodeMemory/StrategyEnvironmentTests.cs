namespace Kiln.Jit.Tests;

[Collection(MapsCollection.Name)]
public class StrategyEnvironmentTests
{
    [Theory]
    [InlineData("dual", CodeMemoryStrategy.DualMapping)]
    [InlineData("mprotect", CodeMemoryStrategy.Mprotect)]
    public void KilnCodeMemoryPicksTheStrategyWhenTheOptionsDoNot(string value, CodeMemoryStrategy expected)
    {
        string? old = Environment.GetEnvironmentVariable(CodeMemory.StrategyEnvironmentVariable);
        Environment.SetEnvironmentVariable(CodeMemory.StrategyEnvironmentVariable, value);
        try
        {
            using var memory = new CodeMemory();
            Assert.Equal(expected, memory.Strategy);
            Assert.Equal($"chosen by {CodeMemory.StrategyEnvironmentVariable}={value}", memory.StrategyReason);
            Assert.Throws<CodeMemoryException>(() =>
            {
                Environment.SetEnvironmentVariable(CodeMemory.StrategyEnvironmentVariable, "bogus");
                using var bad = new CodeMemory();
            });
            // An explicit option wins over the environment.
            using var explicitMemory = new CodeMemory(new CodeMemoryOptions { Strategy = CodeMemoryStrategy.Mprotect });
            Assert.Equal(CodeMemoryStrategy.Mprotect, explicitMemory.Strategy);
        }
        finally
        {
            Environment.SetEnvironmentVariable(CodeMemory.StrategyEnvironmentVariable, old);
        }
    }
}
