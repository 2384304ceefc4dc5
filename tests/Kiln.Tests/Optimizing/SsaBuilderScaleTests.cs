using System.Text;
using Kiln.Optimizing.Ir;
using Kiln.Optimizing.Passes;

namespace Kiln.Tests.Optimizing;

/// <summary>Large bodies build in time and without exhausting the stack: long predecessor chains and many joins.</summary>
public class SsaBuilderScaleTests
{
    [Fact]
    public void LongBrIfChainReadsALocalWithoutRecursion()
    {
        // 20000 br_ifs make a chain of 20000 single-predecessor blocks; the local is read only at the end.
        var wat = new StringBuilder("(module (func (param i32 i32) (result i32) (block ");
        for (int i = 0; i < 20000; i++)
        {
            wat.Append("local.get 0 br_if 0 ");
        }
        wat.Append(") local.get 1))");
        IrFunction f = OptimizingFiles.Build(wat.ToString())[0];
        Assert.Equal(20002, f.Layout.Count);
    }

    [Fact]
    public void ManySequentialJoinsBuildOrAreRefusedAsAResourceLimit()
    {
        // Each if ends in a join; the local read at the end asks every join in turn.
        var wat = new StringBuilder("(module (func (param i32 i32) (result i32) ");
        for (int i = 0; i < 3000; i++)
        {
            wat.Append("local.get 0 if nop end ");
        }
        wat.Append("local.get 1))");
        try
        {
            IrFunction f = OptimizingFiles.Build(wat.ToString())[0];
            // Every join parameter merged one value and is gone: the return reads the entry's parameter.
            PassPipeline.Run(f, PassPipeline.Default);
            Assert.Contains("return v1\n", IrPrinter.Print(f), StringComparison.Ordinal);
        }
        catch (ResourceLimitException e)
        {
            Assert.Contains("control-flow joins", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ManyLocalsLiveAcrossManyJoinsAreRefusedAsAResourceLimit()
    {
        // 300 locals all read after 300 joins: every local is looked up at every join (90,000 lookups, though none
        // needs a parameter), far more than the body's few kilobytes allow (one per byte plus the base), so the
        // builder refuses the function.
        var wat = new StringBuilder("(module (func (param i32) (result i32) (local");
        for (int i = 0; i < 300; i++)
        {
            wat.Append(" i32");
        }
        wat.Append(") ");
        for (int i = 0; i < 300; i++)
        {
            wat.Append("local.get 0 if nop end ");
        }
        wat.Append("local.get 1 ");
        for (int i = 2; i <= 300; i++)
        {
            wat.Append("local.get ").Append(i).Append(" i32.add ");
        }
        wat.Append("))");
        var e = Assert.Throws<ResourceLimitException>(() => OptimizingFiles.Build(wat.ToString()));
        Assert.Contains("lookups of its locals at joins", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ManyLocalsAcrossFewJoinsStayWithinTheLimit()
    {
        // The same 300 locals across 20 joins: 6,000 lookups, each finding one value, so no join gets a parameter and
        // the sum reads the zero constants.
        var wat = new StringBuilder("(module (func (param i32) (result i32) (local");
        for (int i = 0; i < 300; i++)
        {
            wat.Append(" i32");
        }
        wat.Append(") ");
        for (int i = 0; i < 20; i++)
        {
            wat.Append("local.get 0 if nop end ");
        }
        wat.Append("local.get 1 ");
        for (int i = 2; i <= 300; i++)
        {
            wat.Append("local.get ").Append(i).Append(" i32.add ");
        }
        wat.Append("))");
        IrFunction f = OptimizingFiles.Build(wat.ToString())[0];
        Assert.All(f.Layout, b => Assert.True(b == f.Entry || f.Block(b).Params.Count == 0));
    }
}
