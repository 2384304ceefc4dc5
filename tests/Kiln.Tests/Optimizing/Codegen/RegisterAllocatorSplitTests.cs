using Kiln.FrontEnd;
using Kiln.Jit.X64;
using Kiln.Optimizing;
using Kiln.Optimizing.Codegen;
using Kiln.Optimizing.Ir;
using Kiln.Optimizing.Passes;
using Kiln.Tests.Differential;
using Kiln.Tests.Support;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Validation;
using Xunit.Abstractions;

namespace Kiln.Tests.Optimizing.Codegen;

/// <summary>
/// Splitting at loop boundaries (<see cref="RegisterAllocator"/>: a spilled value used in a loop gets a copy there, a
/// parameter of the loop's header) and the allocation checker (<see cref="AllocationChecker"/>), which simulates the
/// emitted moves and checks every read against the location its value was last written to: on hand-written IR, on
/// binaryen's random modules and on the benchmark programs, with the emitter's registers and with a few only.
/// </summary>
public sealed class RegisterAllocatorSplitTests(ITestOutputHelper output)
{
    private static readonly Gpr[] s_gprs = [Gpr.Rbx, Gpr.Rsi, Gpr.Rdi, Gpr.R8, Gpr.R9, Gpr.R10, Gpr.R11, Gpr.R12, Gpr.R13];
    private static readonly Gpr[] s_fewGprs = [Gpr.Rbx, Gpr.Rsi, Gpr.Rdi];
    private static readonly Xmm[] s_fewXmms = [Xmm.Xmm2, Xmm.Xmm3];

    // v1 and v2 are live from the entry to the end and used once each in the first loop, whose sums take every other
    // register: they go to memory. The second loop (no calls, entered from the jump-ended block3) uses v1 every turn.
    private const string SpilledAcrossALoop = """
        function %f(i32, i32, i32) -> i32 {
        block0(v0: i32, v1: i32, v2: i32):
            v3 = iconst.i32 0
            jump block1(v3, v3, v3, v3)
        block1(v4: i32, v5: i32, v6: i32, v7: i32):
            v8 = iadd.i32 v4, v1
            v9 = iadd.i32 v5, v8
            v10 = iadd.i32 v6, v9
            v11 = iadd.i32 v7, v10
            v12 = iconst.i32 1
            v13 = iadd.i32 v4, v12
            v14 = iult.i32 v13, v0
            brif v14, block1(v13, v9, v10, v11), block2
        block2:
            v15 = iadd.i32 v9, v10
            v16 = iadd.i32 v15, v11
            jump block3(v16, v3)
        block3(v17: i32, v18: i32):
            v19 = imul.i32 v17, v1
            v20 = iadd.i32 v18, v12
            v21 = iult.i32 v20, v0
            brif v21, block3(v19, v20), block4
        block4:
            v22 = iadd.i32 v19, v2
            v23 = iadd.i32 v22, v1
            return v23
        }
        """;

    [Fact]
    public void ASpilledValueUsedInALoopReadsARegisterCopyMadeOnTheLoopEntry()
    {
        IrFunction f = IrParser.Parse(SpilledAcrossALoop);
        int mul = f.Value(19).Owner;
        Allocation a = Allocate(f, s_fewGprs, s_fewXmms);
        // v1 itself stays in memory (its parameter word); the loop reads a new parameter of block3 in a register.
        Assert.Equal(LocationKind.Stack, a.Values[1].Kind);
        int copy = f.Args(mul)[1];
        Assert.NotEqual(1, copy);
        Assert.True(f.Value(copy).IsParam);
        Assert.Equal(3, f.Value(copy).Owner);
        Assert.Equal(LocationKind.Gpr, a.Values[copy].Kind);
        // block2's jump passes v1 (the load on the entry edge); the back edge passes the copy itself (no move).
        int param = f.Block(3).Params.IndexOf(copy);
        Assert.Equal(1, f.CallArgs(f.Targets(f.Terminator(2))[0])[param]);
        Assert.Equal(copy, f.CallArgs(f.Targets(f.Terminator(3))[0])[param]);
        // Uses outside the loop still read v1.
        Assert.Equal(1, f.Args(f.Value(23).Owner)[1]);
        Assert.Empty(IrVerifier.Verify(f));
    }

    [Fact]
    public void ACopyThatGetsNoRegisterSharesItsSourcesMemory()
    {
        // Two registers only: the second loop's carried values take both, so v1's copy is left in memory as well. It
        // then reads v1's parameter word, and the loop's entry moves nothing for it.
        IrFunction f = IrParser.Parse(SpilledAcrossALoop);
        int mul = f.Value(19).Owner;
        Allocation a = Allocate(f, [Gpr.Rbx, Gpr.Rsi], s_fewXmms);
        int copy = f.Args(mul)[1];
        if (copy != 1)
        {
            Assert.True(a.Values[copy].IsRegister || a.Values[copy] == a.Values[1], $"the copy v{copy} is at {a.Values[copy]}, v1 at {a.Values[1]}");
        }
    }

