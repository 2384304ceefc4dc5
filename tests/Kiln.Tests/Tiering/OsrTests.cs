using Kiln.Tests.Support;

namespace Kiln.Tests.Tiering;

/// <summary>
/// On-stack replacement (<see cref="Tier.Auto"/>): a baseline activation moves into optimized code at a loop header.
/// Most tests force it (<see cref="EngineOptions.OsrBackEdges"/>, synchronous compiles, functions moving up by OSR
/// only), so the switch happens at a known back edge; every result, trap and backtrace is compared with the
/// interpreter's. The sampled mode is tested for its outcome only, never for a time.
/// </summary>
public class OsrTests
{
    private static EngineOptions Forced(int backEdges, bool synchronous = true) => new()
    {
        Tier = Tier.Auto,
        TierUpThreshold = int.MaxValue,
        TierUpSynchronously = synchronous,
        OsrBackEdges = backEdges,
    };

    public static TheoryData<int> BackEdges => new([1, 2, 7]);

    /// <summary>What a call does, as text: its results, or its trap code with the backtrace's function names.</summary>
    private static string Outcome(Instance instance, string export, Value[] args)
    {
        try
        {
            return string.Join(", ", instance.GetFunction(export)!.Invoke(args).Select(v => v.ToString()));
        }
        catch (TrapException e)
        {
            return $"trap {e.Code} at {string.Join(" < ", e.Backtrace.Select(f => f.FunctionName))}";
        }
    }

