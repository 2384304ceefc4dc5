using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Passes;

/// <summary>
/// Constant folding and algebraic simplification with Wasm's semantics exactly (<see cref="IrSemantics"/>):
/// integer arithmetic wraps, shift counts are masked, a division or conversion that would trap is left in place (the
/// trap is the program's behaviour), and a float operation is folded only when neither an operand nor the result is
/// a NaN, because NaN payloads are where engines may differ. Sign-bit operations (neg, abs, copysign) and bit casts
/// are exact on every input and always fold. Constant branch conditions turn brif and br_table into jumps; the
/// blocks that leaves unreachable are <see cref="DeadCodeElimination"/>'s to remove. SIMD instructions on integer
/// lanes fold through the interpreter's SIMD code (<see cref="IrSimdSemantics"/>); ref_is_null folds when its
/// operand is a ref_null or ref_func; select folds for every type; memory, table and bulk operations are effects
/// and stay.
/// </summary>
/// <remarks>
/// A folded instruction becomes a constant in place, keeping its result id; a simplified one (x + 0) is removed and
/// its uses take the operand. Blocks are visited in reverse postorder, so an operand's replacement is known before
/// its use (back edges only carry block arguments, which are rewritten at the end).
/// </remarks>
internal static class ConstantFolding
{
    /// <summary>
    /// The replacement map, kept per thread and reused from function to function: the identity over its whole length
    /// between runs (each run restores the entries it may have written), so it reads as <see cref="IrFunction.IdentityMap"/>.
    /// </summary>
    [ThreadStatic]
    private static int[]? t_map;

    public static bool Run(IrFunction f)
    {
        int[] map = t_map is { } m && m.Length >= f.ValueCount ? m : NewIdentity(f.ValueCount, t_map?.Length ?? 0);
        t_map = map;
        try
        {
            return Run(f, map);
        }
        finally
        {
            // Only results of the function's instructions are written, all below its value count.
            for (int i = 0; i < f.ValueCount; i++)
            {
                map[i] = i;
            }
        }
    }

    private static int[] NewIdentity(int length, int previous)
    {
        int[] map = new int[Math.Max(length, previous * 2)];
        for (int i = 0; i < map.Length; i++)
        {
            map[i] = i;
        }
        return map;
    }

    private static bool Run(IrFunction f, int[] map)
    {
        DominatorTree dom = f.Dominators;
        bool changed = false;
        foreach (int b in dom.ReversePostorder)
        {
            bool blockChanged = false;
            foreach (int inst in f.Block(b).Insts)
            {
                Span<int> args = f.Args(inst);
                for (int i = 0; i < args.Length; i++)
                {
                    args[i] = IrFunction.Resolve(map, args[i]);
                }
                blockChanged |= Fold(f, inst, map);
            }
            if (blockChanged)
            {
                f.RemoveKilledInsts(b);
                changed = true;
            }
        }
        if (changed)
        {
            f.RewriteUses(map);
        }
        return changed;
    }

    private static bool Fold(IrFunction f, int inst, int[] map)
    {
        ref InstData d = ref f.Inst(inst);
        Op op = d.Op;
        OpKind kind = OpInfo.Kind(op);
        if (op is Op.Brif or Op.BrTable)
        {
            return FoldBranch(f, inst);
        }
        if (kind is not (OpKind.Pure or OpKind.Trapping) || op is Op.Iconst or Op.Fconst or Op.Vconst or Op.RefNull or Op.RefFunc)
        {
            return false;
        }
        Span<int> args = f.Args(inst);
        if (op == Op.RefIsNull)
        {
            // Only a reference whose origin is in sight is known: ref_null is null, ref_func never is.
            Op source = f.Value(args[0]).IsParam ? Op.Trap : f.Inst(f.Value(args[0]).Owner).Op;
            if (source is Op.RefNull or Op.RefFunc)
            {
                MakeConstant(f, inst, IrType.I32, source == Op.RefNull ? 1ul : 0ul);
                return true;
            }
            return false;
        }
        if (op == Op.Simd)
        {
            return FoldSimd(f, inst);
        }
        if (op == Op.Select)
        {
            if (IsConst(f, args[0], out ulong c))
            {
                return Replace(f, inst, map, c != 0 ? args[1] : args[2]);
            }
            return args[1] == args[2] && Replace(f, inst, map, args[1]);
        }
        bool allConst = true;
        Span<ulong> bits = stackalloc ulong[2];
        for (int i = 0; i < args.Length; i++)
        {
            allConst &= IsConst(f, args[i], out bits[i]);
        }
        if (allConst)
        {
            return FoldConstant(f, inst, bits);
        }
        if (d.Type.IsInt() && args.Length == 2)
        {
            return Simplify(f, inst, map);
        }
        return false;
    }

