using Kiln.Compiled;
using Kiln.Jit.X64;
using Kiln.Optimizing.Ir;
using Kiln.Wasm.Model;

namespace Kiln.Optimizing.Codegen;

/// <summary>Integer and float arithmetic, comparisons, conversions and select.</summary>
internal sealed partial class CodeEmitter
{
    private void EmitNumeric(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        Span<int> a = _f.Args(inst);
        OperandSize size = SizeOf(d.Type);
        switch (d.Op)
        {
            case Op.Iadd:
            case Op.Isub:
            case Op.Band:
            case Op.Bor:
            case Op.Bxor:
            case Op.Imul:
                if (IsFolded(a[1]))
                {
                    IntBinaryFromMemory(inst, d.Op, size, a[0], a[1]);
                    return;
                }
                IntBinary(inst, d.Op, size, a[0], a[1]);
                return;
            case Op.Sdiv:
            case Op.Udiv:
            case Op.Srem:
            case Op.Urem:
                Divide(inst, d.Op, size, a[0], a[1]);
                return;
            case Op.Ishl:
            case Op.Sshr:
            case Op.Ushr:
            case Op.Rotl:
            case Op.Rotr:
                Shift(inst, d.Op, size, a[0], a[1]);
                return;
            case Op.Clz:
            case Op.Ctz:
            case Op.Popcnt:
                BitCount(inst, d.Op, size, a[0]);
                return;
            case Op.Sextend8:
            case Op.Sextend16:
            {
                Gpr src = UseGpr(a[0], Gpr.Rcx);
                Gpr dst = DestGpr(_f.Result(inst), Gpr.Rax);
                _asm.Movsx(size, dst, d.Op == Op.Sextend8 ? OperandSize.S8 : OperandSize.S16, src);
                DefGpr(_f.Result(inst), dst);
                return;
            }
            case Op.Sextend32:
            case Op.Sextend:
            {
                Gpr src = UseGpr(a[0], Gpr.Rcx);
                Gpr dst = DestGpr(_f.Result(inst), Gpr.Rax);
                _asm.Movsxd(dst, src);
                DefGpr(_f.Result(inst), dst);
                return;
            }
            case Op.Uextend:
            case Op.Wrap:
            {
                // A 32-bit move zero-extends: i64.extend_i32_u and i32.wrap_i64 are the same instruction.
                Gpr src = UseGpr(a[0], Gpr.Rcx);
                Gpr dst = DestGpr(_f.Result(inst), Gpr.Rax);
                _asm.Mov(OperandSize.S32, dst, src);
                DefGpr(_f.Result(inst), dst);
                return;
            }
            case Op.Eqz:
            case >= Op.Ieq and <= Op.Iuge:
            case Op.Flt:
            case Op.Fgt:
            case Op.Fle:
            case Op.Fge:
            {
                Condition cc = EmitCompareFlags(inst);
                Gpr dst = DestGpr(_f.Result(inst), Gpr.Rax);
                _asm.Setcc(cc, Gpr.Rax);
                _asm.Movzx(OperandSize.S32, dst, OperandSize.S8, Gpr.Rax);
                DefGpr(_f.Result(inst), dst);
                RecordCompareFlags(inst, cc);
                return;
            }
            case Op.Feq:
            case Op.Fne:
            {
                bool ne = d.Op == Op.Fne;
                Xmm x = UseXmm(a[0], Xmm.Xmm0);
                Xmm y = UseXmm(a[1], Xmm.Xmm1);
                Ucomis(d.Type == IrType.F64, x, y);
                FloatSequences.EqualityFromFlags(_asm, ne, Gpr.Rax, Gpr.Rcx);
                DefGpr(_f.Result(inst), Gpr.Rax);
                return;
            }
            case Op.Fadd:
            case Op.Fsub:
            case Op.Fmul:
            case Op.Fdiv:
                if (IsFolded(a[1]))
                {
                    FloatBinaryFromMemory(inst, d.Op, d.Type == IrType.F64, a[0], a[1]);
                    return;
                }
                FloatBinary(inst, d.Op, d.Type == IrType.F64, a[0], a[1]);
                return;
            case Op.Fmin:
            case Op.Fmax:
                FloatMinMax(inst, d.Op == Op.Fmax, d.Type == IrType.F64, a[0], a[1]);
                return;
            case Op.Fcopysign:
            case Op.Fabs:
            case Op.Fneg:
                FloatSign(inst, d.Op, d.Type == IrType.F64, a);
                return;
            case Op.Fceil:
            case Op.Ffloor:
            case Op.Ftrunc:
            case Op.Fnearest:
            {
                RoundingMode mode = d.Op switch
                {
                    Op.Fceil => RoundingMode.Up,
                    Op.Ffloor => RoundingMode.Down,
                    Op.Ftrunc => RoundingMode.Truncate,
                    _ => RoundingMode.Nearest,
                };
                Xmm src = UseXmm(a[0], Xmm.Xmm1);
                Xmm dst = DestXmm(_f.Result(inst), Xmm.Xmm0);
                if (Vex)
                {
                    // src as the first source too: the result waits for src only, not for dst's last writer.
                    if (d.Type == IrType.F64)
                    {
                        _asm.Vroundsd(dst, src, src, mode);
                    }
                    else
                    {
                        _asm.Vroundss(dst, src, src, mode);
                    }
                }
                else if (d.Type == IrType.F64)
                {
                    _asm.Roundsd(dst, src, mode);
                }
                else
                {
                    _asm.Roundss(dst, src, mode);
                }
                DefXmm(_f.Result(inst), dst);
                return;
            }
            case Op.Fsqrt:
            {
                Xmm src = UseXmm(a[0], Xmm.Xmm1);
                Xmm dst = DestXmm(_f.Result(inst), Xmm.Xmm0);
                if (Vex)
                {
                    // Legacy sqrtsd merges into dst, so it waits for dst's last writer (often a long divsd).
                    if (d.Type == IrType.F64)
                    {
                        _asm.Vsqrtsd(dst, src, src);
                    }
                    else
                    {
                        _asm.Vsqrtss(dst, src, src);
                    }
                }
                else if (d.Type == IrType.F64)
                {
                    _asm.Sqrtsd(dst, src);
                }
                else
                {
                    _asm.Sqrtss(dst, src);
                }
                DefXmm(_f.Result(inst), dst);
                return;
            }
            case Op.Demote:
            case Op.Promote:
            {
                Xmm src = UseXmm(a[0], Xmm.Xmm1);
                Xmm dst = DestXmm(_f.Result(inst), Xmm.Xmm0);
                if (Vex)
                {
                    if (d.Op == Op.Demote)
                    {
                        _asm.Vcvtsd2ss(dst, src, src);
                    }
                    else
                    {
                        _asm.Vcvtss2sd(dst, src, src);
                    }
                }
                else if (d.Op == Op.Demote)
                {
                    _asm.Cvtsd2ss(dst, src);
                }
                else
                {
                    _asm.Cvtss2sd(dst, src);
                }
                DefXmm(_f.Result(inst), dst);
                return;
            }
            case Op.ConvertS:
            case Op.ConvertU:
                IntToFloat(inst, d.Op == Op.ConvertU, d.Type == IrType.F64, a[0]);
                return;
            case Op.Bitcast:
                Bitcast(inst, d.Type, a[0]);
                return;
            case Op.TruncS:
            case Op.TruncU:
            case Op.TruncSatS:
            case Op.TruncSatU:
                Truncate(inst, d.Op, d.Type, a[0]);
                return;
            default:
                throw new InternalErrorException($"optimizing tier: no lowering for {OpInfo.Name(d.Op)}");
        }
    }

