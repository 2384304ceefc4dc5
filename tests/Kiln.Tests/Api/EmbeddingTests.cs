using Kiln.Tests.Support;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Api;

public class EmbeddingTests
{
    [Fact]
    public void DefaultOptionsRunAdaptivelyWhereKilnGeneratesCode()
    {
        Assert.Equal(EngineOptions.GeneratesCode ? Tier.Auto : Tier.Interpreter, new EngineOptions().Tier);
        using var engine = new Engine();
        Assert.Equal(EngineOptions.GeneratesCode, engine.TieringStatistics is not null);
    }

    [Fact]
    public void TypedFunctionAddsTwoNumbers()
    {
        using var host = new TestHost();
        var b = new ModuleBuilder();
        b.AddFunction("add", T.I32I32, T.I32, T.None, "local.get 0", "local.get 1", "i32.add");
        Instance instance = host.Instantiate(b);

        TypedFunc<int, int, int> add = instance.GetFunction<int, int, int>("add");

        Assert.Equal(5, add.Invoke(2, 3));
        Assert.Equal(int.MinValue, add.Invoke(int.MaxValue, 1));
        Func<int, int, int> asDelegate = add.ToDelegate();
        Assert.Equal(42, asDelegate(40, 2));
    }

    [Fact]
    public void UntypedInvokeTakesAndReturnsValues()
    {
        using var host = new TestHost();
        var b = new ModuleBuilder();
        b.AddFunction("swap", T.Of(ValType.I64, ValType.F64), T.Of(ValType.F64, ValType.I64), T.None, "local.get 1", "local.get 0");
        Instance instance = host.Instantiate(b);

        Value[] results = instance.GetFunction("swap")!.Invoke(Value.FromI64(-7), Value.FromF64(2.5));

        Assert.Equal([Value.FromF64(2.5), Value.FromI64(-7)], results);
    }

    [Fact]
    public void TypedHandleRejectsWrongSignature()
    {
        using var host = new TestHost();
        var b = new ModuleBuilder();
        b.AddFunction("f", T.I32, T.I32, T.None, "local.get 0");
        Instance instance = host.Instantiate(b);

        Assert.Throws<InvalidCastException>(() => instance.GetFunction<long, long>("f"));
        Assert.Throws<KeyNotFoundException>(() => instance.GetFunction<int, int>("missing"));
        Assert.Throws<ArgumentException>(() => instance.GetFunction("f")!.Invoke(Value.FromI64(1)));
    }

    [Fact]
    public void HostFunctionFromLambdaIsCalled()
    {
        using var host = new TestHost();
        var logged = new List<int>();
        host.Linker.DefineFunction("env", "log", (int x) => logged.Add(x));
        host.Linker.DefineFunction("env", "twice", (long x) => x * 2);
        var b = new ModuleBuilder();
        b.ImportFunction("env", "log", T.I32, T.None);
        b.ImportFunction("env", "twice", T.I64, T.I64);
        b.AddFunction("run", T.I32, T.I64, T.None, "local.get 0", "call 0", "local.get 0", "i64.extend_i32_s", "call 1");
        Instance instance = host.Instantiate(b);

        long r = instance.GetFunction<int, long>("run").Invoke(21);

        Assert.Equal(42, r);
        Assert.Equal([21], logged);
    }

    [Fact]
    public void UntypedHostFunctionSeesCallerMemory()
    {
        using var host = new TestHost();
        string? seen = null;
        host.Linker.DefineFunction("env", "print", new FuncType([ValType.I32, ValType.I32], []), (caller, args, results) =>
        {
            seen = caller.GetMemory()!.ReadString((ulong)args[0].AsI32(), args[1].AsI32());
        });
        var b = new ModuleBuilder();
        b.ImportFunction("env", "print", T.I32I32, T.None);
        b.AddMemory(1);
        b.Export("memory", ExternKind.Memory, 0);
        b.AddActiveData("i32.const 16", "hello kiln"u8.ToArray());
        b.AddFunction("main", T.None, T.None, T.None, "i32.const 16", "i32.const 10", "call 0");
        Instance instance = host.Instantiate(b);

        instance.GetAction("main").Invoke();

        Assert.Equal("hello kiln", seen);
    }

    [Fact]
    public void MemoryIsVisibleAsSpan()
    {
        using var host = new TestHost();
        var b = new ModuleBuilder();
        b.AddMemory(1, 4);
        b.Export("mem", ExternKind.Memory, 0);
        b.AddFunction("load", T.I32, T.I32, T.None, "local.get 0", "i32.load");
        b.AddFunction("store", T.I32I32, T.None, T.None, "local.get 0", "local.get 1", "i32.store");
        Instance instance = host.Instantiate(b);
        Memory memory = instance.GetMemory("mem")!;

        memory.WriteInt32(100, 0x12345678);
        Assert.Equal(0x12345678, instance.GetFunction<int, int>("load").Invoke(100));
        instance.GetAction<int, int>("store").Invoke(200, -2);
        Assert.Equal(0xFE, memory.Span[200]);
        Assert.Equal(-2, memory.ReadInt32(200));
        Assert.Equal(65536, memory.Span.Length);
        Assert.Equal(1, memory.Grow(1));
        Assert.Equal(2u, memory.Pages);
        Assert.Equal(-1, memory.Grow(3));
    }

