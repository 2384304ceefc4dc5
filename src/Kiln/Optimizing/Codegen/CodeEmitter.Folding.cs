using Kiln.Jit.X64;
using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Codegen;

/// <summary>
/// Operand folding: an instruction whose only use is the instruction right after it is not emitted on its own but
/// becomes part of that user's x86 instruction. Address arithmetic (<c>iadd</c>, <c>ishl</c> by 1-3) becomes one
/// 32-bit <c>lea</c> into the access's index register; a full-width load becomes the memory operand of the float or
/// integer arithmetic that uses it (<c>mulsd xmm, [r14 + rcx]</c>).
/// </summary>
/// <remarks>
/// Why adjacency: the folded instruction's operands are read where its user is emitted. The allocator may give their
/// registers to values defined from the folded instruction on, but nothing is emitted between the two (the folded
/// value itself is never written), so the registers still hold the operands. The same holds for a load moved into its
/// user: nothing with an effect comes between, so its trap, if any, happens in the same order as before. A folded value
/// must have no frame home (it crosses no call, being used right after its definition).
/// </remarks>
internal sealed partial class CodeEmitter
{
    /// <summary>Per instruction id: emitted as part of the next instruction (<see cref="PlanFolds"/>).</summary>
    private bool[] _folded = [];

    /// <summary>Decides every fold of the function before emission, from use counts, types and the allocation.</summary>
    private void PlanFolds()
    {
        if (_folded.Length < _f.InstCount)
        {
            _folded = new bool[_f.InstCount];
        }
        else
        {
            Array.Clear(_folded, 0, _f.InstCount);
        }
        foreach (int b in _f.Layout)
        {
            List<int> insts = _f.Block(b).Insts;
            for (int i = 0; i < insts.Count; i++)
            {
                int inst = insts[i];
                int p = EmittingBefore(insts, i);
                int prev = p >= 0 ? insts[p] : -1;
                ref InstData d = ref _f.Inst(inst);
                if (OpInfo.IsLoad(d.Op) || OpInfo.IsStore(d.Op))
                {
                    int index = _f.Args(inst)[0];
                    int pp = p >= 0 ? EmittingBefore(insts, p) : -1;
                    if (prev >= 0 && FoldableDefinition(index, prev) && CanComputeAddress(prev, pp >= 0 ? insts[pp] : -1, out int scaled))
                    {
                        _folded[prev] = true;
                        if (scaled >= 0)
                        {
                            _folded[scaled] = true;
                        }
                    }
                }
                else if (d.Op == Op.Iadd && d.Type == IrType.I32 && !_folded[inst] && RecomputableAddress(insts, i))
                {
                    _folded[inst] = true;
                }
                if (!_folded[inst] && IsFoldableArithmetic(inst, d))
                {
                    Span<int> a = _f.Args(inst);
                    if (prev >= 0 && a[0] != a[1] && FoldableDefinition(a[1], prev) && IsFoldableLoad(prev, d.Type))
                    {
                        _folded[prev] = true;
                    }
                }
            }
        }
    }

