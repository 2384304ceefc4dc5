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
}
