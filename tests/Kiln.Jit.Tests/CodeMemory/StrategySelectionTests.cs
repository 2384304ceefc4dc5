namespace Kiln.Jit.Tests;

public class StrategySelectionTests
{
    [Theory]
    [InlineData(null, CodeMemoryStrategy.Auto)]
    [InlineData("", CodeMemoryStrategy.Auto)]
    [InlineData("auto", CodeMemoryStrategy.Auto)]
    [InlineData("mprotect", CodeMemoryStrategy.Mprotect)]
    [InlineData(" MPROTECT ", CodeMemoryStrategy.Mprotect)]
    [InlineData("dual", CodeMemoryStrategy.DualMapping)]
    [InlineData("dual-mapping", CodeMemoryStrategy.DualMapping)]
    public void TheEnvironmentVariableNamesAStrategy(string? value, CodeMemoryStrategy expected)
    {
        Assert.Equal(expected, CodeMemoryStrategySelector.ParseEnvironment(value));
    }

    [Theory]
    [InlineData("rwx")]
    [InlineData("mprotect,dual")]
    public void AnUnknownEnvironmentValueIsAnErrorNotADefault(string value)
    {
        var e = Assert.Throws<CodeMemoryException>(() => CodeMemoryStrategySelector.ParseEnvironment(value));
        Assert.Contains(CodeMemory.StrategyEnvironmentVariable, e.Message);
    }

    [Fact]
    public void WithoutAChoiceTheMeasuredDefaultIsUsedAndSaysSo()
    {
        using var memory = new CodeMemory(new CodeMemoryOptions { UseEnvironment = false });
        Assert.Equal(CodeMemoryStrategySelector.Preferred, memory.Strategy);
        Assert.Null(memory.FallbackReason);
        Assert.Contains("default", memory.StrategyReason);
        Assert.Equal(memory.Strategy, memory.GetStatistics().Strategy);
    }

    [Theory]
    [InlineData(CodeMemoryStrategy.Mprotect, "mprotect (chosen by CodeMemoryOptions.Strategy)")]
    [InlineData(CodeMemoryStrategy.DualMapping, "dual-mapping (memfd; chosen by CodeMemoryOptions.Strategy)")]
    public void AnExplicitChoiceIsKeptAndDescribed(CodeMemoryStrategy strategy, string description)
    {
        using CodeMemory memory = Strategies.Create(strategy);
        Assert.Equal(strategy, memory.Strategy);
        Assert.Equal(description, memory.Describe());
        Assert.Null(memory.GetStatistics().FallbackReason);
    }
}