    private static bool FoldConstant(IrFunction f, int inst, ReadOnlySpan<ulong> bits)
    {
        ref InstData d = ref f.Inst(inst);
        Span<int> args = f.Args(inst);
        IrType source = f.Value(args[0]).Type;
        IrType resultType = f.Value(f.Result(inst)).Type;
        bool exactOnAnyInput = d.Op is Op.Fneg or Op.Fabs or Op.Fcopysign or Op.Bitcast;
        if (!exactOnAnyInput && (IrSemantics.IsNaN(source, bits[0]) || (args.Length > 1 && IrSemantics.IsNaN(source, bits[1]))))
        {
            return false;
        }
        ulong result;
        try
        {
            result = IrSemantics.Evaluate(d.Op, d.Type, source, bits[0], bits[1]);
        }
        catch (TrapException)
        {
            // The trap is what the program does at this point: it stays.
            return false;
        }
        if (!exactOnAnyInput && IrSemantics.IsNaN(resultType, result))
        {
            return false;
        }
        MakeConstant(f, inst, resultType, result);
        return true;
    }

    private static void MakeConstant(IrFunction f, int inst, IrType type, ulong bits)
    {
        ref InstData d = ref f.Inst(inst);
        d.Op = type.IsInt() ? Op.Iconst : Op.Fconst;
        d.Type = type;
        d.Imm = IrSemantics.ConstImm(type, bits);
        d.ArgCount = 0;
    }

    /// <summary>
    /// A SIMD instruction whose operands are all constants, computed by the interpreter's SIMD code. Instructions
    /// that read or produce float lanes are left alone: their NaN payloads are where engines may differ, and a lane
    /// of an f32x4 that is a NaN is not visible to the scalar NaN checks.
    /// </summary>
    private static unsafe bool FoldSimd(IrFunction f, int inst)
    {
        ref InstData d = ref f.Inst(inst);
        Wasm.Model.OpcodeInfo? info = SimdInfo.TryGet(d.Aux);
        if (info is null || SimdInfo.TouchesFloats(info))
        {
            return false;
        }
        Span<int> args = f.Args(inst);
        Span<UInt128> operands = stackalloc UInt128[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            if (!IsConst(f, args[i], out ulong scalar) && !IsVconst(f, args[i], out operands[i]))
            {
                return false;
            }
            if (f.Value(args[i]).Type != IrType.V128)
            {
                operands[i] = scalar;
            }
        }
        bool shuffle = info.Immediate == Wasm.Model.ImmediateKind.Shuffle;
        UInt128 result = IrSimdSemantics.Evaluate(d.Aux, operands, 0, shuffle ? 0 : (int)d.Imm, shuffle ? f.Constants[(int)d.Imm] : 0, null, 0);
        if (d.Type == IrType.V128)
        {
            d.Op = Op.Vconst;
            d.Imm = f.InternConstant(result);
            d.Aux = 0;
            d.ArgCount = 0;
        }
        else
        {
            MakeConstant(f, inst, d.Type, (ulong)result);
            d.Aux = 0;
        }
        return true;
    }

    private static bool IsVconst(IrFunction f, int value, out UInt128 bits)
    {
        ValueData v = f.Value(value);
        if (!v.IsParam && f.Inst(v.Owner).Op == Op.Vconst)
        {
            bits = f.Constants[(int)f.Inst(v.Owner).Imm];
            return true;
        }
        bits = 0;
        return false;
    }