    [Fact]
    public void NoCopiesForALoopWithACall()
    {
        // A copy would cross the call in its loop as well: the loop is left alone.
        IrFunction f = IrParser.Parse(SpilledAcrossALoop.Replace("v19 = imul.i32 v17, v1", "v19 = call fn0(v17, v1) : (i32, i32) -> (i32)"));
        int call = f.Value(19).Owner;
        int paramsBefore = f.Block(3).Params.Count;
        Allocate(f, s_fewGprs, s_fewXmms);
        Assert.Equal(1, f.Args(call)[1]);
        Assert.Equal(paramsBefore, f.Block(3).Params.Count);
    }

    [Fact]
    public void TheCheckerFindsAReadOfALocationHoldingAnotherValue()
    {
        IrFunction f = IrParser.Parse(SpilledAcrossALoop);
        Allocation a = RegisterAllocator.Run(f, s_fewGprs, s_fewXmms);
        Assert.Empty(AllocationChecker.Check(f, a));
        // Send the copy to v2's word: the move on the loop's entry then overwrites v2, read after the loop.
        int copy = f.Args(f.Value(19).Owner)[1];
        Location[] values = [.. a.Values];
        values[copy] = a.Values[2];
        List<string> errors = AllocationChecker.Check(f, new Allocation
        {
            Values = values, Homes = a.Homes, ReloadsAfter = a.ReloadsAfter, SpillSlots = a.SpillSlots, Intervals = a.Intervals,
        });
        Assert.True(errors.Any(e => e.StartsWith("v2 read at block4") && e.Contains("which holds v1,") && e.Contains($"v{copy}")), string.Join("\n", errors));
    }

    [Fact]
    public void TheCheckerFindsAMissingReloadAfterACall()
    {
        IrFunction f = IrParser.Parse("""
            function %f(i32, i32) -> i32 {
            block0(v0: i32, v1: i32):
                v2 = iadd.i32 v0, v1
                v3 = call fn0(v2) : (i32) -> (i32)
                v4 = iadd.i32 v3, v0
                v5 = imul.i32 v4, v4
                return v5
            }
            """);
        Allocation a = RegisterAllocator.Run(f, s_gprs, s_fewXmms);
        Assert.Empty(AllocationChecker.Check(f, a));
        List<string> errors = AllocationChecker.Check(f, new Allocation
        {
            Values = a.Values, Homes = a.Homes, ReloadsAfter = [], SpillSlots = a.SpillSlots, Intervals = a.Intervals,
        });
        Assert.Contains(errors, e => e.StartsWith("v0 read at block0"));
    }

    [ToolFact("wasm-opt")]
    public void RandomModulesAllocateConsistently()
    {
        string work = Directory.CreateTempSubdirectory("kiln-alloc-fuzz-").FullName;
        int functions = 0;
        try
        {
            for (ulong seed = 1; seed <= 30; seed++)
            {
                string path = RandomModuleGenerator.Generate(seed, work, denan: false, optimize: seed % 2 == 0, simd: seed % 3 == 0);
                functions += CheckModule(File.ReadAllBytes(path), $"seed {seed}");
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        output.WriteLine($"{functions} functions checked");
        Assert.True(functions >= 30, $"only {functions} functions checked");
    }

    [BenchTheory]
    [MemberData(nameof(BenchProgramTests.Programs), MemberType = typeof(BenchProgramTests))]
    public void BenchModulesAllocateConsistently(string program, string size)
    {
        _ = size;
        Assert.True(BenchProgramTests.BuildError is null, BenchProgramTests.BuildError);
        string path = Path.Combine(BenchProgramTests.BenchDirectory, "build", "wasm", program + ".wasm");
        Assert.True(File.Exists(path), $"{path} is missing (bench/setup.sh)");
        int functions = CheckModule(File.ReadAllBytes(path), program);
        Assert.True(functions > 0);
    }

    /// <summary>Builds every function, runs the default passes, and checks allocations with all registers and with few.</summary>
    private int CheckModule(byte[] wasm, string name)
    {
        WasmModule model = ModuleReader.Read(wasm);
        var spaces = new IndexSpaces(ModuleValidator.Validate(model));
        var builder = new SsaBuilder(spaces);
        int built = 0;
        var errors = new List<string>();
        for (int i = 0; i < model.Bodies.Count; i++)
        {
            foreach ((Gpr[] gprs, Xmm[] xmms) in new[] { (s_gprs, CodeEmitter.AllocatableXmms), (s_fewGprs, s_fewXmms) })
            {
                IrFunction f;
                try
                {
                    f = builder.Build(i);
                }
                catch (Exception e) when (e is UnsupportedFeatureException or ResourceLimitException)
                {
                    continue;
                }
                PassPipeline.RunUnverified(f, PassPipeline.Default);
                Allocation a = RegisterAllocator.Run(f, gprs, xmms);
                errors.AddRange(IrVerifier.Verify(f).Select(e => $"{name} function {i}: after allocation: {e}"));
                errors.AddRange(AllocationChecker.Check(f, a).Select(e => $"{name} function {i} ({gprs.Length} registers): {e}"));
                built++;
            }
        }
        Assert.True(errors.Count == 0, string.Join("\n", errors.Take(20)));
        return built;
    }

    private static Allocation Allocate(IrFunction f, Gpr[] gprs, Xmm[] xmms)
    {
        Allocation a = RegisterAllocator.Run(f, gprs, xmms);
        List<string> errors = AllocationChecker.Check(f, a);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return a;
    }
}
