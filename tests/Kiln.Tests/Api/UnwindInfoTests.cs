using System.Buffers.Binary;
using Iced.Intel;
using Kiln.Jit.Diagnostics;
using Kiln.Tests.Support;

namespace Kiln.Tests.Api;

/// <summary>
/// The call frame information unwinders get for compiled code (<c>.eh_frame</c>, built from each symbol's frame as
/// <see cref="EngineDiagnostics"/> builds it) is exact at every instruction boundary of every function the engine
/// reports, on every tier: the rule a small DWARF CFA interpreter reads from the FDE is compared with the one a walk of
/// the decoded instructions computes on its own (following fall-through, branches and calls into the function, and
/// tracking <c>push rbp</c>, <c>mov rbp, rsp</c>, rsp's distance from rbp and <c>pop rbp</c>/<c>leave</c>). OSR paths,
/// which return on their own after the body's epilogue, and the routines and stubs placed after it are the cases a
/// single epilogue at the end of the function got wrong.
/// </summary>
public unsafe class UnwindInfoTests
{
    // Nested loops with every kind of OSR-able value, a loop with values below it, an early return, calls: the
    // baseline emits OSR paths (each with its own pop rbp; ret) after the body, and the tier-up and OSR routines.
    private const string Wat = """
        (module
          (type $unary (func (param i32) (result i32)))
          (table 2 funcref)
          (elem (i32.const 0) $inc $twice)
          (memory 1)
          (func $twice (type $unary) (i32.mul (local.get 0) (i32.const 2)))
          (func $inc (type $unary) (i32.add (local.get 0) (i32.const 1)))
          (func $nest (export "nest") (param $n i32) (result i64)
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
            (i64.add (local.get $acc) (i64.add (i64.trunc_f64_s (local.get $f)) (i64.trunc_f32_s (local.get $g)))))
          (func $below (export "below") (param $n i32) (result i32 i32)
            (local $k i32)
            (i32.const 7)
            (loop $l (param i32) (result i32)
              (local.set $k (i32.add (local.get $k) (call_indirect (type $unary) (local.get $k) (i32.and (local.get $k) (i32.const 1)))))
              (i32.store (i32.const 16) (local.get $k))
              (br_if $l (i32.lt_u (local.get $k) (local.get $n))))
            (if (i32.eqz (local.get $n)) (then (return (i32.const 0) (i32.const 0))))
            (i32.load (i32.const 16)))
          (func (export "calls") (param $n i32) (result i32)
            (call $inc (call $twice (local.get $n)))))
        """;

    public static TheoryData<string> Engines => new(["baseline", "opt", "auto", "auto-osr"]);

    private static EngineOptions OptionsFor(string engine, ICodeObserver observer) => engine switch
    {
        "baseline" => new EngineOptions { Tier = Tier.Baseline, CodeObserver = observer },
        "opt" => new EngineOptions { Tier = Tier.Optimizing, CodeObserver = observer },
        // Calls and loop entries counted toward tier-up, hot calls moved up on the spot, sampled OSR paths.
        "auto" => new EngineOptions { Tier = Tier.Auto, TierUpThreshold = 2, TierUpSynchronously = true, CodeObserver = observer },
        // Every loop moves by forced OSR at its first back edge.
        _ => new EngineOptions { Tier = Tier.Auto, TierUpThreshold = int.MaxValue, TierUpSynchronously = true, OsrBackEdges = 1, CodeObserver = observer },
    };