    [Fact]
    public void GlobalsAreReadAndWrittenFromCSharp()
    {
        using var host = new TestHost();
        var b = new ModuleBuilder();
        uint g = b.AddGlobal(ValType.I64, true, "i64.const 40");
        b.Export("counter", ExternKind.Global, g);
        b.AddFunction("bump", T.None, T.I64, T.None, "global.get 0", "i64.const 1", "i64.add", "global.set 0", "global.get 0");
        Instance instance = host.Instantiate(b);
        Global counter = instance.GetGlobal("counter")!;

        Assert.Equal(Value.FromI64(40), counter.Value);
        Assert.Equal(41, instance.GetFunction<long>("bump").Invoke());
        counter.Value = Value.FromI64(100);
        Assert.Equal(101, instance.GetFunction<long>("bump").Invoke());
    }

    [Fact]
    public void InstancesLinkThroughRegisteredExports()
    {
        using var host = new TestHost();
        var lib = new ModuleBuilder();
        lib.AddFunction("square", T.I32, T.I32, T.None, "local.get 0", "local.get 0", "i32.mul");
        lib.AddMemory(1);
        lib.Export("memory", ExternKind.Memory, 0);
        uint g = lib.AddGlobal(ValType.I32, true, "i32.const 0");
        lib.Export("g", ExternKind.Global, g);
        Instance libInstance = host.Instantiate(lib);
        host.Linker.DefineInstance("lib", libInstance);

        var app = new ModuleBuilder();
        app.ImportFunction("lib", "square", T.I32, T.I32);
        app.ImportMemory("lib", "memory", 1);
        app.ImportGlobal("lib", "g", ValType.I32, true);
        app.AddFunction("run", T.I32, T.I32, T.None,
            "i32.const 8", "local.get 0", "call 0", "i32.store",
            "i32.const 8", "i32.load", "global.set 0", "global.get 0");
        Instance appInstance = host.Instantiate(app);

        Assert.Equal(49, appInstance.GetFunction<int, int>("run").Invoke(7));
        Assert.Equal(49, libInstance.GetMemory("memory")!.ReadInt32(8));
        Assert.Equal(Value.FromI32(49), libInstance.GetGlobal("g")!.Value);
    }

    [Fact]
    public void FuncrefAndExternrefCrossTheApi()
    {
        using var host = new TestHost();
        var b = new ModuleBuilder();
        b.AddFunction("id", T.Of(ValType.ExternRef), T.Of(ValType.ExternRef), T.None, "local.get 0");
        uint f = b.AddFunction("self", T.None, T.Of(ValType.FuncRef), T.None, "ref.func 1");
        b.Module.Elements.Add(new ElementSegment { Mode = SegmentMode.Declarative, ElementType = ValType.FuncRef, Items = [ConstExpr.RefFunc(f, 0)] });
        b.AddFunction("isnull", T.Of(ValType.ExternRef), T.I32, T.None, "local.get 0", "ref.is_null");
        Instance instance = host.Instantiate(b);
        var token = new object();

        Assert.Same(token, instance.GetFunction<object, object>("id").Invoke(token));
        Assert.Same(instance.GetFunction("self"), instance.GetFunction<Func>("self").Invoke());
        Assert.Equal(1, instance.GetFunction<object, int>("isnull").Invoke(null!));
        Assert.Equal(0, instance.GetFunction<object, int>("isnull").Invoke(token));
        Value[] r = instance.GetFunction("id")!.Invoke(Value.FromExternRef("x"));
        Assert.Equal("x", r[0].AsExternRef());
    }
}

public class ModuleLoadingTests
{
    [Fact]
    public void TextModuleCompilesAndRuns()
    {
        using var engine = new Engine();
        using var store = new Store(engine);
        Module module = Module.FromText(engine, """
            (module
              (func (export "gcd") (param i32 i32) (result i32)
                (block $done
                  (loop $next
                    (br_if $done (i32.eqz (local.get 1)))
                    (local.get 1)
                    (local.set 1 (i32.rem_u (local.get 0) (local.get 1)))
                    (local.set 0)
                    (br $next)))
                (local.get 0)))
            """);
        Instance instance = new Linker(engine).Instantiate(store, module);

        Assert.Equal(6, instance.GetFunction<int, int, int>("gcd").Invoke(48, 18));
    }

    [Fact]
    public void BinaryModuleIsReadAndValidated()
    {
        using var engine = new Engine();
        // (module (func (export "k") (result i32) i32.const 42))
        byte[] bytes =
        [
            0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
            0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7F,
            0x03, 0x02, 0x01, 0x00,
            0x07, 0x05, 0x01, 0x01, 0x6B, 0x00, 0x00,
            0x0A, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2A, 0x0B,
        ];
        using var store = new Store(engine);
        Instance instance = new Linker(engine).Instantiate(store, Module.FromBinary(engine, bytes));

        Assert.Equal(42, instance.GetFunction<int>("k").Invoke());
        bytes[14] = 0x7E; // the function now claims an i64 result
        Assert.ThrowsAny<Kiln.Wasm.WasmModuleException>(() => Module.FromBinary(engine, bytes));
    }

    [Fact]
    public void InvalidTextModuleIsRejectedBeforeTranslation()
    {
        using var engine = new Engine();
        Assert.Throws<Kiln.Wasm.InvalidModuleException>(() => Module.FromText(engine, "(module (func (result i32) i64.const 1))"));
    }
}
