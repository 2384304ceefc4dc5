using Kiln.Tests.Support;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Api;

public class TrapTests
{
    [Fact]
    public void TrapCarriesCodeSpecMessageAndNamedBacktrace()
    {
        using var host = new TestHost();
        var b = new ModuleBuilder();
        b.AddFunction("inner", T.I32, T.I32, T.None, "local.get 0", "i32.const 0", "i32.div_s");
        b.AddFunction("outer", T.I32, T.I32, T.None, "local.get 0", "call 0");
        b.AddFunction(T.None, T.None, T.None, "unreachable");
        b.Export("anon", ExternKind.Function, 2);
        Instance instance = host.Instantiate(b);

        TrapException trap = Assert.Throws<TrapException>(() => instance.GetFunction<int, int>("outer").Invoke(1));

        Assert.Equal(TrapCode.IntegerDivideByZero, trap.Code);
        Assert.Equal("integer divide by zero", trap.Message);
        Assert.Equal(["inner", "outer"], trap.Backtrace.Select(f => f.FunctionName));
        Assert.Contains("1: outer", trap.Describe());

        TrapException anon = Assert.Throws<TrapException>(() => instance.GetAction("anon").Invoke());
        Assert.Equal("unreachable", anon.Message);
        Assert.Equal("func[2]", anon.Backtrace[0].FunctionName);
    }

