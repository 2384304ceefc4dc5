using Kiln.Tests.Support;

namespace Kiln.Tests.Tiering;

/// <summary>
/// <see cref="Tier.Auto"/>: functions start on the baseline, count calls and loop entries, and move to the
/// optimizing tier when the count runs out. Most tests tier up synchronously so which code runs when is fixed; the
/// background ones wait for the queue, never for a time.
/// </summary>
public class TierUpTests
{
    internal const string Fib = """
        (module
          (func $fib (export "fib") (param i32) (result i32)
            (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
              (then (local.get 0))
              (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                             (call $fib (i32.sub (local.get 0) (i32.const 2))))))))
        """;

    private static EngineOptions Auto(int threshold, bool synchronous = true) =>
        new() { Tier = Tier.Auto, TierUpThreshold = threshold, TierUpSynchronously = synchronous, OnStackReplacement = false };

    private static nint EntryOf(Module module, int definedIndex) => module.Code!.GetEntry(definedIndex);

    [Fact]
    public void AFunctionMovesUpWhenItsCallsReachTheThresholdAndKeepsItsResults()
    {
        using var host = new TestHost(Auto(threshold: 50));
        Module module = Module.FromText(host.Engine, Fib);
        TypedFunc<int, int> fib = host.Linker.Instantiate(host.Store, module).GetFunction<int, int>("fib");

        Assert.Equal(5, fib.Invoke(5)); // 15 calls
        Assert.Equal(0, host.Engine.TieringStatistics!.TierUps);
        nint baseline = EntryOf(module, 0); // compiled lazily at the first call

        // fib(20) makes 21,891 calls: the 50th moves the function up in the middle of the recursion; the frames below
        // it finish in baseline code, the calls above it run optimized code, and the sum is the same.
        Assert.Equal(6765, fib.Invoke(20));
        Assert.Equal(1, host.Engine.TieringStatistics.TierUps);
        Assert.Equal(1, host.Engine.TieringStatistics.Batches);
        Assert.NotEqual(baseline, EntryOf(module, 0));
        Assert.Equal(832040, fib.Invoke(30));
        Assert.Equal(1, host.Engine.TieringStatistics.Requests);
    }

    [Fact]
    public void EnteringALoopCountsForManyCallsAndTheNextCallRunsOptimizedCode()
    {
        using var host = new TestHost(Auto(threshold: 1000));
        Module module = Module.FromText(host.Engine, """
            (module
              (func (export "sum") (param $n i32) (result i64) (local $i i32) (local $acc i64)
                (loop $l
                  (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $i))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
                (local.get $acc)))
            """);
        TypedFunc<int, long> sum = host.Linker.Instantiate(host.Store, module).GetFunction<int, long>("sum");

        // Each call counts 1 for the entry and 64 for entering the loop, however many times it turns: 15 calls are 975.
        Assert.Equal(4_999_950_000L, sum.Invoke(100_000));
        nint baseline = EntryOf(module, 0); // compiled at the first call
        for (int i = 1; i < 15; i++)
        {
            Assert.Equal(4_999_950_000L, sum.Invoke(100_000));
        }
        Assert.Equal(0, host.Engine.TieringStatistics!.Requests);
        Assert.Equal(baseline, EntryOf(module, 0));

        // The 16th runs out at its loop entry; that activation finishes on the baseline, the next one is optimized.
        Assert.Equal(4_999_950_000L, sum.Invoke(100_000));
        Assert.Equal(1, host.Engine.TieringStatistics.TierUps);
        Assert.NotEqual(baseline, EntryOf(module, 0));
        Assert.Equal(4_999_950_000L, sum.Invoke(100_000));
    }