    /// <summary>add, sub, and, or, xor, imul: two-address form into the result's register, the second operand as an immediate, register or frame word.</summary>
    private void IntBinary(int inst, Op op, OperandSize size, int x, int y)
    {
        int result = _f.Result(inst);
        bool commutative = op is not Op.Isub;
        if (commutative && Loc(x).Kind == LocationKind.Const && Loc(y).Kind != LocationKind.Const)
        {
            (x, y) = (y, x);
        }
        Gpr dst = DestGpr(result, Gpr.Rax);
        Location ly = Loc(y);
        if (ly.Kind == LocationKind.Gpr && ly.Gpr == dst && x != y)
        {
            if (commutative)
            {
                (x, y) = (y, x);
                ly = Loc(y);
            }
            else
            {
                dst = Gpr.Rax;
            }
        }
        Location lx = Loc(x);
        if (op == Op.Iadd && lx.Kind == LocationKind.Gpr && lx.Gpr != dst && (TryImm(y, size, out int disp) || ly.Kind == LocationKind.Gpr))
        {
            // Three-address add: one lea instead of a move and an add (a 32-bit lea wraps and zero-extends like add).
            _asm.Lea(size, dst, ly.Kind == LocationKind.Gpr ? Mem.At(lx.Gpr, ly.Gpr, 1, 0) : Mem.At(lx.Gpr, disp));
            DefGpr(result, dst);
            return;
        }
        LoadGprInto(x, dst);
        if (TryImm(y, size, out int imm))
        {
            if (op == Op.Imul)
            {
                _asm.Imul(size, dst, dst, imm);
            }
            else
            {
                Alu(op, size, dst, imm);
            }
        }
        else if (ly.Kind == LocationKind.Stack)
        {
            IntegerArithmetic(op, size, dst, ly.Mem);
        }
        else
        {
            // A wide constant the loop keeps in a register (CodeEmitter.LoopChecks.cs) is read from there.
            Gpr r = ly.Kind == LocationKind.Gpr ? ly.Gpr
                : ly.Kind == LocationKind.Const && size == OperandSize.S64 && TryKeptConstant(ly.Bits, out Gpr k) ? k
                : UseGpr(y, Gpr.Rcx);
            switch (op)
            {
                case Op.Iadd: _asm.Add(size, dst, r); break;
                case Op.Isub: _asm.Sub(size, dst, r); break;
                case Op.Band: _asm.And(size, dst, r); break;
                case Op.Bor: _asm.Or(size, dst, r); break;
                case Op.Bxor: _asm.Xor(size, dst, r); break;
                default: _asm.Imul(size, dst, r); break;
            }
        }
        DefGpr(result, dst);
        if (op != Op.Imul)
        {
            RecordZeroFlag(result);
        }
    }