    /// <summary>
    /// An i32 <c>iadd x, c</c> or <c>iadd x, y</c> (registers) used only as the index of accesses later in its block,
    /// whose register operands are used again after the last of them: each access recomputes it with its own lea
    /// (their live ranges keep the operands' registers theirs), and the sum needs no register of its own. The window
    /// scanned is bounded, so planning stays linear.
    /// </summary>
    private bool RecomputableAddress(List<int> insts, int at)
    {
        const int Window = 64;
        int inst = insts[at];
        int v = _f.Result(inst);
        if (_useCount[v] < 2 || _alloc.Homes[v].Kind != LocationKind.None)
        {
            return false;
        }
        Span<int> a = _f.Args(inst);
        if (AnyFolded(a))
        {
            return false;
        }
        int x = a[0];
        int y = a[1];
        if (Loc(x).Kind != LocationKind.Gpr)
        {
            (x, y) = (y, x);
        }
        if (Loc(x).Kind != LocationKind.Gpr || Loc(y).Kind is not (LocationKind.Gpr or LocationKind.Const))
        {
            return false;
        }
        bool yLive = Loc(y).Kind == LocationKind.Const;
        int seen = 0;
        bool xLive = false;
        for (int j = at + 1; j < insts.Count && j <= at + Window; j++)
        {
            int user = insts[j];
            ref InstData ud = ref _f.Inst(user);
            Span<int> args = _f.Args(user);
            for (int k = 0; k < args.Length; k++)
            {
                if (args[k] == v)
                {
                    if (k != 0 || !(OpInfo.IsLoad(ud.Op) || OpInfo.IsStore(ud.Op)))
                    {
                        return false;
                    }
                    seen++;
                }
            }
            if (seen == _useCount[v])
            {
                // After the last use: are the operands used again (in this block)?
                for (int n = j + 1; n < insts.Count && n <= j + Window && !(xLive && yLive); n++)
                {
                    xLive |= UsesValue(insts[n], x);
                    yLive |= UsesValue(insts[n], y);
                }
                return xLive && yLive;
            }
            foreach (ref BlockCall call in _f.Targets(user))
            {
                if (_f.CallArgs(call).Contains(v))
                {
                    return false;
                }
            }
        }
        return false;
    }

    private bool AnyFolded(Span<int> values)
    {
        foreach (int v in values)
        {
            if (IsFolded(v))
            {
                return true;
            }
        }
        return false;
    }

