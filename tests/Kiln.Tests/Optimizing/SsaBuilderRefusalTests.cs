namespace Kiln.Tests.Optimizing;

/// <summary>What the IR does not model yet is refused by name with <see cref="UnsupportedFeatureException"/>, never built wrong.</summary>
public class SsaBuilderRefusalTests
{
    [Theory]
    [InlineData("(func (param v128))", "values of type v128")]
    [InlineData("(func (result i32) (local externref) i32.const 0)", "values of type externref")]
    [InlineData("(func (param i32) (result i32) local.get 0 i32x4.splat i32x4.extract_lane 0)", "i32x4.splat")]
    [InlineData("(type $t (func)) (table 1 funcref) (func i32.const 0 call_indirect (type $t))", "call_indirect")]
    [InlineData("(memory 1) (func i32.const 0 i32.const 0 i32.const 0 memory.fill)", "memory.fill")]
    [InlineData("(table 1 funcref) (func (result i32) table.size 0)", "table.size")]
    [InlineData("(func (result i32) ref.null func ref.is_null)", "ref.null")]
    public void RefusesWithTheInstructionsName(string body, string name)
    {
        var e = Assert.Throws<UnsupportedFeatureException>(() => OptimizingFiles.Build($"(module {body})"));
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("optimizing tier: ", e.Message, StringComparison.Ordinal);
    }
}