    private void Alu(Op op, OperandSize size, Gpr dst, int imm)
    {
        switch (op)
        {
            case Op.Iadd: _asm.Add(size, dst, imm); break;
            case Op.Isub: _asm.Sub(size, dst, imm); break;
            case Op.Band: _asm.And(size, dst, imm); break;
            case Op.Bor: _asm.Or(size, dst, imm); break;
            default: _asm.Xor(size, dst, imm); break;
        }
    }

    /// <summary>
    /// div/rem through rax:rdx with explicit traps: divide by zero, and INT_MIN / -1 (overflow for div, 0 for rem,
    /// which idiv would fault on). The divisor goes to rcx first, so the dividend may be read from any register.
    /// </summary>
    private void Divide(int inst, Op op, OperandSize size, int x, int y)
    {
        bool signed = op is Op.Sdiv or Op.Srem;
        bool remainder = op is Op.Srem or Op.Urem;
        Location ly = Loc(y);
        bool isConst = ly.Kind == LocationKind.Const;
        long constant = isConst ? (size == OperandSize.S32 ? (int)(uint)ly.Bits : ly.Bits) : 0;
        if (isConst && constant == 0)
        {
            _asm.Jmp(TrapLabel(TrapCode.IntegerDivideByZero));
            return;
        }
        if (isConst && IntegerSequences.CanDivideByConstant(size, signed, (ulong)ly.Bits))
        {
            // Shifts, masks or a multiply: no div, and no trap is possible.
            int result = _f.Result(inst);
            Gpr dst = DestGpr(result, Gpr.Rax);
            LoadGprInto(x, dst);
            IntegerSequences.DivideByConstant(_asm, size, signed, remainder, (ulong)ly.Bits, dst, Gpr.Rcx);
            DefGpr(result, dst);
            return;
        }
        LoadGprInto(y, Gpr.Rcx);
        LoadGprInto(x, Gpr.Rax);
        if (!isConst)
        {
            _asm.Test(size, Gpr.Rcx, Gpr.Rcx);
            _asm.Jcc(Condition.Zero, TrapLabel(TrapCode.IntegerDivideByZero));
        }
        bool mayBeMinusOne = !isConst || constant == -1;
        Label overflow = signed && !remainder && mayBeMinusOne ? TrapLabel(TrapCode.IntegerOverflow) : default;
        IntegerSequences.Divide(_asm, size, signed, remainder, Gpr.Rcx, mayBeMinusOne, overflow);
        Gpr r = remainder ? Gpr.Rdx : Gpr.Rax;
        if (size == OperandSize.S32)
        {
            // Keeps the i32 zero-extended (idiv leaves the upper halves alone only for 32-bit operands; be explicit).
            _asm.Mov(OperandSize.S32, r, r);
        }
        DefGpr(_f.Result(inst), r);
    }

    /// <summary>Shifts and rotates: a constant count is masked into the immediate; otherwise the count goes to cl (the CPU masks it as Wasm does).</summary>
    private void Shift(int inst, Op op, OperandSize size, int x, int y)
    {
        int result = _f.Result(inst);
        Gpr dst = DestGpr(result, Gpr.Rax);
        if (Loc(y).Kind == LocationKind.Const)
        {
            int count = (int)(Loc(y).Bits & (size == OperandSize.S32 ? 31 : 63));
            LoadGprInto(x, dst);
            switch (op)
            {
                case Op.Ishl: _asm.Shl(size, dst, count); break;
                case Op.Sshr: _asm.Sar(size, dst, count); break;
                case Op.Ushr: _asm.Shr(size, dst, count); break;
                case Op.Rotl: _asm.Rol(size, dst, count); break;
                default: _asm.Ror(size, dst, count); break;
            }
            DefGpr(result, dst);
            return;
        }
        // The count first: the result's register may be the count's.
        LoadGprInto(y, Gpr.Rcx);
        LoadGprInto(x, dst);
        switch (op)
        {
            case Op.Ishl: _asm.ShlCl(size, dst); break;
            case Op.Sshr: _asm.SarCl(size, dst); break;
            case Op.Ushr: _asm.ShrCl(size, dst); break;
            case Op.Rotl: _asm.RolCl(size, dst); break;
            default: _asm.RorCl(size, dst); break;
        }
        DefGpr(result, dst);
    }

    /// <summary>lzcnt/tzcnt/popcnt when the CPU has them, else bsr/bsf with the zero case fixed up; computed in rdx.</summary>
    private void BitCount(int inst, Op op, OperandSize size, int x)
    {
        Gpr src = UseGpr(x, Gpr.Rcx);
        Gpr r = Gpr.Rdx;
        CpuFeatures f = _asm.Features;
        int bits = size == OperandSize.S32 ? 32 : 64;
        switch (op)
        {
            case Op.Clz when f.Has(CpuFeature.Lzcnt):
                _asm.Lzcnt(size, r, src);
                break;
            case Op.Clz:
                _asm.Bsr(size, r, src);
                _asm.Mov(OperandSize.S32, Gpr.Rax, (2 * bits) - 1);
                _asm.Cmovcc(Condition.Zero, OperandSize.S32, r, Gpr.Rax);
                _asm.Xor(OperandSize.S32, r, bits - 1);
                break;
            case Op.Ctz when f.Has(CpuFeature.Bmi1):
                _asm.Tzcnt(size, r, src);
                break;
            case Op.Ctz:
                _asm.Bsf(size, r, src);
                _asm.Mov(OperandSize.S32, Gpr.Rax, bits);
                _asm.Cmovcc(Condition.Zero, OperandSize.S32, r, Gpr.Rax);
                break;
            default:
                _asm.Popcnt(size, r, src);
                break;
        }
        DefGpr(_f.Result(inst), r);
    }

