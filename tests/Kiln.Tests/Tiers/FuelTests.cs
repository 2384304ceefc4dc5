using Kiln.Tests.Support;

namespace Kiln.Tests.Tiers;

/// <summary>
/// Fuel (<see cref="EngineOptions.ConsumeFuel"/>) on every tier, by exact counts: one unit per loop iteration and per
/// function entry (from Wasm, from the host or across tiers), and <see cref="TrapCode.OutOfFuel"/> at the first unit
/// that is not there; every tier counts the same (<see cref="HostEntry"/>).
/// </summary>
public class FuelTests
{
    public static TheoryData<string> Tiers => TestTiers.All;

    private const string Wat = """
        (module
          (func $count (export "count") (param i32)
            (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))
          (func $fib (export "fib") (param i32) (result i32)
            (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
              (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                             (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
          (func $spin (export "spin") (loop $l (br $l))))
        """;

    private static Instance Instantiate(TestHost host) =>
        host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Wat));

    /// <summary>What the entry of a function called from the host costs, on every tier (it once cost nothing on the interpreter).</summary>
    private const int HostEntry = 1;

    private static TestHost Host(string tier) => new(TestTiers.Options(tier) with { ConsumeFuel = true });

    [Theory]
    [MemberData(nameof(Tiers))]
    public void ACallConsumesOneUnitPerEntryAndLoopIteration(string tier)
    {
        using TestHost host = Host(tier);
        Instance instance = Instantiate(host);
        host.Store.SetFuel(1000);

        instance.GetAction<int>("count").Invoke(500);
        Assert.Equal(1000 - HostEntry - 500, host.Store.GetFuel());

        // fib(10) is one call from the host and 176 from Wasm, and runs no loop.
        host.Store.SetFuel(1000);
        Assert.Equal(55, instance.GetFunction<int, int>("fib").Invoke(10));
        Assert.Equal(1000 - HostEntry - 176, host.Store.GetFuel());
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void ExactlyEnoughFuelRunsAndOneUnitLessTraps(string tier)
    {
        using TestHost host = Host(tier);
        Instance instance = Instantiate(host);
        TypedAction<int> count = instance.GetAction<int>("count");

        host.Store.SetFuel(HostEntry + 100);
        count.Invoke(100);
        Assert.Equal(0, host.Store.GetFuel());

        host.Store.SetFuel(HostEntry + 99);
        TrapException trap = Assert.Throws<TrapException>(() => count.Invoke(100));
        Assert.Equal(TrapCode.OutOfFuel, trap.Code);
        Assert.Equal("count", trap.Backtrace[0].FunctionName);
        Assert.Equal(0, host.Store.GetFuel());
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void FuelStopsAnEndlessLoopAndRefuellingResumes(string tier)
    {
        using TestHost host = Host(tier);
        Instance instance = Instantiate(host);
        host.Store.SetFuel(10_000);

        TrapException trap = Watchdog.Run(() => Assert.Throws<TrapException>(() => instance.GetAction("spin").Invoke()), TimeSpan.FromSeconds(60));

        Assert.Equal(TrapCode.OutOfFuel, trap.Code);
        Assert.Equal(0, host.Store.GetFuel());
        Assert.Throws<TrapException>(() => instance.GetFunction<int, int>("fib").Invoke(10));
        host.Store.SetFuel(HostEntry + 176);
        Assert.Equal(55, instance.GetFunction<int, int>("fib").Invoke(10));
        Assert.Equal(0, host.Store.GetFuel());
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void FuelIsRefusedWithoutConsumeFuel(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));

        Assert.Throws<InvalidOperationException>(() => host.Store.SetFuel(10));
        Assert.Throws<InvalidOperationException>(() => host.Store.GetFuel());
    }
}
