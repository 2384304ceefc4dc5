using Kiln.Jit.X64;
using Kiln.Optimizing.Codegen;
using Kiln.Optimizing.Ir;
using Kiln.Optimizing.Passes;

namespace Kiln.Tests.Optimizing.Codegen;

/// <summary>
/// <see cref="RegisterAllocator"/> checked against liveness computed independently here (sets of values per program
/// point, backwards from each block's live-out): no two values live at once share a register or a frame slot (unless
/// one is a loop's copy of the other), a value defined while another is live never takes its place, a value in a
/// register across a call has a home and is reloaded right after it, and the allocation spills under pressure but
/// keeps a loop's carried values in registers when they fit. Every allocation here also passes
/// <see cref="AllocationChecker"/>.
/// </summary>
public class RegisterAllocatorTests
{
    private static readonly Gpr[] s_gprs = [Gpr.Rbx, Gpr.Rsi, Gpr.Rdi, Gpr.R8, Gpr.R9, Gpr.R10, Gpr.R11, Gpr.R12];

    [Fact]
    public void TwelveLiveParametersSpillFourToTheirArgumentWordsAndNeverShareStorage()
    {
        // All twelve parameters are live until the chain of adds at the end consumes them.
        string ps = string.Join(", ", Enumerable.Repeat("i64", 12));
        string vs = string.Join(", ", Enumerable.Range(0, 12).Select(i => $"v{i}: i64"));
        var body = new System.Text.StringBuilder();
        body.Append($"function %f({ps}) -> i64 {{\nblock0({vs}):\n");
        body.Append("    v12 = iadd.i64 v11, v10\n");
        for (int i = 9; i >= 0; i--)
        {
            body.Append($"    v{22 - i} = iadd.i64 v{21 - i}, v{i}\n");
        }
        body.Append("    return v22\n}\n");
        IrFunction f = IrParser.Parse(body.ToString());
        Allocation a = Allocate(f);
        int[] spilled = Enumerable.Range(0, 12).Where(v => a.Values[v].Kind == LocationKind.Stack).ToArray();
        Assert.Equal(4, spilled.Length);
        // Spilled parameters stay in their words of the argument area: no copy, no frame slot.
        Assert.All(spilled, v => Assert.Equal(Location.OfStack(Gpr.Rbp, 16 + (8 * v)), a.Values[v]));
        Assert.Equal(0, a.SpillSlots);
    }