    /// <summary>Sets the flags for a comparison and returns the condition that is true when it holds.</summary>
    private Condition EmitCompareFlags(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        Span<int> a = _f.Args(inst);
        OperandSize size = SizeOf(d.Type);
        if (d.Op == Op.Eqz)
        {
            Location l = Loc(a[0]);
            if (l.Kind == LocationKind.Stack)
            {
                _asm.Cmp(size, l.Mem, 0);
            }
            else
            {
                Gpr r = UseGpr(a[0], Gpr.Rax);
                _asm.Test(size, r, r);
            }
            return Condition.Equal;
        }
        if (d.Type.IsFloat())
        {
            // Ordered compares as one condition: a > b is "above" after ucomis a, b (unordered sets CF and ZF, so it is
            // false for NaN); a < b compares the swapped operands.
            bool f64 = d.Type == IrType.F64;
            Xmm x = UseXmm(a[0], Xmm.Xmm0);
            Xmm y = UseXmm(a[1], Xmm.Xmm1);
            switch (d.Op)
            {
                case Op.Fgt: Ucomis(f64, x, y); return Condition.Above;
                case Op.Fge: Ucomis(f64, x, y); return Condition.AboveOrEqual;
                case Op.Flt: Ucomis(f64, y, x); return Condition.Above;
                default: Ucomis(f64, y, x); return Condition.AboveOrEqual;
            }
        }
        Condition cc = IntegerCondition(d.Op);
        int lhs = a[0], rhs = a[1];
        if (Loc(lhs).Kind == LocationKind.Const && Loc(rhs).Kind != LocationKind.Const)
        {
            (lhs, rhs) = (rhs, lhs);
            cc = Swap(cc);
        }
        Location ll = Loc(lhs);
        if (TryImm(rhs, size, out int imm))
        {
            if (ll.Kind == LocationKind.Stack)
            {
                _asm.Cmp(size, ll.Mem, imm);
            }
            else if (imm == 0)
            {
                // test r, r sets the flags cmp r, 0 does (CF and OF clear, SF and ZF from r) and is one byte shorter.
                Gpr r = UseGpr(lhs, Gpr.Rax);
                _asm.Test(size, r, r);
            }
            else
            {
                _asm.Cmp(size, UseGpr(lhs, Gpr.Rax), imm);
            }
            return cc;
        }
        Gpr left = UseGpr(lhs, Gpr.Rax);
        Location lr = Loc(rhs);
        if (lr.Kind == LocationKind.Stack)
        {
            _asm.Cmp(size, left, lr.Mem);
        }
        else
        {
            _asm.Cmp(size, left, UseGpr(rhs, Gpr.Rcx));
        }
        return cc;
    }

    /// <summary>dst op= [m] for the integer arithmetic that takes a memory operand: add, sub, and, or, xor, imul.</summary>
    private void IntegerArithmetic(Op op, OperandSize size, Gpr dst, Mem m)
    {
        switch (op)
        {
            case Op.Iadd: _asm.Add(size, dst, m); break;
            case Op.Isub: _asm.Sub(size, dst, m); break;
            case Op.Band: _asm.And(size, dst, m); break;
            case Op.Bor: _asm.Or(size, dst, m); break;
            case Op.Bxor: _asm.Xor(size, dst, m); break;
            default: _asm.Imul(size, dst, m); break;
        }
    }

    /// <summary>The x86 condition of an integer compare (ieq..iuge) of its first operand with its second.</summary>
    private static Condition IntegerCondition(Op op) => op switch
    {
        Op.Ieq => Condition.Equal,
        Op.Ine => Condition.NotEqual,
        Op.Islt => Condition.Less,
        Op.Iult => Condition.Below,
        Op.Isgt => Condition.Greater,
        Op.Iugt => Condition.Above,
        Op.Isle => Condition.LessOrEqual,
        Op.Iule => Condition.BelowOrEqual,
        Op.Isge => Condition.GreaterOrEqual,
        _ => Condition.AboveOrEqual,
    };

    /// <summary>The condition for the swapped operands (a &lt; b is b &gt; a).</summary>
    private static Condition Swap(Condition cc) => cc switch
    {
        Condition.Less => Condition.Greater,
        Condition.Greater => Condition.Less,
        Condition.LessOrEqual => Condition.GreaterOrEqual,
        Condition.GreaterOrEqual => Condition.LessOrEqual,
        Condition.Below => Condition.Above,
        Condition.Above => Condition.Below,
        Condition.BelowOrEqual => Condition.AboveOrEqual,
        Condition.AboveOrEqual => Condition.BelowOrEqual,
        _ => cc,
    };