    /// <summary>Integer identities with one constant operand or equal operands; constants move to the right of commutative ops.</summary>
    private static bool Simplify(IrFunction f, int inst, int[] map)
    {
        ref InstData d = ref f.Inst(inst);
        Span<int> args = f.Args(inst);
        bool commutative = d.Op is Op.Iadd or Op.Imul or Op.Band or Op.Bor or Op.Bxor or Op.Ieq or Op.Ine;
        bool changed = false;
        if (commutative && IsConst(f, args[0], out _) && !IsConst(f, args[1], out _))
        {
            (args[0], args[1]) = (args[1], args[0]);
            changed = true;
        }
        int x = args[0];
        ulong ones = d.Type == IrType.I64 ? ulong.MaxValue : uint.MaxValue;
        int countMask = d.Type == IrType.I64 ? 63 : 31;
        if (IsConst(f, args[1], out ulong c))
        {
            switch (d.Op)
            {
                case Op.Iadd or Op.Isub or Op.Bor or Op.Bxor when c == 0:
                case Op.Ishl or Op.Sshr or Op.Ushr or Op.Rotl or Op.Rotr when ((int)c & countMask) == 0:
                case Op.Imul or Op.Sdiv or Op.Udiv when c == 1:
                case Op.Band when c == ones:
                    return Replace(f, inst, map, x);
                case Op.Imul or Op.Band when c == 0:
                    MakeConstant(f, inst, d.Type, 0);
                    return true;
                // x & c where x has no bit outside c (a byte load masked with 0xff, also through block parameters).
                case Op.Band when (MaybeSetBits(f, x, map, 0, []) & ~c & ones) == 0:
                    return Replace(f, inst, map, x);
                case Op.Bor when c == ones:
                    MakeConstant(f, inst, d.Type, ones);
                    return true;
                // x rem 1 is 0 for every x and cannot trap (x rem -1 is 0 too, and rem never overflows: spec 4.3.2).
                case Op.Srem or Op.Urem when c == 1:
                case Op.Srem when c == ones:
                    MakeConstant(f, inst, d.Type, 0);
                    return true;
            }
        }
        if (args[0] == args[1])
        {
            switch (d.Op)
            {
                case Op.Isub or Op.Bxor:
                    MakeConstant(f, inst, d.Type, 0);
                    return true;
                case Op.Band or Op.Bor:
                    return Replace(f, inst, map, x);
                case Op.Ieq or Op.Isle or Op.Iule or Op.Isge or Op.Iuge:
                    MakeConstant(f, inst, IrType.I32, 1);
                    return true;
                case Op.Ine or Op.Islt or Op.Iult or Op.Isgt or Op.Iugt:
                    MakeConstant(f, inst, IrType.I32, 0);
                    return true;
            }
        }
        return changed;
    }

    /// <summary>How deep <see cref="MaybeSetBits"/> looks through operands and block parameters.</summary>
    private const int KnownBitsDepth = 6;

