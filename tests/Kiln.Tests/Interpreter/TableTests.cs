using Kiln.Tests.Support;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Interpreter;

public class TableTests
{
    [Fact]
    public void TableInstructionsFollowSpecBounds()
    {
        using var host = new TestHost();
        var b = new ModuleBuilder();
        b.AddTable(ValType.FuncRef, 4, 8);
        b.Export("t", ExternKind.Table, 0);
        uint f0 = b.AddFunction(T.None, T.I32, T.None, "i32.const 10");
        uint f1 = b.AddFunction(T.None, T.I32, T.None, "i32.const 11");
        b.AddPassiveElements(f0, f1);
        b.AddFunction("init", T.Of(ValType.I32, ValType.I32, ValType.I32), T.None, T.None, "local.get 0", "local.get 1", "local.get 2", "table.init 0 0");
        b.AddFunction("drop", T.None, T.None, T.None, "elem.drop 0");
        b.AddFunction("copy", T.Of(ValType.I32, ValType.I32, ValType.I32), T.None, T.None, "local.get 0", "local.get 1", "local.get 2", "table.copy 0 0");
        b.AddFunction("fill", T.Of(ValType.I32, ValType.I32), T.None, T.None, "local.get 0", "ref.null funcref", "local.get 1", "table.fill 0");
        b.AddFunction("isnull", T.I32, T.I32, T.None, "local.get 0", "table.get 0", "ref.is_null");
        b.AddFunction("size", T.None, T.I32, T.None, "table.size 0");
        b.AddFunction("setnull", T.I32, T.None, T.None, "local.get 0", "ref.null funcref", "table.set 0");
        uint sig = b.AddType(T.None, T.I32);
        b.AddFunction("call", T.I32, T.I32, T.None, "local.get 0", $"call_indirect {sig} 0");
        Instance i = host.Instantiate(b);
        TypedAction<int, int, int> init = i.GetAction<int, int, int>("init");
        TypedFunc<int, int> isNull = i.GetFunction<int, int>("isnull");
        TypedFunc<int, int> call = i.GetFunction<int, int>("call");

        init.Invoke(2, 0, 2);
        Assert.Equal(10, call.Invoke(2));
        Assert.Equal(11, call.Invoke(3));
        Assert.Equal("out of bounds table access", Assert.Throws<TrapException>(() => init.Invoke(3, 0, 2)).Message);
        i.GetAction<int, int, int>("copy").Invoke(0, 2, 2);
        Assert.Equal(11, call.Invoke(1));
        i.GetAction<int, int>("fill").Invoke(1, 3);
        Assert.Equal(1, isNull.Invoke(3));
        Assert.Equal(0, isNull.Invoke(0));
        Assert.Equal(TrapCode.TableOutOfBounds, Assert.Throws<TrapException>(() => isNull.Invoke(4)).Code);
        Assert.Equal(TrapCode.TableOutOfBounds, Assert.Throws<TrapException>(() => i.GetAction<int>("setnull").Invoke(4)).Code);
        i.GetAction("drop").Invoke();
        init.Invoke(0, 0, 0);
        Assert.Equal(TrapCode.TableOutOfBounds, Assert.Throws<TrapException>(() => init.Invoke(0, 0, 1)).Code);

        Table t = i.GetTable("t")!;
        Assert.Equal(4, t.Grow(2, Value.FromFuncRef(i.GetFunction("size"))));
        Assert.Equal(6, i.GetFunction<int>("size").Invoke());
        Assert.Same(i.GetFunction("size"), t.Get(5).AsFuncRef());
        Assert.Equal(-1, t.Grow(3, Value.Null(ValType.FuncRef)));
    }
}