    private void Ucomis(bool f64, Xmm a, Xmm b) => FloatSequences.Ucomis(_asm, f64, a, b);

    /// <summary>select: cmov for integers (the false value first, the true one moved over it when the condition is non-zero), a branch for floats.</summary>
    private void EmitSelect(int inst)
    {
        Span<int> a = _f.Args(inst);
        int cond = a[0], whenTrue = a[1], whenFalse = a[2];
        int result = _f.Result(inst);
        IrType type = TypeOf(result);
        if (RegisterAllocator.InGpr(type))
        {
            OperandSize size = SizeOf(type);
            Location lt = Loc(whenTrue);
            ref ValueData cv = ref _f.Value(cond);
            // Fused only when the compare comes right before (EmitInst skipped it then), as for brif.
            bool fused = !cv.IsParam && cv.Owner == _previousInst && IsFusedCompare(cv.Owner, inst);
            // The result's own register unless the condition, the true value or a fused compare's operand is read from
            // it after the false value is written there.
            Location lr = Loc(result);
            bool own = lr.Kind == LocationKind.Gpr && !SameGpr(lt, lr.Gpr)
                && (fused ? !ReadsGpr(cv.Owner, lr.Gpr) : !SameGpr(Loc(cond), lr.Gpr));
            Gpr acc = own ? lr.Gpr : Gpr.Rax;
            Gpr c = fused ? default : UseGpr(cond, Gpr.Rcx);
            LoadGprInto(whenFalse, acc);
            // Everything is loaded before the test or compare: materializing a constant may clobber the flags.
            Gpr t = lt.Kind == LocationKind.Stack ? default : UseGpr(whenTrue, Gpr.Rdx);
            Condition cc = Condition.NotEqual;
            if (fused)
            {
                cc = EmitCompareFlags(cv.Owner);
            }
            else
            {
                _asm.Test(OperandSize.S32, c, c);
            }
            if (lt.Kind == LocationKind.Stack)
            {
                _asm.Cmovcc(cc, size, acc, lt.Mem);
            }
            else
            {
                _asm.Cmovcc(cc, size, acc, t);
            }
            DefGpr(result, acc);
            return;
        }
        Gpr cf = UseGpr(cond, Gpr.Rcx);
        Label done = _asm.CreateLabel();
        LoadXmmInto(whenFalse, Xmm.Xmm0);
        _asm.Test(OperandSize.S32, cf, cf);
        _asm.Jcc(Condition.Zero, done, JumpDistance.Short);
        LoadXmmInto(whenTrue, Xmm.Xmm0);
        _asm.Bind(done);
        DefXmm(result, Xmm.Xmm0);
    }

    /// <summary>
    /// addss/subss/mulss/divss (and sd): two-address into the result's register or xmm0; the second operand read from
    /// its frame slot or the constant pool when it is not in a register.
    /// </summary>
    private void FloatBinary(int inst, Op op, bool f64, int x, int y)
    {
        int result = _f.Result(inst);
        Xmm dst = DestXmm(result, Xmm.Xmm0);
        Location ly = Loc(y);
        if (Vex)
        {
            // Three operands: dst = x op y, whichever registers the three live in, with no copy of x.
            Xmm first = UseXmm(x, Xmm.Xmm0);
            if (ly.Kind is LocationKind.Stack or LocationKind.Const)
            {
                FloatArithmetic(op, f64, dst, first, FloatOperandMemory(ly, f64));
            }
            else
            {
                FloatArithmetic(op, f64, dst, first, UseXmm(y, Xmm.Xmm1));
            }
            DefXmm(result, dst);
            return;
        }
        if (ly.Kind == LocationKind.Xmm && ly.Xmm == dst && x != y)
        {
            dst = Xmm.Xmm0;
        }
        LoadXmmInto(x, dst);
        if (ly.Kind is LocationKind.Stack or LocationKind.Const)
        {
            FloatArithmetic(op, f64, dst, FloatOperandMemory(ly, f64));
        }
        else
        {
            Xmm r = UseXmm(y, Xmm.Xmm1);
            switch (op, f64)
            {
                case (Op.Fadd, false): _asm.Addss(dst, r); break;
                case (Op.Fsub, false): _asm.Subss(dst, r); break;
                case (Op.Fmul, false): _asm.Mulss(dst, r); break;
                case (Op.Fdiv, false): _asm.Divss(dst, r); break;
                case (Op.Fadd, true): _asm.Addsd(dst, r); break;
                case (Op.Fsub, true): _asm.Subsd(dst, r); break;
                case (Op.Fmul, true): _asm.Mulsd(dst, r); break;
                default: _asm.Divsd(dst, r); break;
            }
        }
        DefXmm(result, dst);
    }

    /// <summary>A scalar float operand that is not in a register: its frame slot, or a constant from the constant pool.</summary>
    private Mem FloatOperandMemory(Location l, bool f64) =>
        l.Kind == LocationKind.Stack ? l.Mem
        : f64 ? _asm.ConstF64(BitConverter.Int64BitsToDouble(l.Bits))
        : _asm.ConstF32(BitConverter.Int32BitsToSingle(unchecked((int)(uint)l.Bits)));