    [Theory]
    [MemberData(nameof(Engines))]
    public void TheCfaRuleIsExactAtEveryInstructionOfEveryFunction(string engine)
    {
        var observer = new RecordingObserver();
        using var host = new TestHost(OptionsFor(engine, observer));
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Wat));
        for (int round = 0; round < 3; round++)
        {
            // acc 2, f 1, g 2; k runs 0, 1, 3, 9, 27, 81.
            Assert.Equal(5L, instance.GetFunction("nest")!.Invoke([Value.FromI32(3)])[0].AsI64());
            Assert.Equal([7, 81], instance.GetFunction("below")!.Invoke([Value.FromI32(50)]).Select(v => v.AsI32()));
            Assert.Equal(11, instance.GetFunction("calls")!.Invoke([Value.FromI32(5)])[0].AsI32());
        }

        SealedCode[] symbols = observer.Sealed;
        (int withFrames, int osrPaths, int checkedBoundaries) = CheckEverySymbol(symbols, engine);
        Assert.True(withFrames >= 5, $"{withFrames} compiled functions on {engine}");
        Assert.True(checkedBoundaries > 250, $"{checkedBoundaries} boundaries on {engine}");
        if (engine == "auto-osr")
        {
            // $nest's two loops and $below's: each OSR path is an epilogue of its own, and the entries are functions too.
            Assert.True(osrPaths >= 3, $"{osrPaths} OSR paths");
            Assert.Contains(symbols, s => s.Symbol.Name.Contains("[osr", StringComparison.Ordinal) && s.Symbol.Frame is not null);
        }
    }

    [Fact]
    public void ALoadedModuleDescribesItsOsrPathsToo()
    {
        byte[] file;
        using (var engine = new Engine(OptionsFor("auto-osr", new RecordingObserver())))
        {
            file = Module.FromText(engine, Wat).Serialize();
        }
        var loaded = new RecordingObserver();
        using var host = new TestHost(OptionsFor("auto-osr", loaded));
        Module.Deserialize(host.Engine, file);
        (int withFrames, int osrPaths, _) = CheckEverySymbol(loaded.Sealed, "loaded auto-osr");
        Assert.Equal(5, withFrames);
        Assert.True(osrPaths >= 3, $"{osrPaths} OSR paths");
    }

    /// <summary>Compares the CFI with the walk at every instruction of every symbol; returns what was covered.</summary>
    private static (int WithFrames, int OsrPaths, int Boundaries) CheckEverySymbol(IEnumerable<SealedCode> symbols, string engine)
    {
        int withFrames = 0, osrPaths = 0, checkedBoundaries = 0;
        foreach ((CodeSymbol symbol, byte[] code) in symbols)
        {
            FrameLayout layout = EngineDiagnostics.LayoutOf(symbol.Frame, code);
            Rule[] described = CfiRules(layout, code.Length);
            Dictionary<int, Rule> walked = WalkInstructions(symbol.Name, code, manyEntries: symbol.Frame is null);
            foreach (int offset in InstructionStarts(code))
            {
                Assert.True(walked.TryGetValue(offset, out Rule expected), $"{symbol.Name}: the walk never reaches +{offset:x} ({engine})");
                Assert.True(expected == described[offset],
                    $"{symbol.Name} (+{offset:x}, {engine}): the CFI says {described[offset]}, the instructions say {expected}\n{Listing(code)}");
                checkedBoundaries++;
            }
            if (symbol.Frame is { } frame)
            {
                withFrames++;
                osrPaths += frame.LaterEpilogues.Count;
            }
        }
        return (withFrames, osrPaths, checkedBoundaries);
    }

    [Fact]
    public void AnEpilogueEndingBeforeTheFunctionEndsGivesTheFrameBack()
    {
        // The layout of a function whose body returns at 0x20 and whose out-of-line path returns again at 0x30.
        FrameLayout layout = FrameLayout.RbpFrame().WithEpilogue(0x1F, 0x20).WithEpilogue(0x2F, 0x30);
        Rule[] rules = CfiRules(layout, 0x40);
        Assert.Equal(Rule.Entry, rules[0]);
        Assert.Equal(Rule.Pushed, rules[1]);
        Assert.Equal(Rule.Framed, rules[4]);
        Assert.Equal(Rule.Framed, rules[0x1E]);
        Assert.Equal(Rule.Entry, rules[0x1F]);
        Assert.Equal(Rule.Framed, rules[0x20]);
        Assert.Equal(Rule.Entry, rules[0x2F]);
        Assert.Equal(Rule.Framed, rules[0x30]);
        Assert.Equal(Rule.Framed, rules[0x3F]);
    }

    /// <summary>What an unwinder needs at one address: how to find the CFA, and where the caller's rbp is.</summary>
    internal readonly record struct Rule(Register CfaRegister, int CfaOffset, bool RbpSaved)
    {
        public static Rule Entry => new(Register.RSP, 8, false);

        public static Rule Pushed => new(Register.RSP, 16, true);

        public static Rule Framed => new(Register.RBP, 16, true);

        public override string ToString() => $"CFA = {CfaRegister.ToString().ToLowerInvariant()}+{CfaOffset}, rbp {(RbpSaved ? "at CFA-16" : "unchanged")}";
    }

    /// <summary>
    /// The rule at every code offset, read back from the <c>.eh_frame</c> Kiln.Jit builds for <paramref name="layout"/>
    /// by a DWARF CFA interpreter (DWARF 4 section 6.4.2) for the instructions the generator may emit.
    /// </summary>
    internal static Rule[] CfiRules(FrameLayout layout, int length)
    {
        byte[] section = EhFrame.Build([new CfiFunction(0, length, layout)], EhFramePointers.Absolute);
        int cieLength = BinaryPrimitives.ReadInt32LittleEndian(section);
        int p = 8;
        Assert.Equal(1, section[p++]);
        Assert.Equal("zR"u8.ToArray(), section[p..(p + 2)]);
        p += 3;
        Assert.Equal(1UL, Uleb(section, ref p)); // code alignment
        Assert.Equal(-8L, Sleb(section, ref p)); // data alignment
        p++; // return address column
        p += (int)Uleb(section, ref p); // augmentation data
        var rules = new Rule[length];
        var state = new CfaState();
        int cieLocation = 0;
        Execute(section, ref p, 4 + cieLength, ref state, initial: default, rules, ref cieLocation);
        CfaState initial = state;

        int fde = 4 + cieLength;
        int fdeLength = BinaryPrimitives.ReadInt32LittleEndian(section.AsSpan(fde));
        p = fde + 8;
        Assert.Equal(0L, BinaryPrimitives.ReadInt64LittleEndian(section.AsSpan(p)));
        Assert.Equal(length, BinaryPrimitives.ReadInt64LittleEndian(section.AsSpan(p + 8)));
        p += 16;
        p += (int)Uleb(section, ref p);
        int location = 0;
        Execute(section, ref p, fde + 4 + fdeLength, ref state, initial, rules, ref location);
        Fill(rules, location, length, state);
        return rules;
    }

    private struct CfaState
    {
        public int Register;
        public long Offset;
        public bool RbpSaved;

        public readonly Rule ToRule() => new(Register == 6 ? Iced.Intel.Register.RBP : Register == 7 ? Iced.Intel.Register.RSP : Iced.Intel.Register.None, (int)Offset, RbpSaved);
    }

    private static void Execute(byte[] s, ref int p, int end, ref CfaState state, CfaState initial, Rule[] rules, ref int location)
    {
        var remembered = new Stack<CfaState>();
        while (p < end)
        {
            byte op = s[p++];
            int high = op & 0xC0, low = op & 0x3F;
            switch (high)
            {
                case 0x40: // DW_CFA_advance_loc
                    Advance(rules, ref location, location + low, state);
                    continue;
                case 0x80: // DW_CFA_offset
                    long slot = (long)Uleb(s, ref p) * -8;
                    if (low == 6)
                    {
                        Assert.Equal(-16, slot);
                        state.RbpSaved = true;
                    }
                    continue;
                case 0xC0: // DW_CFA_restore
                    if (low == 6)
                    {
                        state.RbpSaved = initial.RbpSaved;
                    }
                    continue;
            }
            switch (op)
            {
                case 0x00: // DW_CFA_nop
                    break;
                case 0x02:
                    Advance(rules, ref location, location + s[p++], state);
                    break;
                case 0x03:
                    Advance(rules, ref location, location + BinaryPrimitives.ReadUInt16LittleEndian(s.AsSpan(p)), state);
                    p += 2;
                    break;
                case 0x04:
                    Advance(rules, ref location, location + BinaryPrimitives.ReadInt32LittleEndian(s.AsSpan(p)), state);
                    p += 4;
                    break;
                case 0x0A: // DW_CFA_remember_state
                    remembered.Push(state);
                    break;
                case 0x0B: // DW_CFA_restore_state
                    state = remembered.Pop();
                    break;
                case 0x0C: // DW_CFA_def_cfa
                    state.Register = (int)Uleb(s, ref p);
                    state.Offset = (long)Uleb(s, ref p);
                    break;
                case 0x0D: // DW_CFA_def_cfa_register
                    state.Register = (int)Uleb(s, ref p);
                    break;
                case 0x0E: // DW_CFA_def_cfa_offset
                    state.Offset = (long)Uleb(s, ref p);
                    break;
                default:
                    Assert.Fail($"CFA instruction 0x{op:x2} is not one the generator emits");
                    break;
            }
        }
    }

    private static void Advance(Rule[] rules, ref int location, int target, CfaState state)
    {
        Assert.True(target > location && target <= rules.Length, $"advance from {location} to {target} in {rules.Length} bytes");
        Fill(rules, location, target, state);
        location = target;
    }

    private static void Fill(Rule[] rules, int from, int to, CfaState state)
    {
        for (int i = from; i < to; i++)
        {
            rules[i] = state.ToRule();
        }
    }

    private static ulong Uleb(byte[] s, ref int p)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = s[p++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    private static long Sleb(byte[] s, ref int p)
    {
        long value = 0;
        int shift = 0;
        byte b;
        do
        {
            b = s[p++];
            value |= (long)(b & 0x7F) << shift;
            shift += 7;
        }
        while (b >= 0x80);
        return shift < 64 && (b & 0x40) != 0 ? value | (-1L << shift) : value;
    }

    /// <summary>Where a walk of the code stands: the frame's stage, and rsp - rbp once rbp is the frame pointer (null: unknown).</summary>
    private readonly record struct WalkState(Rule Rule, int? RspFromRbp);

    /// <summary>
    /// The rule at each instruction the code reaches from its entry, computed from the instructions alone: fall-through,
    /// jumps and conditional branches inside the function, calls of code inside the function (the routines the body
    /// calls run in its frame), up to returns and jumps out. Two paths reaching one instruction must agree. With
    /// <paramref name="manyEntries"/> (a symbol holding several stubs, such as the lazy-compilation stubs), code after
    /// a return or jump that no path reaches is another entry.
    /// </summary>
    private static Dictionary<int, Rule> WalkInstructions(string name, byte[] code, bool manyEntries)
    {
        List<Instruction> linear = Decode(code);
        Dictionary<int, Instruction> instructions = [];
        foreach (Instruction i in linear)
        {
            instructions[(int)i.IP] = i;
        }
        var states = new Dictionary<int, WalkState>();
        var work = new Stack<(int Offset, WalkState State)>();
        work.Push((0, new WalkState(Rule.Entry, null)));
        int seed = 0;
        while (true)
        {
            if (work.Count == 0)
            {
                if (!manyEntries)
                {
                    break;
                }
                while (++seed < linear.Count && (states.ContainsKey((int)linear[seed].IP) || linear[seed - 1].FlowControl
                    is FlowControl.Next or FlowControl.ConditionalBranch or FlowControl.Call or FlowControl.IndirectCall))
                {
                }
                if (seed >= linear.Count)
                {
                    break;
                }
                work.Push(((int)linear[seed].IP, new WalkState(Rule.Entry, null)));
            }
            (int offset, WalkState state) = work.Pop();
            while (true)
            {
                if (states.TryGetValue(offset, out WalkState seen))
                {
                    Assert.True(seen.Rule == state.Rule && (seen.RspFromRbp == state.RspFromRbp || seen.RspFromRbp is null),
                        $"{name}: +{offset:x} is reached as {seen} and as {state}");
                    break;
                }
                states[offset] = state;
                Assert.True(instructions.TryGetValue(offset, out Instruction ins), $"{name}: a path leads to +{offset:x}, inside an instruction or past the end");
                int next = (int)ins.NextIP;
                state = Step(name, ins, state);
                switch (ins.FlowControl)
                {
                    case FlowControl.Return:
                    case FlowControl.IndirectBranch:
                    case FlowControl.Interrupt:
                        goto Done;
                    case FlowControl.UnconditionalBranch:
                        if (Inside(ins.NearBranchTarget, code))
                        {
                            offset = (int)ins.NearBranchTarget;
                            continue;
                        }
                        goto Done;
                    case FlowControl.ConditionalBranch:
                        if (Inside(ins.NearBranchTarget, code))
                        {
                            work.Push(((int)ins.NearBranchTarget, state));
                        }
                        break;
                    case FlowControl.Call:
                        if (Inside(ins.NearBranchTarget, code))
                        {
                            // The routine starts with the return address pushed, in this frame.
                            work.Push(((int)ins.NearBranchTarget, state with { RspFromRbp = state.RspFromRbp - 8 }));
                        }
                        break;
                }
                offset = next;
            }
        Done:;
        }
        return states.ToDictionary(s => s.Key, s => s.Value.Rule);
    }

    private static bool Inside(ulong target, byte[] code) => target < (ulong)code.Length;

    private static WalkState Step(string name, in Instruction ins, WalkState state)
    {
        bool writesRsp = ins.Op0Kind == OpKind.Register && ins.Op0Register == Register.RSP;
        if (state.Rule == Rule.Entry)
        {
            if (ins.Code == Code.Push_r64 && ins.Op0Register == Register.RBP)
            {
                return new WalkState(Rule.Pushed, null);
            }
            Assert.False(writesRsp || ins.StackPointerIncrement != 0 && ins.FlowControl is FlowControl.Next,
                $"{name}: +{ins.IP:x} {ins} moves rsp outside a frame");
            return state;
        }
        if (state.Rule == Rule.Pushed)
        {
            bool movRbpRsp = ins.Code is Code.Mov_r64_rm64 or Code.Mov_rm64_r64 && ins.Op0Register == Register.RBP && ins.Op1Register == Register.RSP;
            Assert.True(movRbpRsp || (!writesRsp && ins.StackPointerIncrement == 0), $"{name}: +{ins.IP:x} {ins} between push rbp and mov rbp, rsp");
            return movRbpRsp ? new WalkState(Rule.Framed, 0) : state;
        }
        if (ins.Code == Code.Leaveq || (ins.Code == Code.Pop_r64 && ins.Op0Register == Register.RBP))
        {
            int? before = ins.Code == Code.Leaveq ? 0 : state.RspFromRbp;
            Assert.True(before == 0, $"{name}: +{ins.IP:x} {ins} with rsp = rbp{before:+0;-0} (unknown when empty)");
            return new WalkState(Rule.Entry, null);
        }
        if (ins.Code is Code.Mov_r64_rm64 or Code.Mov_rm64_r64 && ins.Op0Register == Register.RSP && ins.Op1Kind == OpKind.Register)
        {
            return state with { RspFromRbp = ins.Op1Register == Register.RBP ? 0 : null };
        }
        if (ins.Mnemonic is Mnemonic.Sub or Mnemonic.Add && writesRsp && ins.Op1Kind is OpKind.Immediate8to64 or OpKind.Immediate32to64)
        {
            long amount = ins.Mnemonic == Mnemonic.Sub ? -(long)ins.GetImmediate(1) : (long)ins.GetImmediate(1);
            return state with { RspFromRbp = state.RspFromRbp + (int)amount };
        }
        if (ins.FlowControl is FlowControl.Next && ins.StackPointerIncrement != 0)
        {
            return state with { RspFromRbp = state.RspFromRbp + ins.StackPointerIncrement };
        }
        return writesRsp ? state with { RspFromRbp = null } : state;
    }

    private static IEnumerable<int> InstructionStarts(byte[] code) => Decode(code).Select(i => (int)i.IP);

    private static List<Instruction> Decode(byte[] code)
    {
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code));
        var list = new List<Instruction>();
        while (decoder.IP < (ulong)code.Length)
        {
            decoder.Decode(out Instruction i);
            Assert.False(i.IsInvalid, $"undecodable bytes at +{i.IP:x}");
            list.Add(i);
        }
        return list;
    }

    private static string Listing(byte[] code) => string.Join('\n', Decode(code).Select(i => $"  {i.IP:x4} {i}"));

    /// <summary>A symbol and its bytes, copied when it was sealed: the auto tier frees code it has replaced.</summary>
    private readonly record struct SealedCode(CodeSymbol Symbol, byte[] Code);

    private sealed class RecordingObserver : ICodeObserver
    {
        private readonly List<SealedCode> _sealed = [];

        public SealedCode[] Sealed
        {
            get
            {
                lock (_sealed)
                {
                    return [.. _sealed];
                }
            }
        }

        public void OnCodeSealed(IReadOnlyList<CodeSymbol> symbols)
        {
            lock (_sealed)
            {
                foreach (CodeSymbol s in symbols)
                {
                    _sealed.Add(new SealedCode(s, new ReadOnlySpan<byte>((void*)s.Address, s.Size).ToArray()));
                }
            }
        }
    }
}
