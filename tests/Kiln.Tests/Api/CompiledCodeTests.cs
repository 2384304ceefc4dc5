namespace Kiln.Tests.Api;

/// <summary>What the public API tells about compiled code: code-memory statistics, the W^X description, disassembly.</summary>
public class CompiledCodeTests
{
    [Fact]
    public void StatisticsAndDescriptionAreTheRuntimesOwn()
    {
        using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline });
        Module.FromText(engine, """(module (func (export "f") (result i32) (i32.const 1)))""");

        CodeMemoryStatistics statistics = engine.GetCodeMemoryStatistics()!;

        Assert.Contains(statistics.Strategy, new[] { "Mprotect", "DualMapping" });
        Assert.True(statistics.BytesUsed > 0);
        Assert.Equal(statistics.BytesCommitted / Environment.SystemPageSize, statistics.PagesCommitted);
        Assert.True(statistics.BatchesSealed >= 1);
        using var interpreter = new Engine(new EngineOptions { Tier = Tier.Interpreter });
        Assert.Null(interpreter.GetCodeMemoryStatistics());
        Assert.False(string.IsNullOrWhiteSpace(Engine.DescribeCodeMemory()));
    }

    [Fact]
    public void DisassemblyListsTheFunctionsInstructions()
    {
        using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline });
        Module module = Module.FromText(engine, """(module (func $answer (export "f") (result i32) (i32.const 42)))""");
        CodeSymbol f = module.CompiledFunctions.Single(s => s.Name.EndsWith("answer", StringComparison.Ordinal));

        string[] lines = module.Disassemble(f).Split('\n');

        Assert.StartsWith(f.Address.ToString("X16"), lines[0]);
        Assert.Contains(lines, l => l.Contains("2Ah", StringComparison.Ordinal) || l.Contains("0x2a", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(lines, l => l.TrimEnd().EndsWith("ret", StringComparison.Ordinal));
        using var interpreter = new Engine(new EngineOptions { Tier = Tier.Interpreter });
        Assert.Throws<InvalidOperationException>(() => Module.FromText(interpreter, "(module (func))").Disassemble(f));
    }
}