    /// <summary>Whether the VEX forms may be used (AVX): three-operand arithmetic, and no merge into the destination.</summary>
    private bool Vex => _asm.Features.Has(CpuFeature.Avx);

    /// <summary>VEX scalar float add/sub/mul/div: dst = a op b.</summary>
    private void FloatArithmetic(Op op, bool f64, Xmm dst, Xmm a, Xmm b)
    {
        switch (op, f64)
        {
            case (Op.Fadd, false): _asm.Vaddss(dst, a, b); break;
            case (Op.Fsub, false): _asm.Vsubss(dst, a, b); break;
            case (Op.Fmul, false): _asm.Vmulss(dst, a, b); break;
            case (Op.Fdiv, false): _asm.Vdivss(dst, a, b); break;
            case (Op.Fadd, true): _asm.Vaddsd(dst, a, b); break;
            case (Op.Fsub, true): _asm.Vsubsd(dst, a, b); break;
            case (Op.Fmul, true): _asm.Vmulsd(dst, a, b); break;
            default: _asm.Vdivsd(dst, a, b); break;
        }
    }

    /// <summary>VEX scalar float add/sub/mul/div of a memory operand: dst = a op [m].</summary>
    private void FloatArithmetic(Op op, bool f64, Xmm dst, Xmm a, Mem m)
    {
        switch (op, f64)
        {
            case (Op.Fadd, false): _asm.Vaddss(dst, a, m); break;
            case (Op.Fsub, false): _asm.Vsubss(dst, a, m); break;
            case (Op.Fmul, false): _asm.Vmulss(dst, a, m); break;
            case (Op.Fdiv, false): _asm.Vdivss(dst, a, m); break;
            case (Op.Fadd, true): _asm.Vaddsd(dst, a, m); break;
            case (Op.Fsub, true): _asm.Vsubsd(dst, a, m); break;
            case (Op.Fmul, true): _asm.Vmulsd(dst, a, m); break;
            default: _asm.Vdivsd(dst, a, m); break;
        }
    }

    /// <summary>Scalar float add/sub/mul/div of a memory operand (a folded load or a pool constant) into dst.</summary>
    private void FloatArithmetic(Op op, bool f64, Xmm dst, Mem m)
    {
        switch (op, f64)
        {
            case (Op.Fadd, false): _asm.Addss(dst, m); break;
            case (Op.Fsub, false): _asm.Subss(dst, m); break;
            case (Op.Fmul, false): _asm.Mulss(dst, m); break;
            case (Op.Fdiv, false): _asm.Divss(dst, m); break;
            case (Op.Fadd, true): _asm.Addsd(dst, m); break;
            case (Op.Fsub, true): _asm.Subsd(dst, m); break;
            case (Op.Fmul, true): _asm.Mulsd(dst, m); break;
            default: _asm.Divsd(dst, m); break;
        }
    }

    /// <summary>
    /// Wasm min/max: a NaN operand gives a NaN (a + b, as the interpreter computes it), and -0 &lt; +0; minss/maxss
    /// alone get both wrong, so equal operands (which includes ±0) combine their sign bits. Computed in xmm0.
    /// </summary>
    private void FloatMinMax(int inst, bool max, bool f64, int x, int y)
    {
        LoadXmmInto(x, Xmm.Xmm0);
        Xmm b = UseXmm(y, Xmm.Xmm1);
        FloatSequences.MinMax(_asm, f64, max, Xmm.Xmm0, b);
        DefXmm(_f.Result(inst), Xmm.Xmm0);
    }

    /// <summary>
    /// abs, neg, copysign with sign-bit masks from the constant pool (16 bytes, as legacy SSE needs); computed in the
    /// result's register (xmm0 when it is spilled), copysign's sign operand copied to xmm1 first.
    /// </summary>
    private void FloatSign(int inst, Op op, bool f64, Span<int> a)
    {
        FloatSequences.SignMasks(_asm, f64, out Mem signMask, out Mem absMask);
        int result = _f.Result(inst);
        Xmm dst = DestXmm(result, Xmm.Xmm0);
        if (op == Op.Fcopysign)
        {
            LoadXmmInto(a[1], Xmm.Xmm1);
            LoadXmmInto(a[0], dst);
            FloatSequences.Copysign(_asm, dst, Xmm.Xmm1, signMask, absMask);
        }
        else if (Vex)
        {
            // vandps/vxorps read the source where it lives: no copy into dst first.
            Xmm src = UseXmm(a[0], dst);
            if (op == Op.Fneg)
            {
                _asm.Vxorps(dst, src, signMask);
            }
            else
            {
                _asm.Vandps(dst, src, absMask);
            }
        }
        else
        {
            LoadXmmInto(a[0], dst);
            FloatSequences.AbsOrNeg(_asm, op == Op.Fneg, dst, signMask, absMask);
        }
        DefXmm(result, dst);
    }

