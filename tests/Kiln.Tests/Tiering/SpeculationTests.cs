using Kiln.Tests.Support;

namespace Kiln.Tests.Tiering;

/// <summary>
/// <see cref="Tier.Auto"/>'s call_indirect speculation (<c>Compiled/CallSiteProfiles</c>): baseline code records the
/// targets of each site, a site that saw one target is compiled to compare the table entry with it and call it
/// directly, and any other entry takes the generic call. Tier-ups are synchronous, so which code runs when is fixed:
/// with a threshold of 3, the first four calls of a function run baseline code (the fourth queues it, at its entry)
/// and the fifth runs optimized code.
/// </summary>
public class SpeculationTests
{
    private const string Wat = """
        (module
          (type $un (func (param i32) (result i32)))
          (type $bin (func (param i32 i32) (result i32)))
          (table $t (export "table") 4 funcref)
          (elem (i32.const 0) $inc $dbl $mul)
          (func $inc (type $un) (i32.add (local.get 0) (i32.const 1)))
          (func $dbl (type $un) (i32.mul (local.get 0) (i32.const 2)))
          (func $mul (type $bin) (i32.mul (local.get 0) (local.get 1)))
          (func (export "dispatch") (param $i i32) (param $x i32) (result i32)
            (call_indirect (type $un) (local.get $x) (local.get $i)))
          (func (export "set") (param $i i32) (param $which i32)
            (table.set $t (local.get $i) (select (result funcref) (ref.func $inc) (ref.func $dbl) (local.get $which))))
          (func (export "grow") (param $n i32) (result i32) (table.grow $t (ref.func $inc) (local.get $n)))
        )
        """;

    private static EngineOptions Auto(int threshold) =>
        new() { Tier = Tier.Auto, TierUpThreshold = threshold, TierUpSynchronously = true };

