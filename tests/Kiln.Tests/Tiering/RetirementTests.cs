using Kiln.Tests.Support;

namespace Kiln.Tests.Tiering;

/// <summary>
/// <see cref="Tier.Auto"/> frees the code a tier-up replaced once no thread can be in it (<c>Tiering/CodeEpochs</c>,
/// <c>Tiering/RetiredCode</c>), and re-tiers functions whose speculated call_indirect sites keep failing
/// (<c>Tiering/Retiering</c>). Tier-ups are synchronous and OSR forced or off, so which code runs when is fixed; the
/// host functions below make tier-ups and reclamation happen while a frame is still in the code being replaced.
/// </summary>
public class RetirementTests
{
    private static EngineOptions Auto(int threshold, bool synchronous = true, int retier = 1000) => new()
    {
        Tier = Tier.Auto,
        TierUpThreshold = threshold,
        TierUpSynchronously = synchronous,
        OnStackReplacement = false,
        RetierGuardFailures = retier,
    };

    private static long UsedBytes(Engine engine) => engine.GetCodeMemoryStatistics()!.BytesUsed;

    [Fact]
    public void ReplacedBaselineCodeIsFreedWhenTheLastCallInItReturns()
    {
        using var host = new TestHost(Auto(threshold: 3));
        TypedFunc<int, int> twice = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, """
            (module (func (export "twice") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2))))
            """)).GetFunction<int, int>("twice");
        TieringStatistics stats = host.Engine.TieringStatistics!;

        Assert.Equal(2, twice.Invoke(1)); // compiled on the baseline, lazily: a batch of its own
        long withBaseline = UsedBytes(host.Engine);
        for (int k = 2; k <= 4; k++)
        {
            Assert.Equal(2 * k, twice.Invoke(k));
        }
        // The 4th call found the function hot at its entry, moved it up and retired its baseline code while running in
        // it; the code went when that call returned to the host.
        Assert.Equal(1, stats.TierUps);
        Assert.Equal(1, stats.RetiredFunctions);
        Assert.True(stats.RetiredBytes > 0);
        Assert.Equal(1, stats.FreedFunctions);
        Assert.True(stats.FreedBytes >= stats.RetiredBytes);
        Assert.Equal(1, host.Engine.GetCodeMemoryStatistics()!.BatchesFreed);
        Assert.Equal(0, host.Engine.RetiredCode!.Waiting);
        Assert.Equal(20, twice.Invoke(10));
        Assert.Contains("retired code: 1 functions", stats.Describe());
        Assert.True(UsedBytes(host.Engine) > withBaseline - stats.FreedBytes); // the optimized code is there
    }

    [Fact]
    public void CodeStaysWhileAFrameIsInItEvenWhenTheHostReclaimsAndReentersMeanwhile()
    {
        // $work moves up when its first loop is entered (threshold 1; a loop entry counts 64), so the rest of its first
        // call runs in baseline code that is already retired. The host function it calls then reclaims and calls into
        // Wasm again, which must not free that code; after the call the baseline frame runs its second loop.
        const string Wat = """
            (module
              (import "env" "probe" (func $probe (param i32) (result i32)))
              (func $leaf (export "leaf") (param i32) (result i32) (i32.add (local.get 0) (i32.const 7)))
              (func (export "work") (param $n i32) (result i32) (local $i i32) (local $acc i32)
                (loop $l
                  (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $i)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
                (local.set $acc (i32.xor (local.get $acc) (call $probe (local.get $n))))
                (local.set $i (i32.const 0))
                (loop $m
                  (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 17)) (local.get $i)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $m (i32.lt_u (local.get $i) (local.get $n))))
                (local.get $acc)))
            """;
        static int Expected(int n)
        {
            int acc = 0;
            for (int i = 0; i < n || i == 0; i++)
            {
                acc = (acc * 31) + i;
            }
            acc ^= n + 7;
            for (int i = 0; i < n || i == 0; i++)
            {
                acc = (acc * 17) + i;
            }
            return acc;
        }

        using var host = new TestHost(Auto(threshold: 1));
        Instance? instance = null;
        var seen = new List<(int Waiting, long Freed)>();
        host.Linker.DefineFunction("env", "probe", (int n) =>
        {
            global::Kiln.Tiering.RetiredCode retired = host.Engine.RetiredCode!;
            retired.Reclaim();
            int r = instance!.GetFunction<int, int>("leaf").Invoke(n); // a nested entry from the host
            retired.Reclaim();
            seen.Add((retired.Waiting, host.Engine.TieringStatistics!.FreedBytes));
            return r;
        });
        instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Wat));
        TypedFunc<int, int> work = instance.GetFunction<int, int>("work");

        Assert.Equal(Expected(100), work.Invoke(100));
        // Inside the probe: $work's baseline code was retired, and stayed.
        Assert.Equal((1, 0L), seen[0]);
        TieringStatistics stats = host.Engine.TieringStatistics!;
        Assert.Equal(1, stats.FreedFunctions);
        Assert.Equal(0, host.Engine.RetiredCode!.Waiting);
        long freed = stats.FreedBytes;
        // The second call runs optimized code; in its probe $leaf moves up at its second call, which has returned, but
        // this thread's outermost entry is older than that: the code waits until the call returns to the host.
        Assert.Equal(Expected(50), work.Invoke(50));
        Assert.Equal((1, freed), seen[1]);
        Assert.Equal(2, stats.FreedFunctions);
        Assert.Equal(Expected(1), work.Invoke(1));
        Assert.Equal(0, host.Engine.RetiredCode.Waiting);
    }

    [Fact]
    public void AnOsrReplacedActivationKeepsItsRetiredBaselineAndOsrCodeUntilItReturns()
    {
        const string Wat = """
            (module
              (import "env" "probe" (func $probe (param i32)))
              (func (export "sum") (param $n i32) (result i64) (local $i i32) (local $acc i64)
                (loop $l
                  (call $probe (local.get $i))
                  (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (i32.mul (local.get $i) (local.get $i)))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
                (local.get $acc)))
            """;
        var options = new EngineOptions
        {
            Tier = Tier.Auto,
            TierUpThreshold = int.MaxValue,
            TierUpSynchronously = true,
            OsrBackEdges = 2,
        };
        using var host = new TestHost(options);
        int waitingAtEnd = -1;
        host.Linker.DefineFunction("env", "probe", (int i) =>
        {
            host.Engine.RetiredCode!.Reclaim();
            if (i == 9)
            {
                waitingAtEnd = host.Engine.RetiredCode.Waiting;
            }
        });
        TypedFunc<int, long> sum = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Wat)).GetFunction<int, long>("sum");

        Assert.Equal(285L, sum.Invoke(10));
        TieringStatistics stats = host.Engine.TieringStatistics!;
        Assert.Equal(1, stats.OsrEntries);
        // The activation moved at the 3rd arrival: the function's baseline code and the OSR entry it runs in were
        // retired (the function itself moved up in the same request), and neither went while it ran.
        Assert.Equal(2, stats.RetiredFunctions);
        Assert.Equal(2, waitingAtEnd);
        Assert.Equal(2, stats.FreedFunctions);
        Assert.Equal(0, host.Engine.RetiredCode!.Waiting);
        Assert.Equal(285L, sum.Invoke(10));
        Assert.Equal(0L, sum.Invoke(1));
    }

    [Fact]
    public void TrapsAndBacktracesInRetiredCodeStillWork()
    {
        // With a threshold of 1 a function's second call moves it up at its entry: the rest of that call runs in
        // retired baseline code, where an out-of-bounds load (a guard-page trap site, or an explicit check) and an
        // unreachable trap must still be found and listed.
        const string Wat = """
            (module
              (memory 1)
              (func $poke (export "poke") (param $a i32) (param $bad i32) (result i32)
                (if (local.get $bad) (then (unreachable)))
                (i32.load (local.get $a)))
              (func $outer (export "outer") (param $a i32) (param $bad i32) (result i32) (call $poke (local.get $a) (local.get $bad))))
            """;
        foreach ((int a, int bad, TrapCode code) in new[] { (70000, 0, TrapCode.MemoryOutOfBounds), (0, 1, TrapCode.Unreachable) })
        {
            using var host = new TestHost(Auto(threshold: 1));
            Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Wat));
            Assert.Equal(0, instance.GetFunction<int, int, int>("outer").Invoke(0, 0));
            TrapException trap = Assert.Throws<TrapException>(() => instance.GetFunction<int, int, int>("outer").Invoke(a, bad));
            Assert.Equal(code, trap.Code);
            Assert.Equal(["poke", "outer"], trap.Backtrace.Select(f => f.FunctionName).ToArray());
            TieringStatistics stats = host.Engine.TieringStatistics!;
            Assert.Equal(2, stats.RetiredFunctions);
            Assert.Equal(2, stats.FreedFunctions); // freed once the trap had unwound to the host
            trap = Assert.Throws<TrapException>(() => instance.GetFunction<int, int, int>("outer").Invoke(a, bad));
            Assert.Equal(code, trap.Code);
            Assert.Equal(0, instance.GetFunction<int, int, int>("outer").Invoke(0, 0));
        }
    }

    [Fact]
    public void AnotherThreadStillInsideKeepsTheCodeItRunsUntilItLeaves()
    {
        // Thread A is inside $f's baseline code, blocked in a host call. The test thread, in a store of its own, makes
        // $f hot, so $f moves up and its baseline code is retired; reclaiming must leave that code to A, which then
        // returns into it and finishes its loop. The code goes when A leaves Wasm.
        const string Wat = """
            (module
              (import "env" "block" (func $block (param i32) (result i32)))
              (func (export "f") (param $n i32) (result i32) (local $i i32) (local $acc i32)
                (local.set $acc (call $block (local.get $n)))
                (loop $l
                  (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 3)) (local.get $i)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
                (local.get $acc)))
            """;
        static int Expected(int n)
        {
            int acc = n;
            for (int i = 0; i < n || i == 0; i++)
            {
                acc = (acc * 3) + i;
            }
            return acc;
        }
        using var engine = new Engine(Auto(threshold: 200));
        Module module = Module.FromText(engine, Wat);
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        TypedFunc<int, int> Start(Store store, bool blocks)
        {
            var linker = new Linker(engine);
            linker.DefineFunction("env", "block", (int n) =>
            {
                if (blocks)
                {
                    inside.Set();
                    release.Wait();
                }
                return n;
            });
            return linker.Instantiate(store, module).GetFunction<int, int>("f");
        }

        int resultOfA = 0;
        var a = new Thread(() =>
        {
            using var store = new Store(engine);
            resultOfA = Start(store, blocks: true).Invoke(30);
        });
        a.Start();
        inside.Wait();
        global::Kiln.Tiering.RetiredCode retired = engine.RetiredCode!;
        TieringStatistics stats = engine.TieringStatistics!;
        using (var store = new Store(engine))
        {
            TypedFunc<int, int> f = Start(store, blocks: false);
            // A's call (and its loop entry) counted too; these calls make the function hot, and it moves up.
            for (int k = 0; k < 5; k++)
            {
                Assert.Equal(Expected(5), f.Invoke(5));
            }
            Assert.Equal(1, stats.TierUps);
            Assert.Equal(1, stats.RetiredFunctions);
            retired.Reclaim();
            Assert.Equal(1, retired.Waiting);
            Assert.Equal(0, stats.FreedFunctions);
            Assert.Equal(Expected(5), f.Invoke(5));
        }
        release.Set();
        a.Join();
        Assert.Equal(Expected(30), resultOfA);
        Assert.Equal(0, retired.Waiting); // A's return to the host freed it
        Assert.Equal(1, stats.FreedFunctions);
    }

    [Fact]
    public void ThreadsRacingBackgroundTierUpsAndReclamationComputeTheSame()
    {
        using var engine = new Engine(Auto(threshold: 200, synchronous: false));
        Module module = Module.FromText(engine, TierUpTests.Fib);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        OnThreads.Run(3, () =>
        {
            using var store = new Store(engine);
            TypedFunc<int, int> fib = new Linker(engine).Instantiate(store, module).GetFunction<int, int>("fib");
            for (int k = 0; k < 60; k++)
            {
                int r = fib.Invoke(15);
                if (r != 610)
                {
                    failures.Add($"fib(15) = {r}");
                }
            }
        });
        Assert.Empty(failures);
        engine.TierUps!.WaitForIdle();
        engine.RetiredCode!.Reclaim();
        TieringStatistics stats = engine.TieringStatistics!;
        Assert.Equal(1, stats.TierUps);
        Assert.Equal(1, stats.RetiredFunctions);
        Assert.Equal(1, stats.FreedFunctions);
        Assert.Equal(0, engine.RetiredCode.Waiting);
    }

    [Fact]
    public unsafe void AnotherModulesImportSlotFollowsTheTierUpSoItNeverCallsFreedCode()
    {
        // $sq is imported by a second module, which calls it through its own slot: the tier-up of $sq rewrites that
        // slot with the funcrefs, so the freed baseline code is never called again.
        using var host = new TestHost(Auto(threshold: 3));
        Module a = Module.FromText(host.Engine, """(module (func $sq (export "sq") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0))))""");
        Instance definer = host.Linker.Instantiate(host.Store, a);
        host.Linker.DefineInstance("a", definer);
        Instance importer = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, """
            (module (import "a" "sq" (func $sq (param i32) (result i32)))
              (func (export "sum") (param $n i32) (result i32) (local $acc i32)
                (loop $l
                  (local.set $acc (i32.add (local.get $acc) (call $sq (local.get $n))))
                  (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
                  (br_if $l))
                (local.get $acc)))
            """));
        TypedFunc<int, int> sum = importer.GetFunction<int, int>("sum");
        Assert.Equal(14, sum.Invoke(3)); // $sq's 1st to 3rd calls, on the baseline
        Assert.Equal(30, sum.Invoke(4)); // its 4th call moves it up
        TieringStatistics stats = host.Engine.TieringStatistics!;
        Assert.True(stats.FreedFunctions >= 1);
        var slot = (global::Kiln.Vm.VmFunctionSlot*)(importer.Vmctx + importer.Offsets.FunctionSlot(0));
        Assert.Equal(a.Code!.GetEntry(0), slot->Code);
        Assert.Equal(55, sum.Invoke(5));
    }

    [Fact]
    public void ObserversAndDebuggersForgetFreedCodeBeforeItsPagesGo()
    {
        // With GDB registration and unwind info on, a freed batch withdraws both (EngineDiagnostics), and the
        // embedder's observer hears of it with the symbols it was given at the seal, while the code is still mapped.
        var observer = new Recorder();
        using var host = new TestHost(Auto(threshold: 3) with { CodeObserver = observer, DebugInfo = true });
        TypedFunc<int, int> twice = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, """
            (module (func $twice (export "twice") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2))))
            """)).GetFunction<int, int>("twice");
        for (int k = 1; k <= 6; k++)
        {
            Assert.Equal(2 * k, twice.Invoke(k));
        }
        Assert.Equal(1, host.Engine.TieringStatistics!.FreedFunctions);
        IReadOnlyList<CodeSymbol> freed = Assert.Single(observer.Freed);
        CodeSymbol symbol = Assert.Single(freed);
        Assert.EndsWith("!twice", symbol.Name);
        Assert.Contains(observer.Sealed, batch => ReferenceEquals(batch, freed));
        // Read from the code when it was freed: still mapped, and still the bytes sealed.
        Assert.Equal(observer.BytesWhenSealed[symbol.Address], observer.BytesWhenFreed);
    }

    private sealed class Recorder : ICodeObserver
    {
        public List<IReadOnlyList<CodeSymbol>> Sealed { get; } = [];

        public List<IReadOnlyList<CodeSymbol>> Freed { get; } = [];

        public Dictionary<nint, byte[]> BytesWhenSealed { get; } = [];

        public byte[] BytesWhenFreed { get; private set; } = [];

        public unsafe void OnCodeSealed(IReadOnlyList<CodeSymbol> symbols)
        {
            Sealed.Add(symbols);
            foreach (CodeSymbol s in symbols)
            {
                BytesWhenSealed[s.Address] = new ReadOnlySpan<byte>((void*)s.Address, s.Size).ToArray();
            }
        }

        public unsafe void OnCodeFreed(IReadOnlyList<CodeSymbol> symbols)
        {
            Freed.Add(symbols);
            BytesWhenFreed = new ReadOnlySpan<byte>((void*)symbols[0].Address, symbols[0].Size).ToArray();
        }
    }

    private const string Dispatch = """
        (module
          (type $un (func (param i32) (result i32)))
          (table $t (export "table") 2 funcref)
          (elem (i32.const 0) $inc $dbl)
          (func $inc (type $un) (i32.add (local.get 0) (i32.const 1)))
          (func $dbl (type $un) (i32.mul (local.get 0) (i32.const 2)))
          (func (export "dispatch") (param $i i32) (param $x i32) (result i32)
            (call_indirect (type $un) (local.get $x) (local.get $i))))
        """;

    [Fact]
    public void ASpeculatedSiteWhoseTargetChangedIsRetieredAndStopsFailing()
    {
        using var host = new TestHost(Auto(threshold: 3, retier: 5));
        TypedFunc<int, int, int> dispatch = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Dispatch)).GetFunction<int, int, int>("dispatch");
        TieringStatistics stats = host.Engine.TieringStatistics!;
        for (int k = 0; k < 10; k++)
        {
            Assert.Equal(k + 1, dispatch.Invoke(0, k));
        }
        Assert.Equal(1, stats.SpeculatedSites);
        int retiredBefore = stats.RetiredFunctions;

        // Every call now fails the guard; the 5th failure is found when that call returns to the host.
        for (int k = 0; k < 5; k++)
        {
            Assert.Equal(2 * k, dispatch.Invoke(1, k));
        }
        Assert.Equal(5, stats.GuardFailures);
        Assert.Equal(1, stats.Retiers);
        // The speculating optimized code, and $dbl's baseline code ($dbl was called often enough to move up too).
        Assert.Equal(retiredBefore + 2, stats.RetiredFunctions);
        Assert.Equal(1, stats.SpeculatedSites); // the new code does not speculate there
        for (int k = 0; k < 20; k++)
        {
            Assert.Equal(2 * k, dispatch.Invoke(1, k));
            Assert.Equal(k + 1, dispatch.Invoke(0, k));
        }
        Assert.Equal(5, stats.GuardFailures);
        Assert.Equal(1, stats.Retiers);
        Assert.Equal(0, host.Engine.RetiredCode!.Waiting);
        Assert.Contains("1 re-tiered", stats.Describe());
    }

    [Fact]
    public void InTheBackgroundAReTierRunsOnItsOwnThreadAndTheFailuresStop()
    {
        // Tier-ups and re-tiers on their threads: the check at returns runs at most once per clock tick, so the calls
        // go on until the re-tier was asked for (only the outcome is asserted, never a time).
        using var host = new TestHost(Auto(threshold: 3, synchronous: false, retier: 5));
        TypedFunc<int, int, int> dispatch = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Dispatch)).GetFunction<int, int, int>("dispatch");
        TieringStatistics stats = host.Engine.TieringStatistics!;
        for (int k = 0; k < 10; k++)
        {
            Assert.Equal(k + 1, dispatch.Invoke(0, k));
        }
        host.Engine.TierUps!.WaitForIdle();
        Assert.Equal(1, stats.SpeculatedSites);
        Assert.Equal(2, stats.TierUps);
        for (int k = 0; stats.Retiers == 0; k++)
        {
            Assert.Equal(2 * k, dispatch.Invoke(1, k));
        }
        host.Engine.TierUps.WaitForIdle();
        long failures = stats.GuardFailures;
        Assert.True(failures >= 5);
        for (int k = 0; k < 100; k++)
        {
            Assert.Equal(2 * k, dispatch.Invoke(1, k));
        }
        Assert.Equal(failures, stats.GuardFailures);
        Assert.Equal(1, stats.Retiers);
        Assert.Equal(0, host.Engine.RetiredCode!.Waiting);
    }

    [Fact]
    public void ReTiersOfAFunctionAreBounded()
    {
        // A function with four sites, each speculated and then failing one after the other: at most three re-tiers.
        const string Wat = """
            (module
              (type $un (func (param i32) (result i32)))
              (table $t 2 funcref)
              (elem (i32.const 0) $inc $dbl)
              (func $inc (type $un) (i32.add (local.get 0) (i32.const 1)))
              (func $dbl (type $un) (i32.mul (local.get 0) (i32.const 2)))
              (func (export "four") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result i32)
                (i32.add
                  (i32.add (call_indirect (type $un) (i32.const 1) (local.get $a)) (call_indirect (type $un) (i32.const 10) (local.get $b)))
                  (i32.add (call_indirect (type $un) (i32.const 100) (local.get $c)) (call_indirect (type $un) (i32.const 1000) (local.get $d))))))
            """;
        static int F(int which, int x) => which == 0 ? x + 1 : x * 2;
        using var host = new TestHost(Auto(threshold: 3, retier: 2));
        TypedFunc<int, int, int, int, int> four = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Wat))
            .GetFunction<int, int, int, int, int>("four");
        int[] w = [0, 0, 0, 0];
        int Expected() => F(w[0], 1) + F(w[1], 10) + F(w[2], 100) + F(w[3], 1000);
        for (int k = 0; k < 6; k++)
        {
            Assert.Equal(Expected(), four.Invoke(w[0], w[1], w[2], w[3]));
        }
        TieringStatistics stats = host.Engine.TieringStatistics!;
        Assert.Equal(4, stats.SpeculatedSites);
        for (int site = 0; site < 4; site++)
        {
            w[site] = 1;
            for (int k = 0; k < 3; k++)
            {
                Assert.Equal(Expected(), four.Invoke(w[0], w[1], w[2], w[3]));
            }
        }
        Assert.Equal(3, stats.Retiers);
        Assert.Equal(Expected(), four.Invoke(w[0], w[1], w[2], w[3]));
    }
}
