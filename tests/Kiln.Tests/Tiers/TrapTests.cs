using Kiln.Tests.Support;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Tiers;

/// <summary>
/// Traps on every tier (<see cref="TestTiers"/>): the code, the spec message and a backtrace of Wasm function names, an
/// instance that stays usable after a trap, host exceptions turned into traps, and runaway recursion that ends in a
/// trap rather than a crashed process, also on a small thread and through the host.
/// </summary>
public class TrapTests
{
    public static TheoryData<string> Tiers => TestTiers.All;


    [Theory]
    [MemberData(nameof(Tiers))]
    public void TrapCarriesCodeSpecMessageAndNamedBacktrace(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        const string wat = """
            (module $traps
              (func $inner (export "inner") (param i32) (result i32) (i32.div_s (local.get 0) (i32.const 0)))
              (func $outer (export "outer") (param i32) (result i32) (call $inner (local.get 0)))
              (func (export "anon") unreachable)
              (func $div (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
              (func $divide (export "divide") (param i32 i32) (result i32) (call $div (local.get 0) (local.get 1))))
            """;
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, wat));

        TrapException trap = Assert.Throws<TrapException>(() => instance.GetFunction<int, int>("outer").Invoke(1));

        Assert.Equal(TrapCode.IntegerDivideByZero, trap.Code);
        Assert.Equal("integer divide by zero", trap.Message);
        // The optimizing tier inlines $inner: the backtrace then names the caller's frame, at the call.
        Assert.Equal(TestTiers.InlinesCalls(tier) ? ["outer"] : ["inner", "outer"], trap.Backtrace.Select(f => f.FunctionName));
        Assert.Equal("traps", trap.Backtrace[0].ModuleName);
        Assert.Contains(TestTiers.InlinesCalls(tier) ? "0: traps!outer" : "1: traps!outer", trap.Describe());

        TrapException anon = Assert.Throws<TrapException>(() => instance.GetAction("anon").Invoke());
        Assert.Equal("unreachable", anon.Message);
        Assert.Equal("func[2]", anon.Backtrace[0].FunctionName);

        TypedFunc<int, int, int> divide = instance.GetFunction<int, int, int>("divide");
        TrapException overflow = Assert.Throws<TrapException>(() => divide.Invoke(int.MinValue, -1));
        Assert.Equal(TrapCode.IntegerOverflow, overflow.Code);
        Assert.Equal(TestTiers.InlinesCalls(tier) ? ["divide"] : ["div", "divide"], overflow.Backtrace.Select(f => f.FunctionName));
        Assert.Equal(-3, divide.Invoke(7, -2));
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void InstanceIsUsableAfterATrap(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
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

    [Theory]
    [MemberData(nameof(Tiers))]
    public void ThrowingHostFunctionBecomesTrapWithInnerException(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
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

    [Theory]
    [MemberData(nameof(Tiers))]
    public void DisposingTheStoreFromRunningCodeIsRefused(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        host.Linker.DefineFunction("env", "dispose", () => host.Store.Dispose());
        const string wat = """
            (module (import "env" "dispose" (func $dispose))
              (memory 1)
              (func (export "run") (result i32) (call $dispose) (i32.load (i32.const 0))))
            """;
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, wat));

        TrapException trap = Assert.Throws<TrapException>(() => instance.GetFunction("run")!.Invoke());

        Assert.IsType<InvalidOperationException>(trap.InnerException);
        instance.GetFunction("run")!.Store.Dispose();
        Assert.Throws<ObjectDisposedException>(() => instance.GetFunction("run")!.Invoke());
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void TrapInsideReentrantCallKeepsBothBacktraceParts(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
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

    [Theory]
    [MemberData(nameof(Tiers))]
    public void RunawayRecursionTrapsEvenOnASmallThread(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        var b = new ModuleBuilder();
        b.AddFunction("recurse", T.I32, T.I32, T.None, "local.get 0", "i32.const 1", "i32.add", "call 0");
        // Large frames: the stack runs out after fewer calls, and a frame must never jump over the guard.
        b.AddFunction("wide", T.None, T.None, T.Of(ValType.I64, ValType.I64, ValType.I64), "call 1");
        b.AddFunction("one", T.None, T.I32, T.None, "i32.const 1");
        Instance instance = host.Instantiate(b);
        TypedFunc<int, int> recurse = instance.GetFunction<int, int>("recurse");

        TrapException trap = Assert.Throws<TrapException>(() => recurse.Invoke(0));
        Assert.Equal(TrapCode.CallStackExhausted, trap.Code);
        Assert.Equal("call stack exhausted", trap.Message);
        Assert.Equal(TrapCode.CallStackExhausted, Assert.Throws<TrapException>(() => instance.GetAction("wide").Invoke()).Code);

        TrapCode? onThread = null;
        var thread = new Thread(() =>
        {
            try
            {
                recurse.Invoke(0);
            }
            catch (TrapException t)
            {
                onThread = t.Code;
            }
        }, maxStackSize: 512 * 1024);
        thread.Start();
        thread.Join();
        Assert.Equal(TrapCode.CallStackExhausted, onThread);
        Assert.Equal(1, instance.GetFunction<int>("one").Invoke());
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    // The interpreter once caught and rethrew the trap at every nested activation, and each rethrow's dispatch ran on
    // top of the still-deep stack until the process died of a stack overflow.
    public void RecursionThroughTheHostEndsInATrapNotAStackOverflow(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        TypedFunc<int, int>? down = null;
        int deepest = 0;
        host.Linker.DefineFunction("env", "back", (int depth) =>
        {
            deepest = Math.Max(deepest, depth);
            return down!.Invoke(depth);
        });
        const string wat = """
            (module (import "env" "back" (func $back (param i32) (result i32)))
              (func (export "down") (param i32) (result i32) (call $back (i32.add (local.get 0) (i32.const 1)))))
            """;
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, wat));
        down = instance.GetFunction<int, int>("down");

        TrapException trap = Assert.Throws<TrapException>(() => down.Invoke(0));

        Assert.Equal(TrapCode.CallStackExhausted, trap.Code);
        Assert.True(deepest > 100, $"only {deepest} levels");
    }
}
