using Kiln.Compiled;
using Kiln.Jit.X64;
using Kiln.Optimizing.Ir;
using Kiln.Vm;

namespace Kiln.Optimizing.Codegen;

/// <summary>
/// Loop-header interrupt and fuel checks with the store context kept in a register. The check reads the store's
/// interrupt byte (and fuel) through the store context pointer in vmctx: two dependent loads per iteration. For a loop
/// with no clobbering instruction and an allocatable register no value holds anywhere in it, the header loads the
/// pointer into that register on entry (the header's own label), and the back edges jump past that load to the check
/// itself (<see cref="LoopCheck.Inner"/>): one load per iteration, the same byte and the same fuel word as every tier
/// reads, so interrupts, epoch and time limits and fuel counts behave exactly as before.
/// </summary>
internal sealed partial class CodeEmitter
{
    /// <summary>Loops of more layout blocks keep the plain check: the planning stays linear in practice.</summary>
    private const int MaxLoopChecksBlocks = 64;

    private readonly Dictionary<int, LoopCheck> _loopChecks = [];

    /// <summary>Whether any planned loop keeps a constant in a register (<see cref="TryKeptConstant"/> has work).</summary>
    private bool _keptConstants;
    private int _currentLayoutIndex;

    /// <summary>
    /// A loop header's check with the store context in <see cref="Context"/> (when <see cref="Checks"/>), and a 64-bit
    /// constant that no immediate holds in <see cref="Constant"/> (when <see cref="KeepsConstant"/>), both loaded before
    /// <see cref="Inner"/>, for branches from layout blocks <see cref="First"/>..<see cref="Last"/>.
    /// </summary>
    private readonly record struct LoopCheck(Gpr Context, Label Inner, int First, int Last, bool Checks, bool KeepsConstant, Gpr Constant, long Bits);

    /// <summary>A register a planned loop keeps over layout blocks First..Last: the store context, or a constant's bits.</summary>
    private readonly record struct KeptRegister(Gpr Register, int First, int Last, bool IsContext, long Bits);

    /// <summary>
    /// Chooses the loops whose check keeps the store context in a register. A loop qualifies when, over the layout
    /// range from its header to its last back edge: no instruction clobbers registers (calls, helpers); no edge enters
    /// the range other than at the header, so every path into it passes the header's load; and an allocatable register
    /// is held by no value whose live interval meets the range (the allocator's positions, numbered the same way:
    /// each block start, then two per instruction), other than values never written (folded instructions, compares
    /// fused into their user). Nothing else writes an allocatable register (the emitter's scratch registers are rax,
    /// rcx and rdx), so the pointer stays there from the header to every back edge.
    /// </summary>
    private void PlanLoopChecks()
    {
        _loopChecks.Clear();
        _keptConstants = false;
        bool checks = InterruptChecks || _fuel;
        if (_f.LoopHeaders.Count == 0)
        {
            return;
        }
        List<int> layout = _f.Layout;
        int n = layout.Count;
        int[] start = Reuse(ref _loopStart, n);
        int[] end = Reuse(ref _loopEnd, n);
        bool[] clobbers = Reuse(ref _loopClobbers, n);
        int[] minPred = Reuse(ref _loopMinPred, n);
        int[] maxPred = Reuse(ref _loopMaxPred, n);
        int[] lastBackEdge = Reuse(ref _loopLastBackEdge, n);
        Array.Fill(minPred, int.MaxValue, 0, n);
        Array.Fill(maxPred, -1, 0, n);
        Array.Fill(lastBackEdge, -1, 0, n);
        int pos = 0;
        for (int k = 0; k < n; k++)
        {
            start[k] = pos;
            pos += 2;
            foreach (int inst in _f.Block(layout[k]).Insts)
            {
                clobbers[k] |= RegisterAllocator.ClobbersRegisters(_f.Inst(inst).Op);
                foreach (ref BlockCall call in _f.Targets(inst))
                {
                    int t = _layoutIndex[call.Block];
                    minPred[t] = Math.Min(minPred[t], k);
                    maxPred[t] = Math.Max(maxPred[t], k);
                    if (t <= k)
                    {
                        lastBackEdge[t] = Math.Max(lastBackEdge[t], k);
                    }
                }
                pos += 2;
            }
            // The last instruction's results are written at the odd position after its operands.
            end[k] = pos - 1;
        }
        int[][]? busyBefore = null;
        bool planned = false;
        IReadOnlyList<Gpr> candidates = AllocatableGprs;
        List<KeptRegister> kept = _kept;
        kept.Clear();
        foreach (int b in _f.LoopHeaders)
        {
            if (!_layoutIndex.TryGetValue(b, out int h))
            {
                continue;
            }
            int e = lastBackEdge[h];
            if (e < h || e - h >= MaxLoopChecksBlocks || !Enclosed(h, e, clobbers, minPred, maxPred))
            {
                continue;
            }
            bool wide = MostUsedWideConstant(h, e, out long bits);
            if (!checks && !wide)
            {
                continue;
            }
            if (!planned)
            {
                busyBefore = BusyPositions(candidates, pos);
                planned = true;
            }
            if (busyBefore is null)
            {
                return;
            }
            int context = -1;
            int constant = -1;
            for (int c = 0; c < candidates.Count && ((checks && context < 0) || (wide && constant < 0)); c++)
            {
                if (busyBefore[c][end[e] + 1] - busyBefore[c][start[h]] != 0)
                {
                    continue;
                }
                if (checks && context < 0 && FreeAmongKept(kept, candidates[c], h, e, isContext: true, 0))
                {
                    context = c;
                }
                else if (wide && constant < 0 && FreeAmongKept(kept, candidates[c], h, e, isContext: false, bits))
                {
                    constant = c;
                }
            }
            if (checks && context < 0)
            {
                continue;
            }
            bool keepsConstant = wide && constant >= 0;
            if (!checks && !keepsConstant)
            {
                continue;
            }
            Gpr contextRegister = checks ? candidates[context] : default;
            Gpr constantRegister = keepsConstant ? candidates[constant] : default;
            _loopChecks[b] = new LoopCheck(contextRegister, _asm.CreateLabel(), h, e, checks, keepsConstant, constantRegister, bits);
            if (checks)
            {
                kept.Add(new KeptRegister(contextRegister, h, e, IsContext: true, 0));
            }
            if (keepsConstant)
            {
                kept.Add(new KeptRegister(constantRegister, h, e, IsContext: false, bits));
                _keptConstants = true;
            }
        }
    }

