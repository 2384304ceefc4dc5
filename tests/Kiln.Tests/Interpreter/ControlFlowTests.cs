using Kiln.Tests.Support;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Interpreter;

/// <summary>
/// Control flow and the translator's slot assignment: deferred local reads, results written
/// straight into locals, multi-value blocks, branches carrying values.
/// </summary>
public class ControlFlowTests
{
    private static Instance Build(Action<ModuleBuilder> define)
    {
        var host = new TestHost();
        var b = new ModuleBuilder();
        define(b);
        return host.Instantiate(b);
    }

    [Fact]
    public void DeferredLocalReadKeepsOldValueAcrossLocalSet()
    {
        Instance i = Build(b => b.AddFunction("f", T.I32, T.I32I32, T.None,
            "local.get 0", "local.get 0", "i32.const 1", "i32.add", "local.set 0", "local.get 0"));

        Assert.Equal([Value.FromI32(5), Value.FromI32(6)], i.GetFunction("f")!.Invoke(5));
    }

    [Fact]
    public void DeferredLocalReadSurvivesConditionalWrite()
    {
        // The stack holds local 0 while an if (taken or not) overwrites it.
        Instance i = Build(b => b.AddFunction("f", T.I32I32, T.I32, T.None,
            "local.get 0", "local.get 1", "if", "i32.const 100", "local.set 0", "end", "local.get 0", "i32.add"));
        TypedFunc<int, int, int> f = i.GetFunction<int, int, int>("f");

        Assert.Equal(7 + 100, f.Invoke(7, 1));
        Assert.Equal(7 + 7, f.Invoke(7, 0));
    }

    [Fact]
    public void LocalTeeAndSwapThroughTemporaries()
    {
        Instance i = Build(b => b.AddFunction("f", T.I32I32, T.I32I32, T.Of(ValType.I32),
            "local.get 0", "local.set 2", "local.get 1", "local.set 0", "local.get 2", "local.tee 1", "local.get 0"));

        Assert.Equal([Value.FromI32(1), Value.FromI32(2)], i.GetFunction("f")!.Invoke(1, 2));
    }

    [Fact]
    public void LoopSumsWithBranchIf()
    {
        Instance i = Build(b => b.AddFunction("sum", T.I32, T.I64, T.Of(ValType.I64),
            "loop",
            "local.get 1", "local.get 0", "i64.extend_i32_u", "i64.add", "local.set 1",
            "local.get 0", "i32.const 1", "i32.sub", "local.tee 0", "br_if 0",
            "end", "local.get 1"));

        Assert.Equal(5050, i.GetFunction<int, long>("sum").Invoke(100));
    }

    [Fact]
    public void BranchIfCarriesValueOutOfBlock()
    {
        Instance i = Build(b => b.AddFunction("f", T.I32I32, T.I32, T.None,
            "block i32", "local.get 0", "local.get 1", "br_if 0", "i32.const 10", "i32.add", "end"));
        TypedFunc<int, int, int> f = i.GetFunction<int, int, int>("f");

        Assert.Equal(3, f.Invoke(3, 1));
        Assert.Equal(13, f.Invoke(3, 0));
    }

    [Fact]
    public void BranchTableSelectsTargetsWithValues()
    {
        Instance i = Build(b => b.AddFunction("f", T.I32, T.I32, T.None,
            "block i32", "block i32", "block i32",
            "i32.const 100", "local.get 0", "br_table 0 1 2",
            "end", "i32.const 1", "i32.add",
            "end", "i32.const 2", "i32.add",
            "end"));
        TypedFunc<int, int> f = i.GetFunction<int, int>("f");

        Assert.Equal(103, f.Invoke(0));
        Assert.Equal(102, f.Invoke(1));
        Assert.Equal(100, f.Invoke(2));
        Assert.Equal(100, f.Invoke(-1));
    }

    [Fact]
    public void BranchTableToFunctionLabelReturns()
    {
        Instance i = Build(b => b.AddFunction("f", T.I32, T.I32, T.None,
            "block i32", "i32.const 7", "local.get 0", "br_table 1 0", "end", "i32.const 9", "i32.add"));

        Assert.Equal(7, i.GetFunction<int, int>("f").Invoke(0));
        Assert.Equal(16, i.GetFunction<int, int>("f").Invoke(1));
    }

    [Fact]
    public void MultiValueBlocksAndLoopParameters()
    {
        Instance i = Build(b =>
        {
            uint loopType = b.AddType(T.I32I32, T.I32);
            // Computes fib(n) with a loop whose parameters are (a, b), counting n down in local 1.
            b.AddFunction("fib", T.I32, T.I32, T.Of(ValType.I32, ValType.I32, ValType.I32),
                "local.get 0", "local.set 1",
                "i32.const 0", "i32.const 1",
                $"loop type {loopType}",
                "local.set 2", "local.set 3",
                "local.get 1", "i32.eqz", "if", "local.get 3", "return", "end",
                "local.get 1", "i32.const 1", "i32.sub", "local.set 1",
                "local.get 2", "local.get 3", "local.get 2", "i32.add",
                "br 0",
                "end");
            b.AddFunction("swapadd", T.I32I32, T.I32I32, T.None, "local.get 1", "local.get 0", "local.get 1", "i32.add");
            b.AddFunction("blockparams", T.I32I32, T.I32, T.None,
                "local.get 0", "local.get 1", $"block type {loopType}", "i32.sub", "end");
            b.AddFunction("ifelse", T.I32I32, T.I32, T.None,
                "local.get 0", "local.get 1", "local.get 0", $"if type {loopType}", "i32.add", "else", "i32.mul", "end");
        });

        Assert.Equal([Value.FromI32(2), Value.FromI32(5)], i.GetFunction("swapadd")!.Invoke(3, 2));
        Assert.Equal(55, i.GetFunction<int, int>("fib").Invoke(10));
        Assert.Equal(-4, i.GetFunction<int, int, int>("blockparams").Invoke(3, 7));
        Assert.Equal(10, i.GetFunction<int, int, int>("ifelse").Invoke(3, 7));
        Assert.Equal(0, i.GetFunction<int, int, int>("ifelse").Invoke(0, 7));
    }