    /// <summary>
    /// The bits integer <paramref name="value"/> may have set (a bit clear here is zero on every execution): a narrow
    /// unsigned load's width, a constant's bits, a compare's 1, the bitwise operations and extensions over their
    /// operands', and a block parameter's union over the arguments of every edge into its block.
    /// </summary>
    /// <remarks>
    /// A parameter already on the path being followed (<paramref name="visiting"/>) counts as no bits: every operation
    /// followed only keeps or drops bits where they are (and, or, xor, wrap, uextend), so a value that goes around a
    /// loop has no bit the values entering the loop did not have, and the union over the other arguments is the least
    /// fixed point. Shifts and arithmetic move bits and end the search (all bits).
    /// </remarks>
    private static ulong MaybeSetBits(IrFunction f, int value, int[] map, int depth, ReadOnlySpan<int> visiting)
    {
        value = IrFunction.Resolve(map, value);
        ValueData v = f.Value(value);
        ulong all = v.Type == IrType.I64 ? ulong.MaxValue : v.Type == IrType.I32 ? uint.MaxValue : ulong.MaxValue;
        if (depth >= KnownBitsDepth)
        {
            return all;
        }
        if (v.IsParam)
        {
            return ParamMaybeSetBits(f, value, v.Owner, map, depth, visiting, all);
        }
        int inst = v.Owner;
        ref InstData d = ref f.Inst(inst);
        if (d.ResultCount != 1)
        {
            return all;
        }
        Span<int> a = f.Args(inst);
        switch (d.Op)
        {
            case Op.Iconst:
                return IrSemantics.ConstBits(v.Type, d.Imm) & all;
            case Op.Uload8:
                return 0xff;
            case Op.Uload16:
                return 0xffff;
            case Op.Uload32:
                return uint.MaxValue;
            case Op.Eqz or (>= Op.Ieq and <= Op.Iuge):
                return 1;
            case Op.Band:
                return MaybeSetBits(f, a[0], map, depth + 1, visiting) & MaybeSetBits(f, a[1], map, depth + 1, visiting);
            case Op.Bor or Op.Bxor:
                return MaybeSetBits(f, a[0], map, depth + 1, visiting) | MaybeSetBits(f, a[1], map, depth + 1, visiting);
            case Op.Uextend when f.Value(a[0]).Type == IrType.I32:
                return MaybeSetBits(f, a[0], map, depth + 1, visiting) & uint.MaxValue;
            case Op.Wrap:
                return MaybeSetBits(f, a[0], map, depth + 1, visiting) & uint.MaxValue;
            default:
                return all;
        }
    }

    private static ulong ParamMaybeSetBits(IrFunction f, int param, int block, int[] map, int depth, ReadOnlySpan<int> visiting, ulong all)
    {
        if (block == f.Entry || visiting.Length >= KnownBitsDepth)
        {
            return all;
        }
        foreach (int seen in visiting)
        {
            if (seen == param)
            {
                return 0;
            }
        }
        int index = f.Block(block).Params.IndexOf(param);
        Span<int> path = stackalloc int[visiting.Length + 1];
        visiting.CopyTo(path);
        path[visiting.Length] = param;
        ulong bits = 0;
        bool any = false;
        // The dominator tree's predecessors may include edges a folded branch no longer has: only the present ones count.
        foreach (int pred in f.Dominators.PredecessorsOf(block))
        {
            int t = f.Terminator(pred);
            if (t < 0)
            {
                continue;
            }
            foreach (ref BlockCall call in f.Targets(t))
            {
                if (call.Block != block)
                {
                    continue;
                }
                Span<int> args = f.CallArgs(call);
                if (index < 0 || index >= args.Length)
                {
                    return all;
                }
                bits |= MaybeSetBits(f, args[index], map, depth + 1, path);
                any = true;
                if ((bits & all) == all)
                {
                    return all;
                }
            }
        }
        return any ? bits : all;
    }

    private static bool FoldBranch(IrFunction f, int inst)
    {
        ref InstData d = ref f.Inst(inst);
        if (!IsConst(f, f.Args(inst)[0], out ulong c))
        {
            return false;
        }
        // brif: the first target when non-zero. br_table: an index past the table takes the default (the last target).
        int chosen = d.Op == Op.Brif ? (c != 0 ? 0 : 1) : (int)Math.Min(c, (ulong)(d.TargetCount - 1));
        d.Op = Op.Jump;
        d.ArgCount = 0;
        d.Targets += chosen;
        d.TargetCount = 1;
        f.ControlFlowChanged();
        return true;
    }

    private static bool Replace(IrFunction f, int inst, int[] map, int value)
    {
        map[f.Result(inst)] = value;
        // Dropped from the block's list when the block is done (Run), so many removals cost one scan.
        f.KillInst(inst);
        return true;
    }

    private static bool IsConst(IrFunction f, int value, out ulong bits)
    {
        ValueData v = f.Value(value);
        if (!v.IsParam && f.Inst(v.Owner).Op is Op.Iconst or Op.Fconst)
        {
            bits = IrSemantics.ConstBits(v.Type, f.Inst(v.Owner).Imm);
            return true;
        }
        bits = 0;
        return false;
    }
}