    [Fact]
    public void AValueUsedMoreThanTheCallsItCrossesKeepsItsRegisterWithAHome()
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
        Allocation a = Allocate(f);
        // v0 crosses the call: its register is reloaded from its parameter word after it, which is its home.
        Assert.True(a.Values[0].IsRegister);
        Assert.Equal(Location.OfStack(Gpr.Rbp, 16), a.Homes[0]);
        Assert.Equal([0], a.ReloadsAfter[f.Value(3).Owner]);
        Assert.All(new[] { 1, 2, 3, 4 }, v => Assert.True(a.Values[v].IsRegister && a.Homes[v].Kind == LocationKind.None, $"v{v}"));
        Assert.Equal(0, a.SpillSlots);
    }

    [Fact]
    public void AValueCrossingAHotCallLivesInMemoryAndAHotLoopAroundAColdCallKeepsItsRegisters()
    {
        // v2 is used once, after a loop that calls fn0 each turn: a register would cost a reload per call. v3 is used
        // in the inner loop (weight 64) and crosses the call in the outer one (weight 8): it keeps its register.
        IrFunction f = IrParser.Parse("""
            function %f(i32, i32) -> i32 {
            block0(v0: i32, v1: i32):
                v2 = imul.i32 v0, v1
                v3 = iadd.i32 v0, v1
                v20 = iconst.i32 0
                jump block1(v20)
            block1(v4: i32):
                v5 = call fn0(v4) : (i32) -> (i32)
                jump block2(v5)
            block2(v6: i32):
                v7 = iadd.i32 v6, v3
                v8 = iconst.i32 100
                v9 = iult.i32 v7, v8
                brif v9, block2(v7), block3
            block3:
                v10 = iconst.i32 1
                v11 = iadd.i32 v4, v10
                v12 = iult.i32 v11, v1
                brif v12, block1(v11), block4
            block4:
                v13 = iadd.i32 v2, v4
                return v13
            }
            """);
        Allocation a = Allocate(f);
        Assert.Equal(LocationKind.Stack, a.Values[2].Kind);
        Assert.Equal(LocationKind.None, a.Homes[2].Kind);
        Assert.True(a.Values[3].IsRegister, $"v3 is at {a.Values[3]}");
        Assert.Equal(LocationKind.Stack, a.Homes[3].Kind);
        Assert.Contains(3, a.ReloadsAfter[f.Value(5).Owner]);
    }

    [Fact]
    public void VectorConstantsHoistedOutOfLoopsAreRematerializedInTheirPreheaders()
    {
        // v2 and the splat v4 are defined at entry, before a loop that calls fn0 each turn, and used in a later loop:
        // kept whole they would cross the hot call (used once per turn of their loop, about as often as the call runs).
        // Rematerialized in block2, the preheader of block3's loop, the copies live in that loop only, in registers.
        IrFunction f = IrParser.Parse("""
            function %f(i32, i32) -> v128 {
            block0(v0: i32, v1: i32):
                v2 = vconst.v128 0x00000001000000010000000100000001
                v3 = fconst.f32 0x43800000
                v4 = simd.v128 f32x4.splat v3
                v20 = iconst.i32 0
                jump block1(v20)
            block1(v5: i32):
                v6 = call fn0(v5) : (i32) -> (i32)
                v7 = iult.i32 v6, v1
                brif v7, block1(v6), block2
            block2:
                v8 = vconst.v128 0x00000000000000000000000000000000
                jump block3(v8, v20)
            block3(v9: v128, v10: i32):
                v11 = simd.v128 i32x4.add v9, v2
                v12 = simd.v128 f32x4.mul v11, v4
                v13 = iconst.i32 1
                v14 = iadd.i32 v10, v13
                v15 = iult.i32 v14, v0
                brif v15, block3(v12, v14), block4
            block4:
                return v12
            }
            """);
        int add = f.Value(11).Owner;
        int mul = f.Value(12).Owner;
        Allocation a = Allocate(f);
        int constant = f.Args(add)[1];
        int splat = f.Args(mul)[1];
        Assert.NotEqual(2, constant);
        Assert.NotEqual(4, splat);
        Assert.Equal(Op.Vconst, f.Inst(f.Value(constant).Owner).Op);
        Assert.Equal(f.Inst(f.Value(2).Owner).Imm, f.Inst(f.Value(constant).Owner).Imm);
        Assert.Equal(Op.Simd, f.Inst(f.Value(splat).Owner).Op);
        Assert.Equal(3, f.Args(f.Value(splat).Owner)[0]);
        foreach (int copy in new[] { constant, splat })
        {
            // Defined in the preheader, before its jump; in a register with no home (it crosses no call).
            List<int> preheader = f.Block(2).Insts;
            Assert.Equal(2, f.Inst(f.Value(copy).Owner).Block);
            Assert.True(preheader.IndexOf(f.Value(copy).Owner) < preheader.Count - 1);
            Assert.Equal(LocationKind.Xmm, a.Values[copy].Kind);
            Assert.Equal(LocationKind.None, a.Homes[copy].Kind);
        }
        // The originals have no uses left, so they cross no call either.
        Assert.All(a.ReloadsAfter.Values, reloads => Assert.DoesNotContain(2, reloads));
        Assert.Empty(IrVerifier.Verify(f));
    }

    [Fact]
    public void LoopCarriedValuesStayInRegisters()
    {
        IrFunction f = IrParser.Parse("""
            function %f(i32) -> i32 {
            block0(v0: i32):
                v1 = iconst.i32 0
                jump block1(v1, v1)
            block1(v2: i32, v3: i32):
                v4 = iuge.i32 v2, v0
                brif v4, block3, block2
            block2:
                v5 = iadd.i32 v3, v2
                v6 = iconst.i32 1
                v7 = iadd.i32 v2, v6
                jump block1(v7, v5)
            block3:
                return v3
            }
            """);
        Allocation a = Allocate(f);
        Assert.Equal(LocationKind.Const, a.Values[1].Kind);
        Assert.All(new[] { 0, 2, 3, 5, 7 }, v => Assert.True(a.Values[v].IsRegister, $"v{v} is at {a.Values[v]}"));
        Assert.Equal(0, a.SpillSlots);
    }

    [Fact]
    public void FloatsAndIntegersUseTheirOwnRegisterFiles()
    {
        IrFunction f = IrParser.Parse("""
            function %f(f64, i64) -> f64 {
            block0(v0: f64, v1: i64):
                v2 = bitcast.f64 v1
                v3 = fadd.f64 v0, v2
                return v3
            }
            """);
        Allocation a = Allocate(f);
        Assert.Equal(LocationKind.Xmm, a.Values[0].Kind);
        Assert.Equal(LocationKind.Gpr, a.Values[1].Kind);
        Assert.Equal(LocationKind.Xmm, a.Values[3].Kind);
    }

    [Fact]
    public void GoldenModulesAllocateWithoutConflicts()
    {
        foreach (string wat in new[] { GoldenWat("loops"), GoldenWat("calls"), GoldenWat("arith-guard") })
        {
            foreach (IrFunction f in OptimizingFiles.Build(wat))
            {
                PassPipeline.Run(f, PassPipeline.Default);
                Allocate(f);
            }
        }
    }

    [Fact]
    public void ManyFunctionsUnderPressureAllocateWithoutConflicts()
    {
        // A body with more simultaneously live values than registers, in a loop, around calls.
        string wat = """
            (module
              (func $g (param i64) (result i64) (local.get 0))
              (func (param i64 i64 i64 i64) (result i64) (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
                (local.set 4 (i64.mul (local.get 0) (local.get 1)))
                (local.set 5 (i64.mul (local.get 1) (local.get 2)))
                (local.set 6 (i64.mul (local.get 2) (local.get 3)))
                (local.set 7 (i64.mul (local.get 3) (local.get 0)))
                (local.set 8 (i64.add (local.get 4) (local.get 5)))
                (local.set 9 (i64.add (local.get 6) (local.get 7)))
                (local.set 10 (i64.xor (local.get 4) (local.get 7)))
                (local.set 11 (i64.xor (local.get 5) (local.get 6)))
                (loop $l
                  (local.set 12 (i64.add (local.get 8) (local.get 9)))
                  (local.set 13 (i64.add (local.get 10) (local.get 11)))
                  (local.set 8 (i64.add (local.get 12) (call $g (local.get 13))))
                  (local.set 9 (i64.add (local.get 9) (i64.const 1)))
                  (br_if $l (i64.lt_u (local.get 9) (i64.const 100))))
                (i64.add (i64.add (local.get 0) (local.get 1)) (i64.add (i64.add (local.get 2) (local.get 3))
                  (i64.add (i64.add (local.get 4) (local.get 5)) (i64.add (i64.add (local.get 6) (local.get 7))
                    (i64.add (i64.add (local.get 8) (local.get 9)) (i64.add (local.get 10) (local.get 11))))))))
            )
            """;
        foreach (IrFunction f in OptimizingFiles.Build(wat))
        {
            PassPipeline.Run(f, PassPipeline.Default);
            Allocate(f);
        }
    }

    private static string GoldenWat(string name)
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Kiln.slnx")))
            {
                return File.ReadAllText(Path.Combine(d.FullName, "tests", "Kiln.Tests", "Optimizing", "Codegen", "Golden", name + ".wat"));
            }
        }
        throw new DirectoryNotFoundException("repository root not found");
    }

    /// <summary>Allocates with eight general-purpose and four xmm registers and checks the result against independent liveness.</summary>
    private static Allocation Allocate(IrFunction f)
    {
        Allocation a = RegisterAllocator.Run(f, s_gprs, [Xmm.Xmm2, Xmm.Xmm3, Xmm.Xmm4, Xmm.Xmm5]);
        CheckNoConflicts(f, a);
        List<string> errors = AllocationChecker.Check(f, a);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return a;
    }

    private static void CheckNoConflicts(IrFunction f, Allocation a)
    {
        Dictionary<int, int> copies = Copies(f);
        var liveIn = new Dictionary<int, HashSet<int>>();
        foreach (int b in f.Layout)
        {
            liveIn[b] = [];
        }
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (int b in Enumerable.Reverse(f.Layout))
            {
                HashSet<int> live = Walk(f, a, copies, b, LiveOut(f, b, liveIn), check: false);
                if (!live.SetEquals(liveIn[b]))
                {
                    liveIn[b] = live;
                    changed = true;
                }
            }
        }
        foreach (int b in f.Layout)
        {
            HashSet<int> atStart = Walk(f, a, copies, b, LiveOut(f, b, liveIn), check: true);
            List<int> ps = f.Block(b).Params;
            foreach (int p in ps)
            {
                foreach (int x in atStart.Concat(ps))
                {
                    if (x != p)
                    {
                        AssertDistinct(a, copies, p, x, $"block{b} parameters");
                    }
                }
            }
        }
    }

    private static HashSet<int> LiveOut(IrFunction f, int b, Dictionary<int, HashSet<int>> liveIn)
    {
        var live = new HashSet<int>();
        foreach (int s in f.Successors(b))
        {
            live.UnionWith(liveIn[s]);
        }
        return live;
    }

    /// <summary>Walks a block backwards from its live-out set; returns the live-in set (parameters excluded).</summary>
    private static HashSet<int> Walk(IrFunction f, Allocation a, Dictionary<int, int> copies, int b, HashSet<int> liveOut, bool check)
    {
        var live = new HashSet<int>(liveOut);
        List<int> insts = f.Block(b).Insts;
        for (int i = insts.Count - 1; i >= 0; i--)
        {
            int inst = insts[i];
            Span<int> results = f.ResultValues(inst);
            if (check)
            {
                foreach (int r in results)
                {
                    foreach (int x in live)
                    {
                        if (x != r)
                        {
                            AssertDistinct(a, copies, r, x, $"instruction {inst}");
                        }
                    }
                }
                if (RegisterAllocator.ClobbersRegisters(f.Inst(inst).Op))
                {
                    // A register does not survive the call: a value kept in one has a home and is reloaded right after.
                    int[] reloads = a.ReloadsAfter.GetValueOrDefault(inst) ?? [];
                    foreach (int x in live)
                    {
                        if (!results.Contains(x) && a.Values[x].IsRegister)
                        {
                            Assert.True(reloads.Contains(x), $"v{x} is in {a.Values[x]} across instruction {inst} and not reloaded after it");
                            Assert.Equal(LocationKind.Stack, a.Homes[x].Kind);
                        }
                    }
                    foreach (int x in reloads)
                    {
                        Assert.True(live.Contains(x) && !results.Contains(x), $"v{x} is reloaded after instruction {inst} but not live across it");
                    }
                }
            }
            foreach (int r in results)
            {
                live.Remove(r);
            }
            foreach (int u in f.Args(inst))
            {
                live.Add(u);
            }
            foreach (ref BlockCall call in f.Targets(inst))
            {
                foreach (int u in f.CallArgs(call))
                {
                    live.Add(u);
                }
            }
        }
        foreach (int p in f.Block(b).Params)
        {
            live.Remove(p);
        }
        return live;
    }

    /// <summary>
    /// Per block parameter, the one value every incoming edge passes it other than itself, or -1: a loop's copy of a
    /// value (a parameter passed itself on the back edges), which holds the same bits and may share its storage.
    /// </summary>
    private static Dictionary<int, int> Copies(IrFunction f)
    {
        var source = new Dictionary<int, int>();
        foreach (int b in f.Layout)
        {
            foreach (ref BlockCall call in f.Targets(f.Terminator(b)))
            {
                Span<int> args = f.CallArgs(call);
                List<int> ps = f.Block(call.Block).Params;
                for (int i = 0; i < args.Length; i++)
                {
                    if (args[i] != ps[i])
                    {
                        source[ps[i]] = source.TryGetValue(ps[i], out int s) && s != args[i] ? -1 : args[i];
                    }
                }
            }
        }
        return source;
    }

    private static bool SameBits(Dictionary<int, int> copies, int v, int w)
    {
        int Root(int x)
        {
            for (int guard = 0; guard < 64 && copies.TryGetValue(x, out int s) && s >= 0; guard++)
            {
                x = s;
            }
            return x;
        }
        return Root(v) == Root(w);
    }

    /// <summary>Two values live at once share no storage (neither their locations nor their homes in the frame), unless one is a copy of the other.</summary>
    private static void AssertDistinct(Allocation a, Dictionary<int, int> copies, int v, int w, string where)
    {
        if (SameBits(copies, v, w))
        {
            return;
        }
        foreach (Location lv in Storage(a, v))
        {
            foreach (Location lw in Storage(a, w))
            {
                Assert.False(lv == lw, $"v{v} and v{w} are both live at {where} and share {lv}");
            }
        }
    }

    private static IEnumerable<Location> Storage(Allocation a, int v)
    {
        if (a.Values[v].Kind != LocationKind.Const)
        {
            yield return a.Values[v];
        }
        if (a.Homes[v].Kind != LocationKind.None)
        {
            yield return a.Homes[v];
        }
    }
}