    [Fact]
    public void TheCounterRoutineKeepsEveryRegisterOfTheBody()
    {
        // Float and integer locals pinned in registers and a v128 value are live at the loop entry where the counter runs
        // out (threshold 7): the routine that calls the tier-up helper must give all of them back.
        const string Wat = """
            (module
              (func (export "mix") (param $n i32) (result f64)
                (local $i i32) (local $a f64) (local $b f64) (local $c i64) (local $v v128)
                (local.set $v (v128.const f64x2 1.5 2.5))
                (local.set $a (f64.const 0.25))
                (loop $l
                  (local.set $a (f64.add (local.get $a) (f64.mul (f64.convert_i32_u (local.get $i)) (f64.const 0.5))))
                  (local.set $b (f64.sub (local.get $b) (local.get $a)))
                  (local.set $c (i64.add (local.get $c) (i64.mul (i64.extend_i32_u (local.get $i)) (i64.const 3))))
                  (local.set $v (f64x2.add (local.get $v) (f64x2.splat (local.get $a))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
                (f64.add (f64.add (local.get $b) (f64.convert_i64_s (local.get $c)))
                         (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))))
            """;
        double expected;
        using (var interp = new TestHost(new EngineOptions { Tier = Tier.Interpreter }))
        {
            expected = interp.Linker.Instantiate(interp.Store, Module.FromText(interp.Engine, Wat)).GetFunction<int, double>("mix").Invoke(40);
        }
        using var host = new TestHost(Auto(threshold: 7));
        TypedFunc<int, double> mix = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Wat)).GetFunction<int, double>("mix");

        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(mix.Invoke(40)));
        Assert.Equal(1, host.Engine.TieringStatistics!.Requests);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(mix.Invoke(40)));
    }

    [Fact]
    public void ATierUpDuringATrapAndDuringDeepRecursionKeepsTrapsAndBacktraces()
    {
        using var host = new TestHost(Auto(threshold: 10));
        Module module = Module.FromText(host.Engine, """
            (module
              (func $down (export "down") (param i32) (result i32)
                (if (result i32) (i32.eqz (local.get 0))
                  (then (unreachable))
                  (else (call $down (i32.sub (local.get 0) (i32.const 1))))))
              (func $forever (export "forever") (param i32) (result i32) (call $forever (i32.add (local.get 0) (i32.const 1)))))
            """);
        Instance instance = host.Linker.Instantiate(host.Store, module);

        // The 10th call of down tiers it up; the trap at the bottom unwinds baseline and optimized frames alike.
        TrapException trap = Assert.Throws<TrapException>(() => instance.GetFunction<int, int>("down").Invoke(30));
        Assert.Equal(TrapCode.Unreachable, trap.Code);
        Assert.All(trap.Backtrace.Take(25), f => Assert.Equal("down", f.FunctionName));
        Assert.Equal(1, host.Engine.TieringStatistics!.TierUps);
        trap = Assert.Throws<TrapException>(() => instance.GetFunction<int, int>("down").Invoke(30));
        Assert.Equal(TrapCode.Unreachable, trap.Code);

        // Endless recursion moves up on the way down and still ends in the stack-exhaustion trap, twice.
        for (int i = 0; i < 2; i++)
        {
            trap = Assert.Throws<TrapException>(() => instance.GetFunction<int, int>("forever").Invoke(0));
            Assert.Equal(TrapCode.CallStackExhausted, trap.Code);
        }
        Assert.Equal(2, host.Engine.TieringStatistics.TierUps);
    }

    [Fact]
    public void BackgroundTierUpsRaceCallsFromTwoStoresOnTwoThreads()
    {
        using var engine = new Engine(Auto(threshold: 200, synchronous: false));
        Module module = Module.FromText(engine, Fib);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        void Work()
        {
            using var store = new Store(engine);
            TypedFunc<int, int> fib = new Linker(engine).Instantiate(store, module).GetFunction<int, int>("fib");
            for (int i = 0; i < 300; i++)
            {
                int n = i % 18;
                int got = fib.Invoke(n);
                if (got != FibOf(n))
                {
                    failures.Add($"fib({n}) = {got}");
                }
            }
        }
        OnThreads.Run(2, Work);
        engine.TierUps!.WaitForIdle();

        Assert.Empty(failures);
        Assert.Equal(1, engine.TieringStatistics!.Requests);
        Assert.Equal(1, engine.TieringStatistics.TierUps);
        Assert.Equal(0, engine.TieringStatistics.Failed);
        // A store created after the tier-up gets the optimized code through the module's code table.
        using var late = new Store(engine);
        Assert.Equal(FibOf(25), new Linker(engine).Instantiate(late, module).GetFunction<int, int>("fib").Invoke(25));
    }

    [Fact]
    public void DisposingTheEngineWhileTheBackgroundCompilerIsBusyIsSafe()
    {
        for (int round = 0; round < 5; round++)
        {
            var engine = new Engine(Auto(threshold: 1, synchronous: false));
            using (var store = new Store(engine))
            {
                Instance instance = new Linker(engine).Instantiate(store, Module.FromText(engine, Fib));
                Assert.Equal(55, instance.GetFunction<int, int>("fib").Invoke(10));
            }
            engine.Dispose();
        }
    }

    [Fact]
    public void FunctionsTheOptimizingTierRefusesStayOnTheBaseline()
    {
        // A recursion through a deep nest of blocks the optimizing builder refuses would be one case; a function
        // using a feature it does not model yet is another. Either way the function stays correct on the baseline.
        using var host = new TestHost(Auto(threshold: 1));
        Module module = Module.FromText(host.Engine, """
            (module
              (table 1 funcref) (elem (i32.const 0) $one)
              (type $t (func (result i32)))
              (func $one (result i32) (i32.const 1))
              (func (export "indirect") (result i32) (call_indirect (type $t) (i32.const 0))))
            """);
        TypedFunc<int> indirect = host.Linker.Instantiate(host.Store, module).GetFunction<int>("indirect");
        Assert.Equal(1, indirect.Invoke());
        Assert.Equal(1, indirect.Invoke());
        TieringStatistics stats = host.Engine.TieringStatistics!;
        Assert.Equal(2, stats.Requests);
        Assert.Equal(stats.Requests, stats.TierUps + stats.Refused);
        Assert.Equal(0, stats.Failed);
    }

    [Fact]
    public void BaselineCodeCountsAtTheEntryAndAtEachLoopEntryNotAtTheLoopHeader()
    {
        using var host = new TestHost(Auto(threshold: 1_000_000));
        Module module = Module.FromText(host.Engine, """
            (module (func (export "f") (param i32) (local i32)
              (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if $l (i32.lt_u (local.get 1) (local.get 0))))))
            """);
        host.Linker.Instantiate(host.Store, module).GetAction<int>("f").Invoke(10);
        string[] listing = module.Disassemble(module.CompiledFunctions.Single()).Split('\n');

        // Counter of defined function 0 in a module of one: code table + 8.
        string[] counts = [.. listing.Where(l => l.Contains("sub     dword ptr [rax+0x8]", StringComparison.Ordinal))];
        Assert.Equal(2, counts.Length);
        Assert.EndsWith(", 0x1", counts[0].TrimEnd());
        Assert.EndsWith(", 0x40", counts[1].TrimEnd());
        // The routine behind them saves all sixteen xmm registers.
        Assert.Equal(16, listing.Count(l => l.Contains("movdqu  xmmword ptr [rsp", StringComparison.Ordinal)));
    }

    [Fact]
    public void AFunctionWhoseCounterRunsOutOnTwoThreadsAtOnceIsQueuedOnce()
    {
        // Two threads can both see the counter run out before the first parks it; only the first request counts.
        using var host = new TestHost(Auto(threshold: 1_000_000));
        Module module = Module.FromText(host.Engine, Fib);
        Assert.Equal(55, host.Linker.Instantiate(host.Store, module).GetFunction<int, int>("fib").Invoke(10));

        module.Code!.RequestTierUp(0);
        module.Code.RequestTierUp(0);

        Assert.Equal(1, host.Engine.TieringStatistics!.Requests);
        Assert.Equal(1, host.Engine.TieringStatistics.TierUps);
    }

    [Fact]
    public void AThresholdBelowOneIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Engine(new EngineOptions { Tier = Tier.Auto, TierUpThreshold = 0 }));
    }

    private static int FibOf(int n) => n < 2 ? n : FibOf(n - 1) + FibOf(n - 2);
}
