using Kiln.Tests.Support;

namespace Kiln.Tests.Tiers;

/// <summary>
/// <see cref="Store.Interrupt"/> and <see cref="Store.InterruptOn"/> on every tier, without timers: the interrupt is
/// requested before the call, from a host function the running code calls, or from another thread once the code
/// reports that it runs. Each loop below ends only through the interrupt; <see cref="Watchdog"/> turns a broken
/// interrupt into a failure instead of a hang.
/// </summary>
public class InterruptTests
{
    public static TheoryData<string> Tiers => TestTiers.All;

    private const string Spin = """
        (module
          (import "env" "tick" (func $tick (param i32)))
          (func $spin (export "spin") (loop $l (br $l)))
          (func (export "count") (local $i i32)
            (loop $l
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (call $tick (local.get $i))
              (br $l)))
          (func $deeper (param i32) (call $tick (local.get 0)) (call $deeper (i32.add (local.get 0) (i32.const 1))))
          (func (export "recurse") (call $deeper (i32.const 1)))
          (func (export "one") (result i32) (i32.const 1)))
        """;

    private static Instance Instantiate(TestHost host, Action<int> tick)
    {
        host.Linker.DefineFunction("env", "tick", tick);
        return host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Spin));
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void AnInterruptRequestedBeforeTheCallStopsTheLoopAndIsConsumed(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        Instance instance = Instantiate(host, _ => { });
        host.Store.Interrupt();

        TrapException trap = Watchdog.Run(() => Assert.Throws<TrapException>(() => instance.GetAction("spin").Invoke()), TimeSpan.FromSeconds(60));

        Assert.Equal(TrapCode.Interrupted, trap.Code);
        Assert.Equal("spin", trap.Backtrace[0].FunctionName);
        // The trap consumed the request: the store runs code again.
        Assert.Equal(1, instance.GetFunction<int>("one").Invoke());
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void AnInterruptFromAHostFunctionStopsTheLoopAtItsNextIteration(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        int ticks = 0;
        Instance instance = Instantiate(host, i =>
        {
            ticks = i;
            if (i == 100)
            {
                host.Store.Interrupt();
            }
        });

        TrapException trap = Watchdog.Run(() => Assert.Throws<TrapException>(() => instance.GetAction("count").Invoke()), TimeSpan.FromSeconds(60));

        Assert.Equal(TrapCode.Interrupted, trap.Code);
        // The loop header after the 100th call is the first check.
        Assert.Equal(100, ticks);
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void AnInterruptStopsRecursionAtTheNextFunctionEntry(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        int ticks = 0;
        Instance instance = Instantiate(host, i =>
        {
            ticks = i;
            if (i == 50)
            {
                host.Store.Interrupt();
            }
        });

        TrapException trap = Assert.Throws<TrapException>(() => instance.GetAction("recurse").Invoke());

        Assert.Equal(TrapCode.Interrupted, trap.Code);
        Assert.Equal(50, ticks);
        Assert.Equal(1, instance.GetFunction<int>("one").Invoke());
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void ACancelledTokenInterruptsAndTheStoreStaysUsable(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        using var cts = new CancellationTokenSource();
        int ticks = 0;
        Instance instance = Instantiate(host, i =>
        {
            ticks = i;
            if (i == 10)
            {
                cts.Cancel();
            }
        });
        using (host.Store.InterruptOn(cts.Token))
        {
            TrapException trap = Watchdog.Run(() => Assert.Throws<TrapException>(() => instance.GetAction("count").Invoke()), TimeSpan.FromSeconds(60));
            Assert.Equal(TrapCode.Interrupted, trap.Code);
            Assert.Equal(10, ticks);
        }

        Assert.Equal(1, instance.GetFunction<int>("one").Invoke());
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void AnInterruptFromAnotherThreadStopsRunningCode(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        using var running = new ManualResetEventSlim();
        Instance instance = Instantiate(host, _ => running.Set());
        var interrupter = new Thread(() =>
        {
            running.Wait();
            host.Store.Interrupt();
        });
        interrupter.Start();

        TrapException trap = Watchdog.Run(() => Assert.Throws<TrapException>(() => instance.GetAction("count").Invoke()), TimeSpan.FromSeconds(60));
        interrupter.Join();

        Assert.Equal(TrapCode.Interrupted, trap.Code);
        Assert.Equal(1, instance.GetFunction<int>("one").Invoke());
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void WithoutInterruptChecksTheStoreRefusesInterruptsAndFuelStillStopsALoop(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier) with { InterruptChecks = false, ConsumeFuel = true });
        Instance instance = Instantiate(host, _ => { });
        using var cts = new CancellationTokenSource();

        Assert.Throws<InvalidOperationException>(host.Store.Interrupt);
        Assert.Throws<InvalidOperationException>(() => host.Store.InterruptOn(cts.Token));

        host.Store.SetFuel(1000);
        TrapException trap = Watchdog.Run(() => Assert.Throws<TrapException>(() => instance.GetAction("spin").Invoke()), TimeSpan.FromSeconds(60));
        Assert.Equal(TrapCode.OutOfFuel, trap.Code);
        host.Store.SetFuel(10);
        Assert.Equal(1, instance.GetFunction<int>("one").Invoke());
    }

    [Theory]
    [InlineData(Tier.Baseline)]
    [InlineData(Tier.Optimizing)]
    public void CompiledCodeWithoutInterruptChecksNeverReadsTheInterruptWord(Tier tier)
    {
        // [store context + StoreInterrupt] is compared at the entry and at the loop header when checks are on.
        string interruptWord = $"+0x{Kiln.Vm.VmOffsets.StoreInterrupt:x}], 0x0";
        Assert.Contains(interruptWord, SpinListing(tier, interruptChecks: true));
        Assert.DoesNotContain(interruptWord, SpinListing(tier, interruptChecks: false));
    }

    private static string SpinListing(Tier tier, bool interruptChecks)
    {
        using var engine = new Engine(new EngineOptions { Tier = tier, InterruptChecks = interruptChecks });
        Module module = Module.FromText(engine, Spin);
        return module.Disassemble(module.CompiledFunctions.Single(f => f.Name.EndsWith("spin", StringComparison.Ordinal)));
    }
}