    [Fact]
    public void UnreachableCodeAfterBranchesIsSkipped()
    {
        Instance i = Build(b => b.AddFunction("f", T.I32, T.I32, T.None,
            "block i32", "i32.const 1", "br 0", "i32.const 2", "i32.add", "unreachable", "block", "end", "end",
            "local.get 0", "if i32", "i32.const 5", "return", "i32.const 6", "else", "i32.const 7", "end", "i32.add"));

        Assert.Equal(5, i.GetFunction<int, int>("f").Invoke(1));
        Assert.Equal(8, i.GetFunction<int, int>("f").Invoke(0));
    }

    [Fact]
    public void DeepRecursionInsideHostCallbackThenReturnToOuterFrames()
    {
        // The nested entry grows the interpreter's frame array past its initial size while the
        // outer activation is suspended in the host call; the outer frames must survive that.
        using var host = new TestHost();
        Instance? instance = null;
        host.Linker.DefineFunction("env", "deep", (int n) => instance!.GetFunction<int, int>("depth").Invoke(n));
        var b = new ModuleBuilder();
        b.ImportFunction("env", "deep", T.I32, T.I32);
        b.AddFunction("depth", T.I32, T.I32, T.None,
            "local.get 0", "i32.eqz", "if i32", "i32.const 0", "else", "local.get 0", "i32.const 1", "i32.sub", "call 1", "i32.const 1", "i32.add", "end");
        b.AddFunction("outer", T.I32, T.I32, T.None,
            "local.get 0", "i32.eqz", "if i32", "i32.const 5000", "call 0", "else", "local.get 0", "i32.const 1", "i32.sub", "call 2", "i32.const 1", "i32.add", "end");
        b.AddFunction("boom", T.None, T.None, T.None, "unreachable");
        b.AddFunction("deepThenTrap", T.None, T.None, T.None, "i32.const 5000", "call 0", "drop", "call 3");
        instance = host.Instantiate(b);

        TrapException trap = Assert.Throws<TrapException>(() => instance.GetAction("deepThenTrap").Invoke());
        Assert.Equal(["boom", "deepThenTrap"], trap.Backtrace.Select(f => f.FunctionName));
        Assert.Equal(5000 + 3, instance.GetFunction<int, int>("outer").Invoke(3));
    }

    [Fact]
    public void RecursiveFactorial()
    {
        Instance i = Build(b => b.AddFunction("fac", T.I64, T.I64, T.None,
            "local.get 0", "i64.eqz", "if i64", "i64.const 1", "else",
            "local.get 0", "local.get 0", "i64.const 1", "i64.sub", "call 0", "i64.mul", "end"));

        Assert.Equal(2432902008176640000L, i.GetFunction<long, long>("fac").Invoke(20));
    }

    [Fact]
    public void CallIndirectChecksBoundsNullAndType()
    {
        Instance i = Build(b =>
        {
            b.AddTable(ValType.FuncRef, 4);
            uint one = b.AddFunction(T.None, T.I32, T.None, "i32.const 1");
            uint two = b.AddFunction(T.None, T.I32, T.None, "i32.const 2");
            uint other = b.AddFunction(T.I32, T.I32, T.None, "local.get 0");
            b.AddActiveElements(0, "i32.const 0", one, two, other);
            uint sig = b.AddType(T.None, T.I32);
            b.AddFunction("dispatch", T.I32, T.I32, T.None, "local.get 0", $"call_indirect {sig} 0");
        });
        TypedFunc<int, int> dispatch = i.GetFunction<int, int>("dispatch");

        Assert.Equal(1, dispatch.Invoke(0));
        Assert.Equal(2, dispatch.Invoke(1));
        Assert.Equal("indirect call type mismatch", Assert.Throws<TrapException>(() => dispatch.Invoke(2)).Message);
        Assert.Equal("uninitialized element", Assert.Throws<TrapException>(() => dispatch.Invoke(3)).Message);
        Assert.Equal("undefined element", Assert.Throws<TrapException>(() => dispatch.Invoke(4)).Message);
    }

    [Fact]
    public void SelectAndDrop()
    {
        Instance i = Build(b => b.AddFunction("f", T.I32, T.I64, T.None,
            "i64.const 10", "i64.const 20", "i32.const 99", "drop", "local.get 0", "select"));

        Assert.Equal(10, i.GetFunction<int, long>("f").Invoke(1));
        Assert.Equal(20, i.GetFunction<int, long>("f").Invoke(0));
    }
}