    /// <summary>Runs the calls on the interpreter and on <paramref name="options"/> in one store each; returns the engine's statistics.</summary>
    private static TieringStatistics AssertSameAsInterpreter(EngineOptions options, string wat, params (string Export, Value[] Args)[] calls)
    {
        var expected = new List<string>();
        using (var interp = new TestHost(new EngineOptions { Tier = Tier.Interpreter }))
        {
            Instance instance = interp.Linker.Instantiate(interp.Store, Module.FromText(interp.Engine, wat));
            foreach ((string export, Value[] args) in calls)
            {
                expected.Add(Outcome(instance, export, args));
            }
        }
        using var host = new TestHost(options);
        Instance osr = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, wat));
        for (int i = 0; i < calls.Length; i++)
        {
            Assert.Equal(expected[i], Outcome(osr, calls[i].Export, calls[i].Args));
        }
        TieringStatistics stats = host.Engine.TieringStatistics!;
        Assert.Equal(0, stats.Failed);
        return stats;
    }

    private const string Nested = """
        (module
          (func (export "nest") (param $n i32) (result i64)
            (local $i i32) (local $j i32) (local $acc i64) (local $f f64) (local $g f32)
            (loop $outer
              (local.set $j (i32.const 0))
              (loop $inner
                (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (i32.mul (local.get $i) (local.get $j)))))
                (local.set $f (f64.add (local.get $f) (f64.convert_i32_u (local.get $j))))
                (local.set $g (f32.add (local.get $g) (f32.const 0.5)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br_if $inner (i32.lt_u (local.get $j) (local.get $i))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
            (i64.add (local.get $acc) (i64.add (i64.trunc_f64_s (local.get $f)) (i64.trunc_f32_s (local.get $g))))))
        """;

    [Theory]
    [MemberData(nameof(BackEdges))]
    public void AnActivationInNestedLoopsMovesUpAtALoopHeaderAndKeepsItsLocals(int backEdges)
    {
        TieringStatistics stats = AssertSameAsInterpreter(Forced(backEdges), Nested,
            ("nest", [Value.FromI32(300)]), ("nest", [Value.FromI32(5)]), ("nest", [Value.FromI32(1)]));

        // The first call moved into an OSR entry in its loops and the function moved up for later calls.
        Assert.True(stats.OsrEntries >= 1);
        Assert.True(stats.OsrInstalled >= 1);
        Assert.Equal(1, stats.TierUps);
        Assert.Equal(stats.OsrRequests, stats.OsrInstalled);
    }

    [Fact]
    public void AMainCalledOnceRunsItsLoopInOptimizedCode()
    {
        // A program whose whole run is one call: without OSR it would never leave the baseline.
        TieringStatistics stats = AssertSameAsInterpreter(Forced(1), Nested, ("nest", [Value.FromI32(1200)]));
        Assert.Equal(1, stats.OsrEntries);
        Assert.Equal(1, stats.TierUps);
    }

    [Theory]
    [MemberData(nameof(BackEdges))]
    public void StackValuesBelowTheLoopAndMultiValueLoopParametersMoveWithTheActivation(int backEdges)
    {
        // Below the loop: a constant and a computed value; the loop carries an i32 and an i64 as parameters.
        const string Wat = """
            (module
              (func (export "stack") (param $n i32) (result i32 i64)
                (local $k i32) (local $a i32) (local $b i64) (local $r i64)
                i64.const -5
                (i32.mul (local.get $n) (i32.const 3))
                i32.const 7
                i64.const 1
                (loop $l (param i32 i64) (result i32 i64)
                  local.set $b
                  local.set $a
                  (i32.add (local.get $a) (local.get $k))
                  (i64.add (i64.mul (local.get $b) (i64.const 3)) (i64.extend_i32_u (local.get $k)))
                  (local.set $k (i32.add (local.get $k) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $k) (local.get $n))))
                local.set $b
                i32.add
                local.set $a
                (local.set $r (i64.add (local.get $b)))
                (local.get $a)
                (local.get $r)))
            """;
        TieringStatistics stats = AssertSameAsInterpreter(Forced(backEdges), Wat,
            ("stack", [Value.FromI32(30)]), ("stack", [Value.FromI32(1)]), ("stack", [Value.FromI32(12)]));
        Assert.True(stats.OsrEntries >= 1);
    }

    [Theory]
    [MemberData(nameof(BackEdges))]
    public void AValueBelowAnOuterLoopSurvivesItsBackEdgesAfterTheInnerLoopMovedUp(int backEdges)
    {
        // The activation moves at the inner loop; the outer loop then turns in optimized code, through the code
        // before the inner loop that the OSR entry reaches only by the outer back edge, and the value below the outer
        // loop is used after it.
        const string Wat = """
            (module
              (func (export "below") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $s i32)
                (i32.mul (local.get $n) (i32.const 7))
                (loop $outer
                  (local.set $j (i32.const 0))
                  (loop $inner
                    (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (local.get $j))))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br_if $inner (i32.lt_u (local.get $j) (i32.const 5))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
                (i32.add (local.get $s))))
            """;
        TieringStatistics stats = AssertSameAsInterpreter(Forced(backEdges), Wat, ("below", [Value.FromI32(40)]), ("below", [Value.FromI32(3)]));
        Assert.True(stats.OsrEntries >= 1);
    }

    private const string Recursion = """
        (module
          (memory 1)
          (func $rec (export "rec") (param $d i32) (param $n i32) (result i64)
            (local $i i32) (local $s i64)
            (if (local.get $d)
              (then (local.set $s (call $rec (i32.sub (local.get $d) (i32.const 1)) (local.get $n)))))
            (loop $l
              (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (i32.mul (local.get $i) (i32.add (local.get $d) (i32.const 1))))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
            ;; After its loop, rec(d, n) divides by n - 106 + d: rec(0, 106) traps at the bottom of the recursion.
            (i64.add (local.get $s) (i64.extend_i32_s (i32.div_s (i32.const 1) (i32.add (i32.sub (local.get $n) (i32.const 106)) (local.get $d))))))
          (func $outer (export "outer") (param $n i32) (result i64) (call $rec (i32.const 6) (local.get $n))))
        """;

    [Theory]
    [MemberData(nameof(BackEdges))]
    public void LoopsInRecursionMoveUpAtEveryDepthAndTrapsKeepTheirBacktrace(int backEdges)
    {
        // The innermost activation reaches its loop first and moves up; the activations below it come back to their
        // baseline loops and move up there too. The trap unwinds OSR frames and the baseline frames they replaced:
        // the backtrace lists each activation once, as the interpreter does.
        TieringStatistics stats = AssertSameAsInterpreter(Forced(backEdges), Recursion,
            ("outer", [Value.FromI32(50)]), ("outer", [Value.FromI32(106)]), ("rec", [Value.FromI32(3), Value.FromI32(103)]), ("outer", [Value.FromI32(20)]));
        Assert.True(stats.OsrEntries >= 1);
    }

    [Fact]
    public void EveryBaselineActivationOfTheRecursionEntersTheOsrEntry()
    {
        using (var host = new TestHost(Forced(1)))
        {
            // The innermost activation moves up in its loop and traps after it, while the six below it wait in
            // baseline code: the backtrace lists every activation once, the OSR frame in place of the one it replaced.
            Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Recursion));
            TrapException trap = Assert.Throws<TrapException>(() => instance.GetFunction("outer")!.Invoke(Value.FromI32(106)));
            Assert.Equal(TrapCode.IntegerDivideByZero, trap.Code);
            Assert.Equal(["rec", "rec", "rec", "rec", "rec", "rec", "rec", "outer"], trap.Backtrace.Select(f => f.FunctionName));
            Assert.Equal(1, host.Engine.TieringStatistics!.OsrEntries);
        }
        using (var host = new TestHost(Forced(1)))
        {
            // Without the trap, each of the seven baseline activations reaches its loop after the first moved up, and
            // moves into the same OSR entry.
            Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Recursion));
            instance.GetFunction("outer")!.Invoke(Value.FromI32(50));
            Assert.Equal(7, host.Engine.TieringStatistics!.OsrEntries);
            Assert.Equal(1, host.Engine.TieringStatistics.OsrInstalled);
        }
    }

    [Theory]
    [MemberData(nameof(BackEdges))]
    public void ATrapInsideTheOptimizedLoopIsTheSameTrapWithTheSameBacktrace(int backEdges)
    {
        const string Wat = """
            (module
              (memory 1)
              (func $scan (param $p i32) (result i32) (local $s i32)
                (loop $l
                  (local.set $s (i32.add (local.get $s) (i32.load (local.get $p))))
                  (i32.store (local.get $p) (local.get $s))
                  (local.set $p (i32.add (local.get $p) (i32.const 4093)))
                  (br $l))
                (local.get $s))
              (func (export "scan") (param i32) (result i32) (call $scan (local.get 0)))
              (func (export "peek") (param i32) (result i32) (i32.load (local.get 0))))
            """;
        AssertSameAsInterpreter(Forced(backEdges), Wat,
            ("scan", [Value.FromI32(1)]), ("peek", [Value.FromI32(4094)]), ("scan", [Value.FromI32(3)]), ("peek", [Value.FromI32(8189)]));
    }

    [Fact]
    public void FuelCountsTheSameWhenAnActivationMovesUp()
    {
        long Remaining(EngineOptions options)
        {
            using var host = new TestHost(options);
            host.Store.SetFuel(1_000_000);
            Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Nested));
            instance.GetFunction("nest")!.Invoke(Value.FromI32(40));
            return host.Store.GetFuel();
        }
        long baseline = Remaining(new EngineOptions { Tier = Tier.Baseline, ConsumeFuel = true });
        Assert.Equal(baseline, Remaining(new EngineOptions { Tier = Tier.Interpreter, ConsumeFuel = true }));
        foreach (int backEdges in new[] { 1, 2, 7 })
        {
            Assert.Equal(baseline, Remaining(Forced(backEdges) with { ConsumeFuel = true }));
        }

        // Fuel running out inside the optimized loop is the same trap.
        using var osr = new TestHost(Forced(1) with { ConsumeFuel = true });
        osr.Store.SetFuel(500);
        Instance limited = osr.Linker.Instantiate(osr.Store, Module.FromText(osr.Engine, Nested));
        Assert.Equal(TrapCode.OutOfFuel, Assert.Throws<TrapException>(() => limited.GetFunction("nest")!.Invoke(Value.FromI32(300))).Code);
        Assert.True(osr.Engine.TieringStatistics!.OsrEntries >= 1);
    }

    [Fact]
    public void BackgroundOsrCompilesRaceTwoStoresOnTwoThreads()
    {
        using var engine = new Engine(Forced(1, synchronous: false));
        Module module = Module.FromText(engine, Nested);
        long expected;
        using (var interp = new TestHost(new EngineOptions { Tier = Tier.Interpreter }))
        {
            expected = interp.Linker.Instantiate(interp.Store, Module.FromText(interp.Engine, Nested)).GetFunction<int, long>("nest").Invoke(150);
        }
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        void Work()
        {
            using var store = new Store(engine);
            TypedFunc<int, long> nest = new Linker(engine).Instantiate(store, module).GetFunction<int, long>("nest");
            for (int i = 0; i < 40; i++)
            {
                long got = nest.Invoke(150);
                if (got != expected)
                {
                    failures.Add($"call {i}: {got}");
                }
            }
        }
        OnThreads.Run(2, Work);
        engine.TierUps!.WaitForIdle();

        Assert.Empty(failures);
        TieringStatistics stats = engine.TieringStatistics!;
        Assert.Equal(0, stats.Failed);
        // Each loop is asked for once, however many activations on however many threads found it hot.
        Assert.InRange(stats.OsrRequests, 1, 2);
        Assert.Equal(stats.OsrRequests, stats.OsrInstalled);
        Assert.Equal(1, stats.TierUps);
    }

    [Fact]
    public void AnInterruptStopsALoopThatMovedUp()
    {
        const string Wat = """
            (module
              (import "env" "tick" (func $tick (param i32)))
              (func (export "count") (local $i i32)
                (loop $l
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (call $tick (local.get $i))
                  (br $l))))
            """;
        using var host = new TestHost(Forced(3));
        int ticks = 0;
        host.Linker.DefineFunction("env", "tick", (int i) =>
        {
            ticks = i;
            if (i == 50)
            {
                host.Store.Interrupt();
            }
        });
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Wat));
        TrapException trap = Watchdog.Run(() => Assert.Throws<TrapException>(() => instance.GetAction("count").Invoke()), TimeSpan.FromSeconds(60));
        Assert.Equal(TrapCode.Interrupted, trap.Code);
        Assert.Equal(50, ticks);
        Assert.Equal(1, host.Engine.TieringStatistics!.OsrEntries);
    }

    [Fact]
    public void SampledOsrMovesALongRunningLoopUpWithoutCountingItsIterations()
    {
        // The first loop runs until the running activation has moved into optimized code (the host function asks the
        // statistics), which only the sampler's polls can bring about: no back edge is counted. The second loop's
        // result does not depend on when that happened. Calls of $leaf at each turn meet the poll at function entries,
        // which must not take it for an interrupt.
        const string Wat = """
            (module
              (import "env" "moved" (func $moved (result i32)))
              (func $leaf (param i32) (result i32) (i32.xor (local.get 0) (i32.const 0x5a5a)))
              (func (export "main") (param $n i32) (result i32) (local $i i32) (local $x i32)
                (loop $wait
                  (local.set $x (call $leaf (local.get $x)))
                  (br_if $wait (i32.eqz (call $moved))))
                (local.set $x (i32.const 1))
                (loop $work
                  (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 31)) (call $leaf (local.get $i))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $work (i32.lt_u (local.get $i) (local.get $n))))
                (local.get $x)))
            """;
        int expected;
        using (var interp = new TestHost(new EngineOptions { Tier = Tier.Interpreter }))
        {
            interp.Linker.DefineFunction("env", "moved", () => 1);
            expected = interp.Linker.Instantiate(interp.Store, Module.FromText(interp.Engine, Wat)).GetFunction<int, int>("main").Invoke(1000);
        }
        using var host = new TestHost(new EngineOptions { Tier = Tier.Auto });
        TieringStatistics stats = host.Engine.TieringStatistics!;
        host.Linker.DefineFunction("env", "moved", () => stats.OsrEntries > 0 ? 1 : 0);
        TypedFunc<int, int> main = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Wat)).GetFunction<int, int>("main");

        int result = Watchdog.Run(() => main.Invoke(1000), TimeSpan.FromSeconds(120));

        Assert.Equal(expected, result);
        Assert.Equal(1, stats.OsrEntries);
        Assert.Equal(0, stats.Failed);
    }

    [Theory]
    [MemberData(nameof(BackEdges))]
    public void VectorLocalsStackValuesAndLoopParametersMoveWithTheActivation(int backEdges)
    {
        // A function with v128 values has 16-byte slots; its locals, a computed v128 below the loop and a v128 loop
        // parameter take two argument slots each of the OSR entry, between scalar ones.
        const string Wat = """
            (module
              (func (export "v") (param $n i32) (result v128 i64)
                (local $i i32) (local $v v128) (local $x i64) (local $w v128) (local $f f32)
                (local.set $w (v128.const i32x4 1 2 3 4))
                (i32x4.splat (local.get $n))
                (i64.const 9)
                (v128.const i64x2 5 -6)
                (loop $l (param v128) (result v128)
                  (local.set $v (i64x2.add (local.get $v) (i64x2.splat (i64.extend_i32_u (local.get $i)))))
                  (local.set $w (i32x4.mul (local.get $w) (i32x4.splat (i32.const 3))))
                  (local.set $x (i64.add (local.get $x) (i64.extend_i32_u (local.get $i))))
                  (local.set $f (f32.add (local.get $f) (f32.const 0.25)))
                  (i64x2.add (i64x2.splat (local.get $x)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
                (local.set $v (i64x2.add (local.get $v)))
                (i64.add (i64.extend_i32_u (i32x4.extract_lane 2 (local.get $w))))
                (i64.add (i64.trunc_f32_s (local.get $f)))
                (i64.add (i64x2.extract_lane 1 (local.get $v)))
                (local.set $x)
                (i32x4.add (v128.xor (local.get $v) (local.get $w)))
                (local.get $x)))
            """;
        TieringStatistics stats = AssertSameAsInterpreter(Forced(backEdges), Wat,
            ("v", [Value.FromI32(100)]), ("v", [Value.FromI32(1)]), ("v", [Value.FromI32(9)]));
        Assert.True(stats.OsrEntries >= 1);
        Assert.Equal(stats.OsrRequests, stats.OsrInstalled);
    }

    [Fact]
    public void AMainCalledOnceWithVectorArithmeticInItsLoopRunsItInOptimizedCode()
    {
        // bench/simd_blur's shape: scalar locals only, v128 values inside the loop body (so 16-byte slots), one call.
        const string Wat = """
            (module
              (memory 1)
              (func (export "blur") (param $n i32) (result i64)
                (local $i i32) (local $p i32) (local $sum i64)
                (loop $fill
                  (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.mul (local.get $i) (i32.const 7)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $fill (i32.lt_u (local.get $i) (i32.const 1024))))
                (local.set $i (i32.const 0))
                (loop $rows
                  (local.set $p (i32.const 16))
                  (loop $pixels
                    (v128.store (local.get $p)
                      (i32x4.add (v128.load offset=0 (i32.sub (local.get $p) (i32.const 4)))
                        (i32x4.shl (v128.load (local.get $p)) (i32.const 1))))
                    (local.set $p (i32.add (local.get $p) (i32.const 16)))
                    (br_if $pixels (i32.lt_u (local.get $p) (i32.const 4080))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $rows (i32.lt_u (local.get $i) (local.get $n))))
                (local.set $p (i32.const 0))
                (loop $sum
                  (local.set $sum (i64.add (i64.mul (local.get $sum) (i64.const 31)) (i64.load32_u (local.get $p))))
                  (local.set $p (i32.add (local.get $p) (i32.const 4)))
                  (br_if $sum (i32.lt_u (local.get $p) (i32.const 4096))))
                (local.get $sum)))
            """;
        TieringStatistics stats = AssertSameAsInterpreter(Forced(1), Wat, ("blur", [Value.FromI32(40)]));
        // It moved at the first loop's first back edge and stayed in optimized code to the end.
        Assert.Equal(1, stats.OsrEntries);
        Assert.Equal(1, stats.OsrInstalled);
    }

    [Fact]
    public void ASerializedAutoModuleKeepsItsOsrPathsWhenLoaded()
    {
        // The loaded code addresses the OSR data after the code table, which the loops of the validated bodies size.
        byte[] file;
        using (var engine = new Engine(Forced(1)))
        {
            file = Module.FromText(engine, Nested).Serialize();
        }
        long expected;
        using (var interp = new TestHost(new EngineOptions { Tier = Tier.Interpreter }))
        {
            expected = interp.Linker.Instantiate(interp.Store, Module.FromText(interp.Engine, Nested)).GetFunction<int, long>("nest").Invoke(200);
        }
        using var host = new TestHost(Forced(1));
        Module loaded = Module.Deserialize(host.Engine, file);
        Assert.Equal(expected, host.Linker.Instantiate(host.Store, loaded).GetFunction<int, long>("nest").Invoke(200));
        Assert.Equal(1, host.Engine.TieringStatistics!.OsrEntries);
    }

    [Fact]
    public void ASampledLoopHeaderMakesTheSameOneCompareAsTheInterruptCheck()
    {
        // The hot path of a loop with an OSR path is the interrupt check's: one compare of the interrupt word (the whole
        // dword, so the OSR poll in byte 1 diverts it) and one branch; the function entry compares byte 0 only, and so
        // does the out-of-line OSR path before it treats the word as a poll.
        using var host = new TestHost(new EngineOptions { Tier = Tier.Auto, TierUpThreshold = 1_000_000 });
        Module module = Module.FromText(host.Engine, """
            (module (func (export "f") (param i32) (local i32)
              (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if $l (i32.lt_u (local.get 1) (local.get 0))))))
            """);
        host.Linker.Instantiate(host.Store, module).GetAction<int>("f").Invoke(10);
        string[] listing = module.Disassemble(module.CompiledFunctions.Single()).Split('\n');

        Assert.Single(listing, l => l.Contains("cmp     dword ptr [rax+0x8], 0x0", StringComparison.Ordinal));
        Assert.Equal(2, listing.Count(l => l.Contains("cmp     byte ptr [rax+0x8], 0x0", StringComparison.Ordinal)));
        int header = Array.FindIndex(listing, l => l.Contains("cmp     dword ptr [rax+0x8], 0x0", StringComparison.Ordinal));
        Assert.Contains("mov     rax, qword ptr [r15]", listing[header - 1], StringComparison.Ordinal);
        Assert.Contains("jne     ", listing[header + 1], StringComparison.Ordinal);
    }

    [Fact]
    public void ANegativeBackEdgeCountIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Engine(new EngineOptions { Tier = Tier.Auto, OsrBackEdges = -1 }));
    }
}