    private static (TestHost Host, Instance Instance, Func<int, int, int> Dispatch) Start(int threshold = 3)
    {
        var host = new TestHost(Auto(threshold));
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Wat));
        return (host, instance, instance.GetFunction<int, int, int>("dispatch").Invoke);
    }

    [Fact]
    public void AMonomorphicSiteIsSpeculatedAndAChangedTargetFailsTheGuardWithTheRightResult()
    {
        (TestHost host, _, Func<int, int, int> dispatch) = Start();
        using (host)
        {
            for (int k = 0; k < 10; k++)
            {
                Assert.Equal(k + 1, dispatch(0, k));
            }
            TieringStatistics stats = host.Engine.TieringStatistics!;
            Assert.Equal(2, stats.TierUps); // dispatch, and $inc, called as often
            Assert.Equal(1, stats.SpeculatedSites);
            Assert.Equal(0, stats.GuardFailures);
            // The speculated target is a direct call in the IR, so the inliner copies $inc into dispatch.
            Assert.Equal(1, host.Engine.OptimizingStatistics!.Inlined);

            // Another target after the tier-up: the generic call, counted, with that target's result.
            Assert.Equal(14, dispatch(1, 7));
            Assert.Equal(1, stats.GuardFailures);
            Assert.Equal(8, dispatch(0, 7));
            Assert.Equal(1, stats.GuardFailures);
            Assert.Contains("1 call_indirect sites speculated (1 guard failures)", stats.Describe());
        }
    }

    [Fact]
    public void ASiteThatSawTwoTargetsIsNotSpeculated()
    {
        (TestHost host, _, Func<int, int, int> dispatch) = Start(threshold: 5);
        using (host)
        {
            for (int k = 0; k < 10; k++)
            {
                Assert.Equal(k % 2 == 0 ? k + 1 : 2 * k, dispatch(k % 2, k));
            }
            Assert.Equal(1, host.Engine.TieringStatistics!.TierUps);
            Assert.Equal(0, host.Engine.TieringStatistics.SpeculatedSites);
        }
    }

    [Fact]
    public void TableSetAndGrowChangeWhatTheSpeculatedSiteCalls()
    {
        (TestHost host, Instance instance, Func<int, int, int> dispatch) = Start();
        using (host)
        {
            Action<int, int> set = instance.GetAction<int, int>("set").Invoke;
            Func<int, int> grow = instance.GetFunction<int, int>("grow").Invoke;
            for (int k = 0; k < 6; k++)
            {
                Assert.Equal(k + 1, dispatch(0, k));
            }
            TieringStatistics stats = host.Engine.TieringStatistics!;
            Assert.Equal(1, stats.SpeculatedSites);

            set(0, 0); // entry 0 becomes $dbl
            Assert.Equal(20, dispatch(0, 10));
            Assert.Equal(1, stats.GuardFailures);
            set(1, 1); // entry 1 becomes $inc: the guard holds there
            Assert.Equal(11, dispatch(1, 10));
            Assert.Equal(1, stats.GuardFailures);

            // Past the end, then grown with $inc: the new entry is the expected function.
            Assert.Equal(TrapCode.UndefinedElement, Assert.Throws<TrapException>(() => dispatch(4, 1)).Code);
            Assert.Equal(4, grow(2));
            Assert.Equal(2, dispatch(4, 1));
            Assert.Equal(2, dispatch(5, 1));
            Assert.Equal(1, stats.GuardFailures);
            Assert.Equal(TrapCode.UndefinedElement, Assert.Throws<TrapException>(() => dispatch(6, 1)).Code);
        }
    }

    [Fact]
    public void NullAndSignatureMismatchStillTrapAtASpeculatedSite()
    {
        (TestHost host, _, Func<int, int, int> dispatch) = Start();
        using (host)
        {
            for (int k = 0; k < 6; k++)
            {
                Assert.Equal(k + 1, dispatch(0, k));
            }
            TieringStatistics stats = host.Engine.TieringStatistics!;
            Assert.Equal(1, stats.SpeculatedSites);
            Assert.Equal(TrapCode.IndirectCallTypeMismatch, Assert.Throws<TrapException>(() => dispatch(2, 1)).Code);
            Assert.Equal(1, stats.GuardFailures);
            Assert.Equal(TrapCode.UninitializedElement, Assert.Throws<TrapException>(() => dispatch(3, 1)).Code);
            Assert.Equal(TrapCode.UndefinedElement, Assert.Throws<TrapException>(() => dispatch(-1, 1)).Code);
            Assert.Equal(3, dispatch(0, 2));
        }
    }

    [Fact]
    public void AnotherInstanceComparesWithItsOwnFunctions()
    {
        (TestHost host, _, Func<int, int, int> dispatch) = Start();
        using (host)
        {
            for (int k = 0; k < 6; k++)
            {
                Assert.Equal(k + 1, dispatch(0, k));
            }
            // The second instance shares the optimized code; its table holds its own funcrefs, which the guard
            // compares with through its own vmctx.
            Module module = Module.FromText(host.Engine, Wat);
            Instance second = host.Linker.Instantiate(host.Store, module);
            Func<int, int, int> dispatch2 = second.GetFunction<int, int, int>("dispatch").Invoke;
            for (int k = 0; k < 6; k++)
            {
                Assert.Equal(2 * k, dispatch2(1, k));
            }
            Assert.Equal(8, dispatch(0, 7));
        }
    }

    [Fact]
    public void AModuleLoadedFromTheCacheProfilesAndSpeculatesAlike()
    {
        byte[] file;
        using (var engine = new Engine(Auto(3)))
        {
            file = Module.FromText(engine, Wat).Serialize();
        }
        // The cached baseline code addresses the profile entries: the loaded module lays them out the same way.
        using var host = new TestHost(Auto(3));
        Instance instance = host.Linker.Instantiate(host.Store, Module.Deserialize(host.Engine, file));
        Func<int, int, int> dispatch = instance.GetFunction<int, int, int>("dispatch").Invoke;
        for (int k = 0; k < 6; k++)
        {
            Assert.Equal(k + 1, dispatch(0, k));
        }
        Assert.Equal(1, host.Engine.TieringStatistics!.SpeculatedSites);
        Assert.Equal(14, dispatch(1, 7));
        Assert.Equal(1, host.Engine.TieringStatistics.GuardFailures);
    }
}