    /// <summary>
    /// Whether register <paramref name="r"/> may hold the context (or <paramref name="bits"/>) over layout blocks h..e:
    /// no other planned loop whose range meets that one keeps something else in it (nested loops load their own copy
    /// on entry, which is harmless only when it is the same content).
    /// </summary>
    private static bool FreeAmongKept(List<KeptRegister> kept, Gpr r, int h, int e, bool isContext, long bits)
    {
        foreach (KeptRegister k in kept)
        {
            if (k.Register == r && Math.Max(k.First, h) <= Math.Min(k.Last, e) && (k.IsContext != isContext || k.Bits != bits))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The 64-bit constant (one no sign-extended imm32 holds) most often the second operand of an i64 add, sub, and, or,
    /// xor or mul in layout blocks h..e, as <see cref="IntBinary"/> reads it from a register (the FNV prime of a hash loop):
    /// each such use loads it with a movabs unless the loop keeps it in a register.
    /// </summary>
    private bool MostUsedWideConstant(int h, int e, out long bits)
    {
        bits = 0;
        int best = 0;
        Dictionary<long, int>? counts = null;
        for (int k = h; k <= e; k++)
        {
            foreach (int inst in _f.Block(_f.Layout[k]).Insts)
            {
                if (!WideConstantOperand(inst, out long b))
                {
                    continue;
                }
                counts ??= [];
                int c = counts.GetValueOrDefault(b) + 1;
                counts[b] = c;
                if (c > best)
                {
                    best = c;
                    bits = b;
                }
            }
        }
        return best > 0;
    }

    /// <summary>An i64 add, sub, and, or, xor or mul that <see cref="IntBinary"/> emits with a wide constant as its register operand.</summary>
    private bool WideConstantOperand(int inst, out long bits)
    {
        bits = 0;
        ref InstData d = ref _f.Inst(inst);
        if (d.Type != IrType.I64 || d.Op is not (Op.Iadd or Op.Isub or Op.Band or Op.Bor or Op.Bxor or Op.Imul) || _folded[inst]
            || _keepsFlags[inst] || Loc(_f.Result(inst)).Kind != LocationKind.Gpr)
        {
            return false;
        }
        Span<int> a = _f.Args(inst);
        if (IsFolded(a[1]))
        {
            return false;
        }
        Location x = Loc(a[0]);
        Location y = Loc(a[1]);
        if (d.Op != Op.Isub && x.Kind == LocationKind.Const && y.Kind != LocationKind.Const)
        {
            (x, y) = (y, x);
        }
        if (y.Kind != LocationKind.Const || x.Kind == LocationKind.Const || y.Bits == (int)y.Bits)
        {
            return false;
        }
        bits = y.Bits;
        return true;
    }

    /// <summary>The register the loop being emitted keeps <paramref name="bits"/> in, if it keeps them.</summary>
    private bool TryKeptConstant(long bits, out Gpr r)
    {
        r = default;
        if (!_keptConstants)
        {
            return false;
        }
        foreach (LoopCheck c in _loopChecks.Values)
        {
            if (c.KeepsConstant && c.Bits == bits && _currentLayoutIndex >= c.First && _currentLayoutIndex <= c.Last)
            {
                r = c.Constant;
                return true;
            }
        }
        return false;
    }

    /// <summary>No clobbering instruction in layout blocks h..e, and every edge into h+1..e comes from h..e.</summary>
    private static bool Enclosed(int h, int e, bool[] clobbers, int[] minPred, int[] maxPred)
    {
        for (int k = h; k <= e; k++)
        {
            if (clobbers[k] || (k > h && (minPred[k] < h || maxPred[k] > e)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Per candidate register: the number of positions before each position at which a value holds it (a prefix sum
    /// over the allocation's intervals), so whether a range is free is one subtraction.
    /// </summary>
    private int[][]? BusyPositions(IReadOnlyList<Gpr> candidates, int positions)
    {
        int[][] busy = _busy;
        int[] column = new int[16];
        Array.Fill(column, -1);
        for (int c = 0; c < candidates.Count; c++)
        {
            Reuse(ref busy[c], positions + 2);
            column[candidates[c].Index] = c;
        }
        // A folded instruction and a compare fused into its branch or select (or left in the flags for it) have
        // registers in the allocation but are never written there.
        bool[] unwritten = Reuse(ref _unwritten, _f.ValueCount);
        foreach (int b in _f.Layout)
        {
            List<int> insts = _f.Block(b).Insts;
            for (int i = 0; i < insts.Count; i++)
            {
                if (_folded[insts[i]] || _earlyCompare[insts[i]] || IsFusedCompare(insts[i], i + 1 < insts.Count ? insts[i + 1] : -1))
                {
                    foreach (int r in _f.ResultValues(insts[i]))
                    {
                        unwritten[r] = true;
                    }
                }
            }
        }
        Location[] values = _alloc.Values;
        (int Start, int End)[] intervals = _alloc.Intervals;
        // The allocation's arrays may be longer than the value count (reused buffers).
        for (int v = 0; v < _f.ValueCount; v++)
        {
            (int s, int e) = intervals[v];
            if (!_f.ValueExists(v) || unwritten[v] || values[v].Kind != LocationKind.Gpr || s > e || column[values[v].Reg] < 0)
            {
                continue;
            }
            if (s < 0 || e >= positions)
            {
                // Not the positions numbered here: keep every plain check rather than guess.
                return null;
            }
            // Difference array first: +1 where the interval starts, -1 after it ends (clamped to the numbered positions).
            int[] d = busy[column[values[v].Reg]];
            d[s]++;
            d[e + 1]--;
        }
        for (int c = 0; c < candidates.Count; c++)
        {
            int[] d = busy[c];
            // Occupancy per position, then the count of occupied positions before each one.
            int running = 0;
            int before = 0;
            for (int p = 0; p <= positions; p++)
            {
                running += d[p];
                d[p] = before;
                before += running > 0 ? 1 : 0;
            }
            d[positions + 1] = before;
        }
        return busy;
    }

    /// <summary>Where a branch from the block being emitted to <paramref name="block"/> goes: past a loop header's context load when it comes from inside that loop.</summary>
    private Label BlockTarget(int block)
    {
        if (_loopChecks.TryGetValue(block, out LoopCheck c) && _currentLayoutIndex >= c.First && _currentLayoutIndex <= c.Last)
        {
            return c.Inner;
        }
        return _blockLabels[block];
    }

    /// <summary>A loop header's interrupt and fuel checks: through a register kept over the loop, or as at function entry.</summary>
    private void EmitLoopHeaderCheck(int block)
    {
        if (!_loopChecks.TryGetValue(block, out LoopCheck c))
        {
            EmitInterruptCheck(loadContext: true);
            return;
        }
        if (c.KeepsConstant)
        {
            _asm.MovImm(c.Constant, c.Bits);
        }
        if (!c.Checks)
        {
            _asm.Bind(c.Inner);
            return;
        }
        _asm.Mov(OperandSize.S64, c.Context, Mem.At(s_vmctx, VmOffsets.StoreContext));
        _asm.Bind(c.Inner);
        Label interrupted = InterruptChecks ? TrapLabel(TrapCode.Interrupted) : default;
        Label outOfFuel = _fuel ? TrapLabel(TrapCode.OutOfFuel) : default;
        FrameSequences.InterruptCheck(_asm, c.Context, interrupted, outOfFuel);
    }
}