    [Fact]
    public void InstanceIsUsableAfterATrap()
    {
        using var host = new TestHost();
        var b = new ModuleBuilder();
        b.AddMemory(1);
        b.AddFunction("load", T.I32, T.I32, T.None, "local.get 0", "i32.load");
        Instance instance = host.Instantiate(b);
        TypedFunc<int, int> load = instance.GetFunction<int, int>("load");

        Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => load.Invoke(65533)).Code);
        Assert.Equal(0, load.Invoke(65532));
        Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => load.Invoke(-1)).Code);
        Assert.Equal(0, load.Invoke(0));
    }

    [Fact]
    public void ThrowingHostFunctionBecomesTrapWithInnerException()
    {
        using var host = new TestHost();
        int calls = 0;
        host.Linker.DefineFunction("env", "check", (int x) =>
        {
            calls++;
            if (x < 0)
            {
                throw new InvalidOperationException("negative");
            }
            return x + 1;
        });
        var b = new ModuleBuilder();
        b.ImportFunction("env", "check", T.I32, T.I32);
        b.AddFunction("run", T.I32, T.I32, T.None, "local.get 0", "call 0");
        Instance instance = host.Instantiate(b);
        TypedFunc<int, int> run = instance.GetFunction<int, int>("run");

        TrapException trap = Assert.Throws<TrapException>(() => run.Invoke(-5));

        Assert.Equal(TrapCode.HostError, trap.Code);
        Assert.IsType<InvalidOperationException>(trap.InnerException);
        Assert.Equal("negative", trap.InnerException!.Message);
        Assert.Equal("run", trap.Backtrace[0].FunctionName);
        Assert.Equal(11, run.Invoke(10));
        Assert.Equal(2, calls);
    }

    [Fact]
    public void DisposingTheStoreFromRunningCodeIsRefused()
    {
        using var host = new TestHost();
        host.Linker.DefineFunction("env", "dispose", () => host.Store.Dispose());
        var b = new ModuleBuilder();
        b.ImportFunction("env", "dispose", T.None, T.None);
        b.AddFunction("run", T.None, T.None, T.None, "call 0");
        Instance instance = host.Instantiate(b);

        TrapException trap = Assert.Throws<TrapException>(() => instance.GetAction("run").Invoke());

        Assert.IsType<InvalidOperationException>(trap.InnerException);
        instance.GetFunction("run")!.Store.Dispose();
        Assert.Throws<ObjectDisposedException>(() => instance.GetAction("run").Invoke());
    }

    [Fact]
    public void TrapInsideReentrantCallKeepsBothBacktraceParts()
    {
        using var host = new TestHost();
        Instance? instance = null;
        host.Linker.DefineFunction("env", "reenter", (int x) => instance!.GetFunction<int, int>("fail").Invoke(x));
        var b = new ModuleBuilder();
        b.ImportFunction("env", "reenter", T.I32, T.I32);
        b.AddFunction("fail", T.I32, T.I32, T.None, "unreachable");
        b.AddFunction("start", T.I32, T.I32, T.None, "local.get 0", "call 0");
        instance = host.Instantiate(b);

        TrapException trap = Assert.Throws<TrapException>(() => instance.GetFunction<int, int>("start").Invoke(1));

        Assert.Equal(TrapCode.Unreachable, trap.Code);
        Assert.Equal(["fail", "start"], trap.Backtrace.Select(f => f.FunctionName));
    }

    [Fact]
    public void DeepRecursionTrapsCallStackExhausted()
    {
        using var host = new TestHost(limits: new StoreLimits { MaxCallDepth = 5000 });
        var b = new ModuleBuilder();
        b.AddFunction("forever", T.I32, T.I32, T.None, "local.get 0", "i32.const 1", "i32.add", "call 0");
        b.AddFunction("depth", T.I32, T.I32, T.None,
            "local.get 0", "i32.eqz", "if i32", "i32.const 0", "else", "local.get 0", "i32.const 1", "i32.sub", "call 1", "i32.const 1", "i32.add", "end");
        Instance instance = host.Instantiate(b);

        TrapException trap = Assert.Throws<TrapException>(() => instance.GetFunction<int, int>("forever").Invoke(0));

        Assert.Equal(TrapCode.CallStackExhausted, trap.Code);
        Assert.Equal("call stack exhausted", trap.Message);
        Assert.Equal(4999, instance.GetFunction<int, int>("depth").Invoke(4999));
        Assert.Equal(TrapCode.CallStackExhausted, Assert.Throws<TrapException>(() => instance.GetFunction<int, int>("depth").Invoke(5000)).Code);
    }

    [Fact]
    public void DefaultLimitsSurviveUnboundedRecursionWithoutStackOverflow()
    {
        using var host = new TestHost();
        var b = new ModuleBuilder();
        b.AddFunction("forever", T.None, T.None, T.Of(ValType.I64, ValType.I64, ValType.I64), "call 0");
        Instance instance = host.Instantiate(b);

        Assert.Equal(TrapCode.CallStackExhausted, Assert.Throws<TrapException>(() => instance.GetAction("forever").Invoke()).Code);
    }

    [Fact]
    public void MemoryGrowBeyondStoreLimitReturnsMinusOne()
    {
        using var host = new TestHost(limits: new StoreLimits { MaxMemoryPages = 3 });
        var b = new ModuleBuilder();
        b.AddMemory(1);
        b.AddFunction("grow", T.I32, T.I32, T.None, "local.get 0", "memory.grow");
        b.AddFunction("size", T.None, T.I32, T.None, "memory.size");
        Instance instance = host.Instantiate(b);
        TypedFunc<int, int> grow = instance.GetFunction<int, int>("grow");

        Assert.Equal(1, grow.Invoke(2));
        Assert.Equal(-1, grow.Invoke(1));
        Assert.Equal(3, instance.GetFunction<int>("size").Invoke());
        Assert.Equal(3, grow.Invoke(0));
    }

    [Fact]
    public void TableGrowBeyondLimitReturnsMinusOne()
    {
        using var host = new TestHost(limits: new StoreLimits { MaxTableElements = 10 });
        var b = new ModuleBuilder();
        b.AddTable(ValType.FuncRef, 2);
        b.AddFunction("grow", T.I32, T.I32, T.None, "ref.null funcref", "local.get 0", "table.grow 0");
        Instance instance = host.Instantiate(b);
        TypedFunc<int, int> grow = instance.GetFunction<int, int>("grow");

        Assert.Equal(2, grow.Invoke(8));
        Assert.Equal(-1, grow.Invoke(1));
    }

    [Fact]
    public void InitialMemoryOverLimitIsAResourceError()
    {
        using var host = new TestHost(limits: new StoreLimits { MaxMemoryPages = 2 });
        var b = new ModuleBuilder();
        b.AddMemory(5);

        Assert.Throws<ResourceLimitException>(() => host.Instantiate(b));
    }

    [Fact]
    public void InterruptStopsAnInfiniteLoop()
    {
        using var host = new TestHost();
        var b = new ModuleBuilder();
        b.AddFunction("spin", T.None, T.None, T.None, "loop", "br 0", "end");
        Instance instance = host.Instantiate(b);
        using var timer = new Timer(_ => host.Store.Interrupt(), null, 100, Timeout.Infinite);

        TrapException trap = Watchdog.Run(() => Assert.Throws<TrapException>(() => instance.GetAction("spin").Invoke()), TimeSpan.FromSeconds(60));

        Assert.Equal(TrapCode.Interrupted, trap.Code);
    }

    [Fact]
    public void CancellationTokenInterruptsAndStoreStaysUsable()
    {
        using var host = new TestHost();
        var b = new ModuleBuilder();
        b.AddFunction("spin", T.None, T.None, T.None, "loop", "br 0", "end");
        b.AddFunction("one", T.None, T.I32, T.None, "i32.const 1");
        Instance instance = host.Instantiate(b);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        using (host.Store.InterruptOn(cts.Token))
        {
            TrapException trap = Watchdog.Run(() => Assert.Throws<TrapException>(() => instance.GetAction("spin").Invoke()), TimeSpan.FromSeconds(60));
            Assert.Equal(TrapCode.Interrupted, trap.Code);
        }

        Assert.Equal(1, instance.GetFunction<int>("one").Invoke());
    }

    [Fact]
    public void FuelRunsOut()
    {
        using var host = new TestHost(new EngineOptions { ConsumeFuel = true });
        var b = new ModuleBuilder();
        b.AddFunction("count", T.I32, T.None, T.None,
            "loop", "local.get 0", "i32.const 1", "i32.sub", "local.tee 0", "br_if 0", "end");
        Instance instance = host.Instantiate(b);
        host.Store.SetFuel(1000);

        instance.GetAction<int>("count").Invoke(500);
        Assert.InRange(host.Store.GetFuel(), 400, 500);
        Assert.Equal(TrapCode.OutOfFuel, Assert.Throws<TrapException>(() => instance.GetAction<int>("count").Invoke(10_000)).Code);
        host.Store.SetFuel(100);
        instance.GetAction<int>("count").Invoke(10);
    }
}