    /// <summary>
    /// Integer to float. Signed sources and unsigned i32 (zero-extended, hence a non-negative i64) convert directly;
    /// an unsigned i64 with the top bit set is halved with the low bit kept sticky (so rounding stays correct),
    /// converted and doubled. Computed in the result's register (xmm0 when it is spilled); the source in rdx when it is
    /// not in a register.
    /// </summary>
    private void IntToFloat(int inst, bool unsigned, bool f64, int x)
    {
        bool fromI64 = TypeOf(x) == IrType.I64;
        Gpr r = UseGpr(x, Gpr.Rdx);
        Xmm dst = DestXmm(_f.Result(inst), Xmm.Xmm0);
        if (unsigned && fromI64)
        {
            FloatSequences.UnsignedI64ToFloat(_asm, f64, dst, r, Gpr.Rax, Gpr.Rcx);
        }
        else
        {
            FloatSequences.SignedToFloat(_asm, f64, dst, unsigned || fromI64 ? OperandSize.S64 : OperandSize.S32, r);
        }
        DefXmm(_f.Result(inst), dst);
    }

    /// <summary>Reinterpretation: a move between the register files (or through memory when one side is spilled).</summary>
    private void Bitcast(int inst, IrType type, int x)
    {
        int result = _f.Result(inst);
        if (type.IsInt())
        {
            Xmm src = UseXmm(x, Xmm.Xmm0);
            Gpr dst = DestGpr(result, Gpr.Rax);
            if (type == IrType.I32)
            {
                _asm.Movd(dst, src);
            }
            else
            {
                _asm.Movq(dst, src);
            }
            DefGpr(result, dst);
            return;
        }
        Gpr s = UseGpr(x, Gpr.Rax);
        Xmm d = DestXmm(result, Xmm.Xmm0);
        if (type == IrType.F32)
        {
            _asm.Movd(d, s);
        }
        else
        {
            _asm.Movq(d, s);
        }
        DefXmm(result, d);
    }

    /// <summary>
    /// Float-to-int truncation, inline (the baseline calls the runtime's helper): cvttss2si/cvttsd2si and a check of the
    /// out-of-range result, so it clobbers no allocatable register.
    /// </summary>
    private void Truncate(int inst, Op op, IrType type, int x)
    {
        TruncateInline(inst, op, type == IrType.I32, TypeOf(x) == IrType.F32, x);
    }

    /// <summary>
    /// cvttss2si/cvttsd2si give "integer indefinite" (MIN of the width) for NaN and
    /// out-of-range sources, so only that result needs a second look. Signed: MIN is right only for sources in (MIN - 1,
    /// MIN] (for f64 to i32; exactly MIN otherwise, where MIN - 1 has no float between), else NaN traps as an invalid
    /// conversion (saturating: 0) and the rest as an overflow (saturating: MIN below, MAX, which is NOT MIN, above).
    /// Unsigned to i32: a 64-bit truncation, right when its upper half is zero (sources in (-1, 2^32)); else NaN traps
    /// as an invalid conversion and the rest as an overflow (saturating: 0 for NaN and negatives, 2^32 - 1 above).
    /// Unsigned to i64: see <see cref="TruncateToU64"/>. xmm0 (when it is not the source), xmm1 and rcx are the scratch
    /// registers.
    /// </summary>
    private void TruncateInline(int inst, Op op, bool toI32, bool fromF32, int x)
    {
        bool saturating = op is Op.TruncSatS or Op.TruncSatU;
        bool signed = op is Op.TruncS or Op.TruncSatS;
        int result = _f.Result(inst);
        Xmm src = UseXmm(x, Xmm.Xmm0);
        Gpr dst = DestGpr(result, Gpr.Rax);
        OperandSize size = signed && toI32 ? OperandSize.S32 : OperandSize.S64;
        if (signed || toI32)
        {
            Convert(dst, src);
        }
        void Convert(Gpr to, Xmm from)
        {
            if (fromF32)
            {
                _asm.Cvttss2si(size, to, from);
            }
            else
            {
                _asm.Cvttsd2si(size, to, from);
            }
        }
        void Compare(Xmm a, Xmm b)
        {
            if (fromF32)
            {
                _asm.Ucomiss(a, b);
            }
            else
            {
                _asm.Ucomisd(a, b);
            }
        }
        Label done = _asm.CreateLabel();
        if (signed)
        {
            // MIN - 1 overflows; nothing else does.
            _asm.Cmp(size, dst, 1);
            _asm.Jcc(Condition.NoOverflow, done);
            if (saturating)
            {
                Label nan = _asm.CreateLabel();
                _asm.Xorps(Xmm.Xmm1, Xmm.Xmm1);
                Compare(src, Xmm.Xmm1);
                _asm.Jcc(Condition.Parity, nan, JumpDistance.Short);
                _asm.Jcc(Condition.Below, done, JumpDistance.Short);
                _asm.Not(size, dst);
                _asm.Jmp(done, JumpDistance.Short);
                _asm.Bind(nan);
                _asm.Xor(OperandSize.S32, dst, dst);
            }
            else
            {
                Label overflow = TrapLabel(TrapCode.IntegerOverflow);
                Compare(src, src);
                _asm.Jcc(Condition.Parity, TrapLabel(TrapCode.InvalidConversionToInteger));
                double min = toI32 ? int.MinValue : long.MinValue;
                LoadFloatConstant(Xmm.Xmm1, fromF32, min);
                Compare(src, Xmm.Xmm1);
                _asm.Jcc(Condition.Above, overflow);
                if (toI32 && !fromF32)
                {
                    LoadFloatConstant(Xmm.Xmm1, false, min - 1);
                    Compare(src, Xmm.Xmm1);
                    _asm.Jcc(Condition.BelowOrEqual, overflow);
                }
                else
                {
                    _asm.Jcc(Condition.Below, overflow);
                }
            }
        }
        else if (!toI32)
        {
            TruncateToU64(src, dst, saturating, fromF32, done, Convert, Compare);
        }
        else
        {
            _asm.Mov(OperandSize.S64, Gpr.Rcx, dst);
            _asm.Shr(OperandSize.S64, Gpr.Rcx, 32);
            _asm.Jcc(Condition.Zero, done);
            if (saturating)
            {
                _asm.Xorps(Xmm.Xmm1, Xmm.Xmm1);
                _asm.Xor(OperandSize.S32, dst, dst);
                Compare(src, Xmm.Xmm1);
                _asm.Jcc(Condition.BelowOrEqual, done, JumpDistance.Short);
                _asm.Mov(OperandSize.S32, dst, -1);
            }
            else
            {
                Compare(src, src);
                _asm.Jcc(Condition.Parity, TrapLabel(TrapCode.InvalidConversionToInteger));
                _asm.Jmp(TrapLabel(TrapCode.IntegerOverflow));
            }
        }
        _asm.Bind(done);
        DefGpr(result, dst);
    }

