using Kiln.Optimizing;
using Kiln.Optimizing.Ir;

namespace Kiln.Tests.Optimizing;

/// <summary>
/// The evaluator's table, reference and bulk-memory semantics on small hand-made states: call_indirect's three trap
/// kinds in the interpreter's order, table growth against the maximum, table and memory initialization from segments
/// and what a drop leaves, and out-of-bounds ranges that trap without writing anything.
/// </summary>
public class IrEvaluatorTests
{
    private const string Module = """
        (module
          (type $ii (func (param i32) (result i32)))
          (type $v (func))
          (table $t 3 5 funcref)
          (memory 1)
          (elem $e func $inc $inc)
          (data $d "\01\02\03\04")
          (func $inc (type $ii) local.get 0 i32.const 1 i32.add)
          (func $call (param i32 i32) (result i32)
            local.get 1
            local.get 0
            call_indirect $t (type $ii))
          (func $callv (param i32)
            local.get 0
            call_indirect $t (type $v))
          (func $grow (param i32) (result i32)
            ref.func $inc
            local.get 0
            table.grow $t)
          (func $init (param i32 i32 i32)
            local.get 0
            local.get 1
            local.get 2
            table.init $t $e
            local.get 0
            local.get 1
            local.get 2
            memory.init $d)
          (func $drop
            elem.drop $e
            data.drop $d)
          (func $fill (param i32 i32)
            local.get 0
            i32.const 170
            local.get 1
            memory.fill))
        """;

    private static (IrEvaluator Evaluator, IrInstanceState State) Start()
    {
        List<IrFunction> functions = OptimizingFiles.Build(Module);
        var state = new IrInstanceState
        {
            Memory = new byte[65536],
            MaxPages = 1,
            Tables = [new IrTable([IrInstanceState.FuncRef(0), 0, IrInstanceState.FuncRef(0)], 5)],
            ElementSegments = [[IrInstanceState.FuncRef(0), IrInstanceState.FuncRef(0)]],
            DataSegments = [[1, 2, 3, 4]],
            FunctionTypes = [.. functions.Select(f => new IrSignature(f.Params, f.Results))],
        };
        return (new IrEvaluator(i => functions[(int)i], (_, _) => throw new InvalidOperationException("no imports"), state, fuel: 10_000, maxDepth: 10), state);
    }

    [Theory]
    [InlineData(0u, null)]
    [InlineData(3u, TrapCode.UndefinedElement)]
    [InlineData(uint.MaxValue, TrapCode.UndefinedElement)]
    [InlineData(1u, TrapCode.UninitializedElement)]
    public void CallIndirectChecksIndexThenNullThenSignature(uint index, TrapCode? trap)
    {
        (IrEvaluator e, _) = Start();
        if (trap is { } code)
        {
            Assert.Equal(code, Assert.Throws<TrapException>(() => e.Call(1, [index, 41])).Code);
        }
        else
        {
            Assert.Equal([(UInt128)42], e.Call(1, [index, 41]));
        }
        // Element 0 holds $inc, (i32) -> (i32): called as () -> () it is a mismatch; element 1 is null first.
        Assert.Equal(TrapCode.IndirectCallTypeMismatch, Assert.Throws<TrapException>(() => e.Call(2, [0])).Code);
        Assert.Equal(TrapCode.UninitializedElement, Assert.Throws<TrapException>(() => e.Call(2, [1])).Code);
    }

    [Fact]
    public void TableGrowsUpToItsMaximumThenFails()
    {
        (IrEvaluator e, IrInstanceState s) = Start();
        Assert.Equal([(UInt128)3], e.Call(3, [2]));
        Assert.Equal(5, s.Tables[0].Elements.Length);
        Assert.Equal(IrInstanceState.FuncRef(0), s.Tables[0].Elements[4]);
        Assert.Equal([(UInt128)uint.MaxValue], e.Call(3, [1]));
        Assert.Equal([(UInt128)5], e.Call(3, [0]));
    }

    [Fact]
    public void InitCopiesSegmentsAndDropEmptiesThem()
    {
        (IrEvaluator e, IrInstanceState s) = Start();
        s.Tables[0].Elements[1] = 0;
        e.Call(4, [1, 1, 1]);
        Assert.Equal(IrInstanceState.FuncRef(0), s.Tables[0].Elements[1]);
        Assert.Equal(new byte[] { 0, 2, 0 }, s.Memory[..3]);
        e.Call(5, []);
        Assert.Empty(s.ElementSegments[0]);
        Assert.Empty(s.DataSegments[0]);
        // Spec 4.4.6/4.4.7: a dropped segment is empty, so only a zero-length init at offset 0 still succeeds.
        e.Call(4, [0, 0, 0]);
        Assert.Equal(TrapCode.TableOutOfBounds, Assert.Throws<TrapException>(() => e.Call(4, [0, 0, 1])).Code);
    }

    [Fact]
    public void OutOfBoundsFillTrapsWithoutWriting()
    {
        (IrEvaluator e, IrInstanceState s) = Start();
        e.Call(6, [65534, 2]);
        Assert.Equal(new byte[] { 0xAA, 0xAA }, s.Memory[65534..]);
        Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => e.Call(6, [65000, 537])).Code);
        Assert.Equal(0, s.Memory[65000]);
    }
}