    private bool UsesValue(int inst, int v)
    {
        if (_f.Args(inst).Contains(v))
        {
            return true;
        }
        foreach (ref BlockCall call in _f.Targets(inst))
        {
            if (_f.CallArgs(call).Contains(v))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The position of the nearest instruction before <paramref name="at"/> that is not a scalar constant (-1 if none):
    /// constants are rematerialized at their uses and emit nothing where they stand, so they do not break adjacency.
    /// </summary>
    private int EmittingBefore(List<int> insts, int at)
    {
        for (int j = at - 1; j >= 0; j--)
        {
            if (_f.Inst(insts[j]).Op is not (Op.Iconst or Op.Fconst))
            {
                return j;
            }
        }
        return -1;
    }

    /// <summary>Value <paramref name="v"/> is the one result of <paramref name="inst"/>, used once, with no frame home.</summary>
    private bool FoldableDefinition(int v, int inst)
    {
        ref ValueData vd = ref _f.Value(v);
        return !vd.IsParam && vd.Owner == inst && _f.Inst(inst).ResultCount == 1 && _useCount[v] == 1
            && _alloc.Homes[v].Kind == LocationKind.None;
    }

    /// <summary>
    /// Whether the i32 <paramref name="inst"/> (an access's index) is one lea: <c>iadd x, c</c>, <c>iadd x, y</c>,
    /// <c>iadd x, (ishl y, k)</c> or <c>iadd (iadd x, y), c</c> with the inner instruction right before it (returned as
    /// <paramref name="scaled"/>) or
    /// <c>ishl y, k</c>, k in 1-3, its register operands in registers.
    /// </summary>
    private bool CanComputeAddress(int inst, int before, out int scaled)
    {
        scaled = -1;
        ref InstData d = ref _f.Inst(inst);
        if (d.Type != IrType.I32)
        {
            return false;
        }
        Span<int> a = _f.Args(inst);
        if (AnyFolded(a))
        {
            // An operand that is itself folded (a load into this add) has no value in its register.
            return false;
        }
        if (d.Op == Op.Ishl)
        {
            return ScaleOf(inst) > 0 && Loc(a[0]).Kind == LocationKind.Gpr;
        }
        if (d.Op != Op.Iadd)
        {
            return false;
        }
        for (int side = 0; side < 2 && before >= 0 && !AnyFolded(_f.Args(before)); side++)
        {
            int s = a[side];
            int other = a[1 - side];
            if (Loc(other).Kind == LocationKind.Gpr && FoldableDefinition(s, before) && _f.Inst(before).Op == Op.Ishl
                && _f.Inst(before).Type == IrType.I32 && ScaleOf(before) > 0 && Loc(_f.Args(before)[0]).Kind == LocationKind.Gpr)
            {
                scaled = before;
                return true;
            }
            if (Loc(other).Kind == LocationKind.Const && FoldableDefinition(s, before) && _f.Inst(before).Op == Op.Iadd
                && _f.Inst(before).Type == IrType.I32 && Loc(_f.Args(before)[0]).Kind == LocationKind.Gpr
                && Loc(_f.Args(before)[1]).Kind == LocationKind.Gpr)
            {
                // (x + y) + c: lea ecx, [x + y + c].
                scaled = before;
                return true;
            }
        }
        LocationKind k0 = Loc(a[0]).Kind;
        LocationKind k1 = Loc(a[1]).Kind;
        return k0 == LocationKind.Gpr && (k1 is LocationKind.Gpr or LocationKind.Const)
            || k1 == LocationKind.Gpr && k0 == LocationKind.Const;
    }

    /// <summary>The multiplier of <c>ishl y, k</c> with a constant k (masked to 5 bits, as Wasm does) of 1-3, else 0.</summary>
    private int ScaleOf(int shift)
    {
        Location count = Loc(_f.Args(shift)[1]);
        if (count.Kind != LocationKind.Const)
        {
            return 0;
        }
        int k = (int)(count.Bits & 31);
        return k is >= 1 and <= 3 ? 1 << k : 0;
    }

    /// <summary>
    /// The folded index of an access into rcx with one 32-bit lea: the sum wraps modulo 2^32 exactly as Wasm's i32.add and
    /// i32.shl do, and a 32-bit destination is zero-extended whatever the operands' upper halves hold.
    /// </summary>
    private void EmitFoldedIndex(int inst)
    {
        Span<int> a = _f.Args(inst);
        if (_f.Inst(inst).Op == Op.Ishl)
        {
            _asm.Lea(OperandSize.S32, Gpr.Rcx, Mem.Indexed(Loc(a[0]).Gpr, ScaleOf(inst), 0));
            return;
        }
        Location l0 = Loc(a[0]);
        Location l1 = Loc(a[1]);
        for (int side = 0; side < 2; side++)
        {
            ref ValueData inner = ref _f.Value(a[side]);
            if (Loc(a[1 - side]).Kind == LocationKind.Const && !inner.IsParam && _folded[inner.Owner])
            {
                Span<int> xy = _f.Args(inner.Owner);
                int disp = unchecked((int)(uint)Loc(a[1 - side]).Bits);
                _asm.Lea(OperandSize.S32, Gpr.Rcx, Mem.At(Loc(xy[0]).Gpr, Loc(xy[1]).Gpr, 1, disp));
                return;
            }
        }
        if (l1.Kind == LocationKind.Const)
        {
            _asm.Lea(OperandSize.S32, Gpr.Rcx, Mem.At(l0.Gpr, unchecked((int)(uint)l1.Bits)));
            return;
        }
        if (l0.Kind == LocationKind.Const)
        {
            _asm.Lea(OperandSize.S32, Gpr.Rcx, Mem.At(l1.Gpr, unchecked((int)(uint)l0.Bits)));
            return;
        }
        for (int side = 0; side < 2; side++)
        {
            ref ValueData vd = ref _f.Value(a[side]);
            if (!vd.IsParam && _folded[vd.Owner])
            {
                int shift = vd.Owner;
                _asm.Lea(OperandSize.S32, Gpr.Rcx, Mem.At(Loc(a[1 - side]).Gpr, Loc(_f.Args(shift)[0]).Gpr, ScaleOf(shift), 0));
                return;
            }
        }
        _asm.Lea(OperandSize.S32, Gpr.Rcx, Mem.At(l0.Gpr, l1.Gpr, 1, 0));
    }

    /// <summary>Whether the value is computed by a folded instruction (never written to its own location).</summary>
    private bool IsFolded(int value)
    {
        ref ValueData vd = ref _f.Value(value);
        return !vd.IsParam && _folded[vd.Owner];
    }

    /// <summary>Float add/sub/mul/div, and integer add/sub/and/or/xor/mul whose result lives in a register.</summary>
    private bool IsFoldableArithmetic(int inst, in InstData d)
    {
        if (d.Type is IrType.F32 or IrType.F64)
        {
            return d.Op is Op.Fadd or Op.Fsub or Op.Fmul or Op.Fdiv;
        }
        return d.Type is IrType.I32 or IrType.I64 && d.Op is Op.Iadd or Op.Isub or Op.Band or Op.Bor or Op.Bxor or Op.Imul
            && Loc(_f.Result(inst)).Kind == LocationKind.Gpr;
    }

    /// <summary>A plain load of the arithmetic's own type (no extension), so its memory operand reads the same bytes.</summary>
    private bool IsFoldableLoad(int inst, IrType type)
    {
        ref InstData d = ref _f.Inst(inst);
        return d.Op == Op.Load && d.Type == type;
    }

    /// <summary>The memory operand of a folded load (its bounds check done, or the trap site to mark next).</summary>
    private Mem FoldedLoadAddress(int value, out bool trapSite, Gpr written)
    {
        int load = _f.Value(value).Owner;
        ref InstData d = ref _f.Inst(load);
        return EffectiveAddress(_f.Args(load)[0], (uint)d.Imm, OpInfo.AccessSize(d.Op, d.Type), out trapSite, inPlace: true, written);
    }

    /// <summary>Integer arithmetic with a folded load as its second operand: <c>op dst, [address]</c>.</summary>
    private void IntBinaryFromMemory(int inst, Op op, OperandSize size, int x, int y)
    {
        // The address first: it is formed in rcx (and rax for a check), which no operand occupies, while the result's
        // register may be the one the index had.
        int result = _f.Result(inst);
        Gpr dst = Loc(result).Gpr;
        Mem m = FoldedLoadAddress(y, out bool site, written: dst);
        LoadGprInto(x, dst);
        if (site)
        {
            MarkTrapSite();
        }
        IntegerArithmetic(op, size, dst, m);
        if (op != Op.Imul)
        {
            RecordZeroFlag(result);
        }
    }

    /// <summary>Float arithmetic with a folded load as its second operand: <c>mulsd dst, [address]</c>.</summary>
    private void FloatBinaryFromMemory(int inst, Op op, bool f64, int x, int y)
    {
        // Only an xmm register is written before the access: the index may stay in its own register.
        Mem m = FoldedLoadAddress(y, out bool site, written: Gpr.Rcx);
        int result = _f.Result(inst);
        Xmm dst = DestXmm(result, Xmm.Xmm0);
        if (Vex)
        {
            Xmm first = UseXmm(x, Xmm.Xmm0);
            if (site)
            {
                MarkTrapSite();
            }
            FloatArithmetic(op, f64, dst, first, m);
            DefXmm(result, dst);
            return;
        }
        LoadXmmInto(x, dst);
        if (site)
        {
            MarkTrapSite();
        }
        FloatArithmetic(op, f64, dst, m);
        DefXmm(result, dst);
    }

    /// <summary>Per instruction id: a compare emitted as flags where it stands, for the block's brif (<see cref="PlanEarlyCompares"/>).</summary>
    private bool[] _earlyCompare = [];

    /// <summary>Per instruction id: an add emitted as lea, which leaves the flags of an early compare alone.</summary>
    private bool[] _keepsFlags = [];

    /// <summary>The condition an early compare left in the flags, for the brif that ends its block.</summary>
    private Condition _earlyCondition;

    /// <summary>
    /// A compare whose only use is its block's brif, with only additions between them (typically a loop counter's
    /// increment after the exit test): the compare is emitted where it stands as a cmp, each addition as a lea (no
    /// flags written), and the brif jumps on the flags, instead of setcc, movzx and test. Only an iadd, or an isub of
    /// an immediate, from a register into a register, and constants (which emit nothing) may come between.
    /// </summary>
    private void PlanEarlyCompares()
    {
        if (_earlyCompare.Length < _f.InstCount)
        {
            _earlyCompare = new bool[_f.InstCount];
            _keepsFlags = new bool[_f.InstCount];
        }
        else
        {
            Array.Clear(_earlyCompare, 0, _f.InstCount);
            Array.Clear(_keepsFlags, 0, _f.InstCount);
        }
        foreach (int b in _f.Layout)
        {
            List<int> insts = _f.Block(b).Insts;
            int n = insts.Count;
            if (n < 3 || _f.Inst(insts[n - 1]).Op != Op.Brif)
            {
                continue;
            }
            int cond = _f.Args(insts[n - 1])[0];
            ref ValueData cv = ref _f.Value(cond);
            if (cv.IsParam || _useCount[cond] != 1 || _f.Inst(cv.Owner).Block != b || !FusibleCompare(_f.Inst(cv.Owner).Op) || _folded[cv.Owner])
            {
                continue;
            }
            int at = insts.IndexOf(cv.Owner);
            if (at < 0 || at >= n - 2)
            {
                // Right before the brif: the plain fusion handles it.
                continue;
            }
            bool safe = true;
            for (int i = at + 1; i < n - 1 && safe; i++)
            {
                safe = KeepsFlagsAsLea(insts[i]);
            }
            if (!safe)
            {
                continue;
            }
            _earlyCompare[cv.Owner] = true;
            for (int i = at + 1; i < n - 1; i++)
            {
                _keepsFlags[insts[i]] = true;
            }
        }
    }

    /// <summary>Whether the instruction emits nothing (a constant) or can be emitted as one lea.</summary>
    private bool KeepsFlagsAsLea(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        if (d.Op == Op.Iconst)
        {
            return true;
        }
        if (_folded[inst] || d.Type is not (IrType.I32 or IrType.I64) || d.Op is not (Op.Iadd or Op.Isub))
        {
            return false;
        }
        OperandSize size = SizeOf(d.Type);
        Span<int> a = _f.Args(inst);
        if (Loc(_f.Result(inst)).Kind != LocationKind.Gpr)
        {
            return false;
        }
        if (d.Op == Op.Isub)
        {
            return Loc(a[0]).Kind == LocationKind.Gpr && TryImm(a[1], size, out int imm) && imm != int.MinValue;
        }
        Location l0 = Loc(a[0]);
        Location l1 = Loc(a[1]);
        return (l0.Kind == LocationKind.Gpr && (l1.Kind == LocationKind.Gpr || TryImm(a[1], size, out _)))
            || (l1.Kind == LocationKind.Gpr && TryImm(a[0], size, out _));
    }

    /// <summary>An add or subtract planned by <see cref="PlanEarlyCompares"/>: one lea into the result's register.</summary>
    private void EmitAddKeepingFlags(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        OperandSize size = SizeOf(d.Type);
        Span<int> a = _f.Args(inst);
        Gpr dst = Loc(_f.Result(inst)).Gpr;
        int x = a[0], y = a[1];
        if (Loc(x).Kind != LocationKind.Gpr)
        {
            (x, y) = (y, x);
        }
        Gpr rx = Loc(x).Gpr;
        if (Loc(y).Kind == LocationKind.Gpr)
        {
            _asm.Lea(size, dst, Mem.At(rx, Loc(y).Gpr, 1, 0));
            return;
        }
        TryImm(y, size, out int imm);
        // A 32-bit lea wraps and zero-extends like the 32-bit add or sub.
        _asm.Lea(size, dst, Mem.At(rx, d.Op == Op.Isub ? -imm : imm));
    }
}