    /// <summary>
    /// Unsigned truncation to i64 (the result in <paramref name="dst"/>, then <paramref name="done"/>). Below 2^63 (or
    /// NaN) the signed truncation, right when not negative (sources in (-1, 2^63)); NaN traps as an invalid conversion,
    /// the rest as an overflow (saturating: 0). From 2^63 up: the signed truncation of the source less 2^63 (exact
    /// there), with bit 63 set, right when that truncation is not negative (sources below 2^64); else an overflow
    /// (saturating: 2^64 - 1).
    /// </summary>
    private void TruncateToU64(Xmm src, Gpr dst, bool saturating, bool fromF32, Label done, Action<Gpr, Xmm> convert,
        Action<Xmm, Xmm> compare)
    {
        Label big = _asm.CreateLabel();
        Label overflow = saturating ? default : TrapLabel(TrapCode.IntegerOverflow);
        LoadFloatConstant(Xmm.Xmm1, fromF32, 9223372036854775808.0);
        compare(src, Xmm.Xmm1);
        // Unordered sets the carry: NaN takes the small path.
        _asm.Jcc(Condition.AboveOrEqual, big, JumpDistance.Short);
        convert(dst, src);
        _asm.Test(OperandSize.S64, dst, dst);
        _asm.Jcc(Condition.NotSign, done);
        if (saturating)
        {
            _asm.Xor(OperandSize.S32, dst, dst);
        }
        else
        {
            compare(src, src);
            _asm.Jcc(Condition.Parity, TrapLabel(TrapCode.InvalidConversionToInteger));
            _asm.Jmp(overflow);
        }
        _asm.Jmp(done);
        _asm.Bind(big);
        if (src != Xmm.Xmm0)
        {
            _asm.Movaps(Xmm.Xmm0, src);
        }
        if (fromF32)
        {
            _asm.Subss(Xmm.Xmm0, Xmm.Xmm1);
        }
        else
        {
            _asm.Subsd(Xmm.Xmm0, Xmm.Xmm1);
        }
        convert(dst, Xmm.Xmm0);
        _asm.Test(OperandSize.S64, dst, dst);
        if (saturating)
        {
            Label inRange = _asm.CreateLabel();
            _asm.Jcc(Condition.NotSign, inRange, JumpDistance.Short);
            _asm.Mov(OperandSize.S64, dst, -1);
            _asm.Jmp(done);
            _asm.Bind(inRange);
        }
        else
        {
            _asm.Jcc(Condition.Sign, overflow);
        }
        MoveEmitter.LoadConstant(_asm, Gpr.Rcx, IrType.I64, long.MinValue);
        _asm.Xor(OperandSize.S64, dst, Gpr.Rcx);
    }

    /// <summary><paramref name="value"/> (exact as an f32 when <paramref name="asF32"/>) into <paramref name="x"/> through rcx, leaving rax alone.</summary>
    private void LoadFloatConstant(Xmm x, bool asF32, double value)
    {
        if (asF32)
        {
            _asm.Mov(OperandSize.S32, Gpr.Rcx, BitConverter.SingleToInt32Bits((float)value));
            _asm.Movd(x, Gpr.Rcx);
        }
        else
        {
            _asm.MovImm(Gpr.Rcx, BitConverter.DoubleToInt64Bits(value));
            _asm.Movq(x, Gpr.Rcx);
        }
    }

    private static bool SameGpr(Location l, Gpr r) => l.Kind == LocationKind.Gpr && l.Gpr == r;

    private bool ReadsGpr(int inst, Gpr r)
    {
        foreach (int v in _f.Args(inst))
        {
            if (SameGpr(Loc(v), r))
            {
                return true;
            }
        }
        return false;
    }
}
