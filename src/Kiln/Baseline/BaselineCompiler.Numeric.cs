using System.Runtime.CompilerServices;
using Kiln.Compiled;
using Kiln.Jit.X64;
using Kiln.Wasm.Model;

namespace Kiln.Baseline;

/// <summary>Numeric instructions: integer ALU with immediates folded in, compares fused with branches, float ops, conversions.</summary>
internal sealed unsafe partial class BaselineCompiler
{
    private enum Alu : byte
    {
        Add,
        Sub,
        And,
        Or,
        Xor,
        Cmp,
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Numeric(Opcode op)
    {
        switch (op)
        {
            case Opcode.I32Eqz:
                if (_condPending && _stack[_height - 1].Loc == Loc.Cond)
                {
                    _cond = _cond.Negate();
                    return;
                }
                TestZero(OperandSize.S32);
                return;
            case Opcode.I64Eqz:
                TestZero(OperandSize.S64);
                return;
            case Opcode.I32Eq: Compare(OperandSize.S32, Condition.Equal); return;
            case Opcode.I32Ne: Compare(OperandSize.S32, Condition.NotEqual); return;
            case Opcode.I32LtS: Compare(OperandSize.S32, Condition.Less); return;
            case Opcode.I32LtU: Compare(OperandSize.S32, Condition.Below); return;
            case Opcode.I32GtS: Compare(OperandSize.S32, Condition.Greater); return;
            case Opcode.I32GtU: Compare(OperandSize.S32, Condition.Above); return;
            case Opcode.I32LeS: Compare(OperandSize.S32, Condition.LessOrEqual); return;
            case Opcode.I32LeU: Compare(OperandSize.S32, Condition.BelowOrEqual); return;
            case Opcode.I32GeS: Compare(OperandSize.S32, Condition.GreaterOrEqual); return;
            case Opcode.I32GeU: Compare(OperandSize.S32, Condition.AboveOrEqual); return;
            case Opcode.I64Eq: Compare(OperandSize.S64, Condition.Equal); return;
            case Opcode.I64Ne: Compare(OperandSize.S64, Condition.NotEqual); return;
            case Opcode.I64LtS: Compare(OperandSize.S64, Condition.Less); return;
            case Opcode.I64LtU: Compare(OperandSize.S64, Condition.Below); return;
            case Opcode.I64GtS: Compare(OperandSize.S64, Condition.Greater); return;
            case Opcode.I64GtU: Compare(OperandSize.S64, Condition.Above); return;
            case Opcode.I64LeS: Compare(OperandSize.S64, Condition.LessOrEqual); return;
            case Opcode.I64LeU: Compare(OperandSize.S64, Condition.BelowOrEqual); return;
            case Opcode.I64GeS: Compare(OperandSize.S64, Condition.GreaterOrEqual); return;
            case Opcode.I64GeU: Compare(OperandSize.S64, Condition.AboveOrEqual); return;

            case Opcode.F32Eq: FloatEquality(false, ne: false); return;
            case Opcode.F32Ne: FloatEquality(false, ne: true); return;
            case Opcode.F32Lt: FloatCompare(false, swap: true, Condition.Above); return;
            case Opcode.F32Gt: FloatCompare(false, swap: false, Condition.Above); return;
            case Opcode.F32Le: FloatCompare(false, swap: true, Condition.AboveOrEqual); return;
            case Opcode.F32Ge: FloatCompare(false, swap: false, Condition.AboveOrEqual); return;
            case Opcode.F64Eq: FloatEquality(true, ne: false); return;
            case Opcode.F64Ne: FloatEquality(true, ne: true); return;
            case Opcode.F64Lt: FloatCompare(true, swap: true, Condition.Above); return;
            case Opcode.F64Gt: FloatCompare(true, swap: false, Condition.Above); return;
            case Opcode.F64Le: FloatCompare(true, swap: true, Condition.AboveOrEqual); return;
            case Opcode.F64Ge: FloatCompare(true, swap: false, Condition.AboveOrEqual); return;

            case Opcode.I32Clz: BitCount(OperandSize.S32, ValType.I32, 0); return;
            case Opcode.I32Ctz: BitCount(OperandSize.S32, ValType.I32, 1); return;
            case Opcode.I32Popcnt: BitCount(OperandSize.S32, ValType.I32, 2); return;
            case Opcode.I64Clz: BitCount(OperandSize.S64, ValType.I64, 0); return;
            case Opcode.I64Ctz: BitCount(OperandSize.S64, ValType.I64, 1); return;
            case Opcode.I64Popcnt: BitCount(OperandSize.S64, ValType.I64, 2); return;

            case Opcode.I32Add: Binary(OperandSize.S32, ValType.I32, Alu.Add); return;
            case Opcode.I32Sub: Binary(OperandSize.S32, ValType.I32, Alu.Sub); return;
            case Opcode.I32And: Binary(OperandSize.S32, ValType.I32, Alu.And); return;
            case Opcode.I32Or: Binary(OperandSize.S32, ValType.I32, Alu.Or); return;
            case Opcode.I32Xor: Binary(OperandSize.S32, ValType.I32, Alu.Xor); return;
            case Opcode.I64Add: Binary(OperandSize.S64, ValType.I64, Alu.Add); return;
            case Opcode.I64Sub: Binary(OperandSize.S64, ValType.I64, Alu.Sub); return;
            case Opcode.I64And: Binary(OperandSize.S64, ValType.I64, Alu.And); return;
            case Opcode.I64Or: Binary(OperandSize.S64, ValType.I64, Alu.Or); return;
            case Opcode.I64Xor: Binary(OperandSize.S64, ValType.I64, Alu.Xor); return;
            case Opcode.I32Mul: Multiply(OperandSize.S32, ValType.I32); return;
            case Opcode.I64Mul: Multiply(OperandSize.S64, ValType.I64); return;
            case Opcode.I32DivS: Divide(OperandSize.S32, ValType.I32, signed: true, remainder: false); return;
            case Opcode.I32DivU: Divide(OperandSize.S32, ValType.I32, signed: false, remainder: false); return;
            case Opcode.I32RemS: Divide(OperandSize.S32, ValType.I32, signed: true, remainder: true); return;
            case Opcode.I32RemU: Divide(OperandSize.S32, ValType.I32, signed: false, remainder: true); return;
            case Opcode.I64DivS: Divide(OperandSize.S64, ValType.I64, signed: true, remainder: false); return;
            case Opcode.I64DivU: Divide(OperandSize.S64, ValType.I64, signed: false, remainder: false); return;
            case Opcode.I64RemS: Divide(OperandSize.S64, ValType.I64, signed: true, remainder: true); return;
            case Opcode.I64RemU: Divide(OperandSize.S64, ValType.I64, signed: false, remainder: true); return;
            case Opcode.I32Shl: Shift(OperandSize.S32, ValType.I32, 0); return;
            case Opcode.I32ShrS: Shift(OperandSize.S32, ValType.I32, 1); return;
            case Opcode.I32ShrU: Shift(OperandSize.S32, ValType.I32, 2); return;
            case Opcode.I32Rotl: Shift(OperandSize.S32, ValType.I32, 3); return;
            case Opcode.I32Rotr: Shift(OperandSize.S32, ValType.I32, 4); return;
            case Opcode.I64Shl: Shift(OperandSize.S64, ValType.I64, 0); return;
            case Opcode.I64ShrS: Shift(OperandSize.S64, ValType.I64, 1); return;
            case Opcode.I64ShrU: Shift(OperandSize.S64, ValType.I64, 2); return;
            case Opcode.I64Rotl: Shift(OperandSize.S64, ValType.I64, 3); return;
            case Opcode.I64Rotr: Shift(OperandSize.S64, ValType.I64, 4); return;

            case Opcode.F32Abs: FloatSignOp(false, 0); return;
            case Opcode.F32Neg: FloatSignOp(false, 1); return;
            case Opcode.F32Copysign: FloatSignOp(false, 2); return;
            case Opcode.F64Abs: FloatSignOp(true, 0); return;
            case Opcode.F64Neg: FloatSignOp(true, 1); return;
            case Opcode.F64Copysign: FloatSignOp(true, 2); return;
            case Opcode.F32Ceil: FloatRound(false, RoundingMode.Up); return;
            case Opcode.F32Floor: FloatRound(false, RoundingMode.Down); return;
            case Opcode.F32Trunc: FloatRound(false, RoundingMode.Truncate); return;
            case Opcode.F32Nearest: FloatRound(false, RoundingMode.Nearest); return;
            case Opcode.F64Ceil: FloatRound(true, RoundingMode.Up); return;
            case Opcode.F64Floor: FloatRound(true, RoundingMode.Down); return;
            case Opcode.F64Trunc: FloatRound(true, RoundingMode.Truncate); return;
            case Opcode.F64Nearest: FloatRound(true, RoundingMode.Nearest); return;
            case Opcode.F32Sqrt:
            {
                Xmm a = PopXmm();
                _asm.Sqrtss(a, a);
                PushReg(ValType.F32, a.Index);
                return;
            }
            case Opcode.F64Sqrt:
            {
                Xmm a = PopXmm();
                _asm.Sqrtsd(a, a);
                PushReg(ValType.F64, a.Index);
                return;
            }
            case Opcode.F32Add: FloatBinary(false, 0); return;
            case Opcode.F32Sub: FloatBinary(false, 1); return;
            case Opcode.F32Mul: FloatBinary(false, 2); return;
            case Opcode.F32Div: FloatBinary(false, 3); return;
            case Opcode.F64Add: FloatBinary(true, 0); return;
            case Opcode.F64Sub: FloatBinary(true, 1); return;
            case Opcode.F64Mul: FloatBinary(true, 2); return;
            case Opcode.F64Div: FloatBinary(true, 3); return;
            case Opcode.F32Min: FloatMinMax(false, max: false); return;
            case Opcode.F32Max: FloatMinMax(false, max: true); return;
            case Opcode.F64Min: FloatMinMax(true, max: false); return;
            case Opcode.F64Max: FloatMinMax(true, max: true); return;

            case Opcode.I32WrapI64:
            {
                Gpr r = PopGpr();
                _asm.Mov(OperandSize.S32, r, r);
                PushReg(ValType.I32, r.Index);
                return;
            }
            case Opcode.I64ExtendI32S:
            {
                Gpr r = PopGpr();
                _asm.Movsxd(r, r);
                PushReg(ValType.I64, r.Index);
                return;
            }
            case Opcode.I64ExtendI32U:
            {
                // i32 values are kept zero-extended: only the type changes.
                Gpr r = PopGpr();
                PushReg(ValType.I64, r.Index);
                return;
            }
            case Opcode.I32Extend8S: SignExtend(OperandSize.S32, ValType.I32, OperandSize.S8); return;
            case Opcode.I32Extend16S: SignExtend(OperandSize.S32, ValType.I32, OperandSize.S16); return;
            case Opcode.I64Extend8S: SignExtend(OperandSize.S64, ValType.I64, OperandSize.S8); return;
            case Opcode.I64Extend16S: SignExtend(OperandSize.S64, ValType.I64, OperandSize.S16); return;
            case Opcode.I64Extend32S:
            {
                Gpr r = PopGpr();
                _asm.Movsxd(r, r);
                PushReg(ValType.I64, r.Index);
                return;
            }

            case Opcode.I32ReinterpretF32:
            {
                Xmm x = PopXmm();
                Gpr r = AllocGpr();
                _asm.Movd(r, x);
                FreeXmm(x);
                PushReg(ValType.I32, r.Index);
                return;
            }
            case Opcode.I64ReinterpretF64:
            {
                Xmm x = PopXmm();
                Gpr r = AllocGpr();
                _asm.Movq(r, x);
                FreeXmm(x);
                PushReg(ValType.I64, r.Index);
                return;
            }
            case Opcode.F32ReinterpretI32:
            {
                Gpr r = PopGpr();
                Xmm x = AllocXmm();
                _asm.Movd(x, r);
                FreeGpr(r);
                PushReg(ValType.F32, x.Index);
                return;
            }
            case Opcode.F64ReinterpretI64:
            {
                Gpr r = PopGpr();
                Xmm x = AllocXmm();
                _asm.Movq(x, r);
                FreeGpr(r);
                PushReg(ValType.F64, x.Index);
                return;
            }
            case Opcode.F32DemoteF64:
            {
                Xmm x = PopXmm();
                _asm.Cvtsd2ss(x, x);
                PushReg(ValType.F32, x.Index);
                return;
            }
            case Opcode.F64PromoteF32:
            {
                Xmm x = PopXmm();
                _asm.Cvtss2sd(x, x);
                PushReg(ValType.F64, x.Index);
                return;
            }
            case Opcode.F32ConvertI32S: IntToFloat(f64: false, OperandSize.S32); return;
            case Opcode.F32ConvertI32U: IntToFloat(f64: false, OperandSize.S64); return;
            case Opcode.F32ConvertI64S: IntToFloat(f64: false, OperandSize.S64); return;
            case Opcode.F32ConvertI64U: UnsignedI64ToFloat(f64: false); return;
            case Opcode.F64ConvertI32S: IntToFloat(f64: true, OperandSize.S32); return;
            case Opcode.F64ConvertI32U: IntToFloat(f64: true, OperandSize.S64); return;
            case Opcode.F64ConvertI64S: IntToFloat(f64: true, OperandSize.S64); return;
            case Opcode.F64ConvertI64U: UnsignedI64ToFloat(f64: true); return;

            case Opcode.I32TruncF32S: case Opcode.I32TruncF32U: case Opcode.I32TruncF64S: case Opcode.I32TruncF64U:
            case Opcode.I64TruncF32S: case Opcode.I64TruncF32U: case Opcode.I64TruncF64S: case Opcode.I64TruncF64U:
            case Opcode.I32TruncSatF32S: case Opcode.I32TruncSatF32U: case Opcode.I32TruncSatF64S: case Opcode.I32TruncSatF64U:
            case Opcode.I64TruncSatF32S: case Opcode.I64TruncSatF32U: case Opcode.I64TruncSatF64S: case Opcode.I64TruncSatF64U:
                TruncateToInt(op);
                return;
            default:
                throw new UnsupportedFeatureException($"instruction {OpcodeTable.Get(op).Name} is not supported by the baseline compiler");
        }
    }

    private void AluRI(Alu op, OperandSize size, Gpr a, int imm)
    {
        switch (op)
        {
            case Alu.Add: _asm.Add(size, a, imm); break;
            case Alu.Sub: _asm.Sub(size, a, imm); break;
            case Alu.And: _asm.And(size, a, imm); break;
            case Alu.Or: _asm.Or(size, a, imm); break;
            case Alu.Xor: _asm.Xor(size, a, imm); break;
            default: _asm.Cmp(size, a, imm); break;
        }
    }

    private void AluRR(Alu op, OperandSize size, Gpr a, Gpr b)
    {
        switch (op)
        {
            case Alu.Add: _asm.Add(size, a, b); break;
            case Alu.Sub: _asm.Sub(size, a, b); break;
            case Alu.And: _asm.And(size, a, b); break;
            case Alu.Or: _asm.Or(size, a, b); break;
            case Alu.Xor: _asm.Xor(size, a, b); break;
            default: _asm.Cmp(size, a, b); break;
        }
    }

    private void AluRM(Alu op, OperandSize size, Gpr a, Mem b)
    {
        switch (op)
        {
            case Alu.Add: _asm.Add(size, a, b); break;
            case Alu.Sub: _asm.Sub(size, a, b); break;
            case Alu.And: _asm.And(size, a, b); break;
            case Alu.Or: _asm.Or(size, a, b); break;
            case Alu.Xor: _asm.Xor(size, a, b); break;
            default: _asm.Cmp(size, a, b); break;
        }
    }

    private static bool FitsImm(in Val v, OperandSize size) =>
        v.Loc == Loc.Const && (size == OperandSize.S32 || (long)v.Bits == (int)(long)v.Bits);

    /// <summary>a op b with b folded as an immediate or a slot operand when it can be; leaves a in its register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Gpr AluOperands(Alu op, OperandSize size)
    {
        Val b = Pop();
        int bPos = _height;
        // cmp only reads its left operand: a local's register serves as it is.
        Gpr a = op == Alu.Cmp ? PopReadOnlyGpr() : PopDestinationGpr(in b);
        if (FitsImm(in b, size))
        {
            AluRI(op, size, a, unchecked((int)(long)b.Bits));
        }
        else if (InMemory(in b))
        {
            AluRM(op, size, a, MemOf(in b, bPos));
        }
        else if (InRegister(in b))
        {
            AluRR(op, size, a, Gpr.FromIndex(b.Reg));
            FreeGpr(Gpr.FromIndex(b.Reg));
        }
        else
        {
            _asm.MovImm(s_scratch, (long)b.Bits);
            AluRR(op, size, a, s_scratch);
        }
        return a;
    }

    private void Binary(OperandSize size, ValType type, Alu op)
    {
        Gpr a = AluOperands(op, size);
        PushResult(type, a.Index, _fused);
    }

    private void Compare(OperandSize size, Condition cc)
    {
        Gpr a = AluOperands(Alu.Cmp, size);
        FreeGpr(a);
        PushCondition(cc);
    }

    private void TestZero(OperandSize size)
    {
        Val v = _stack[_height - 1];
        if (InMemory(in v))
        {
            Pop();
            _asm.Cmp(size, MemOf(in v, _height), 0);
        }
        else if (IsPinned(in v))
        {
            Pop();
            _asm.Test(size, Gpr.FromIndex(v.Reg), Gpr.FromIndex(v.Reg));
        }
        else
        {
            Gpr r = PopGpr();
            _asm.Test(size, r, r);
            FreeGpr(r);
        }
        PushCondition(Condition.Equal);
    }

    private void Multiply(OperandSize size, ValType type)
    {
        Val b = Pop();
        int bPos = _height;
        Gpr a = PopDestinationGpr(in b);
        if (FitsImm(in b, size))
        {
            _asm.Imul(size, a, a, unchecked((int)(long)b.Bits));
        }
        else if (InMemory(in b))
        {
            _asm.Imul(size, a, MemOf(in b, bPos));
        }
        else if (InRegister(in b))
        {
            _asm.Imul(size, a, Gpr.FromIndex(b.Reg));
            FreeGpr(Gpr.FromIndex(b.Reg));
        }
        else
        {
            _asm.MovImm(s_scratch, (long)b.Bits);
            _asm.Imul(size, a, s_scratch);
        }
        PushResult(type, a.Index, _fused);
    }

    /// <summary>
    /// div/rem through rax:rdx with explicit traps: divide by zero, and INT_MIN / -1 (overflow for
    /// div, 0 for rem, which idiv would fault on).
    /// </summary>
    private void Divide(OperandSize size, ValType type, bool signed, bool remainder)
    {
        if (_stack[_height - 1].Loc == Loc.Const && TryDivideByConstant(size, type, signed, remainder, _stack[_height - 1].Bits))
        {
            return;
        }
        Val bv = Pop();
        int bPos = _height;
        Gpr a = PopGpr();
        Gpr b = Gpr.Rcx;
        long constant = 0;
        bool isConst = bv.Loc == Loc.Const;
        if (isConst)
        {
            constant = size == OperandSize.S32 ? unchecked((int)(uint)bv.Bits) : (long)bv.Bits;
        }
        LoadGpr(b, in bv, bPos);
        Free(in bv);
        if (!isConst || constant == 0)
        {
            _asm.Test(size, b, b);
            _asm.Jcc(Condition.Zero, TrapLabel(TrapCode.IntegerDivideByZero));
        }
        _asm.Mov(size, Gpr.Rax, a);
        int vacated = VacatePinnedRegister(Gpr.Rdx);
        bool mayBeMinusOne = !isConst || constant == -1;
        Label overflow = signed && !remainder && mayBeMinusOne ? TrapLabel(TrapCode.IntegerOverflow) : default;
        IntegerSequences.Divide(_asm, size, signed, remainder, b, mayBeMinusOne, overflow);
        _asm.Mov(size, a, remainder ? Gpr.Rdx : Gpr.Rax);
        if (vacated >= 0)
        {
            LoadPinnedFromSlot(vacated);
        }
        PushReg(type, a.Index);
    }

    /// <summary>Division by a constant divisor on top of the stack, when <see cref="IntegerSequences.CanDivideByConstant"/> allows it.</summary>
    private bool TryDivideByConstant(OperandSize size, ValType type, bool signed, bool remainder, ulong bits)
    {
        if (!IntegerSequences.CanDivideByConstant(size, signed, bits))
        {
            return false;
        }
        Pop();
        Gpr a = PopGpr();
        IntegerSequences.DivideByConstant(_asm, size, signed, remainder, bits, a, Gpr.Rcx);
        PushReg(type, a.Index);
        return true;
    }

    /// <summary>kind: 0 shl, 1 sar, 2 shr, 3 rol, 4 ror. x86 masks the count like Wasm (by 31 or 63).</summary>
    private void Shift(OperandSize size, ValType type, int kind)
    {
        Val b = Pop();
        int bPos = _height;
        Gpr a = PopDestinationGpr(in b);
        if (b.Loc == Loc.Const)
        {
            int count = (int)(b.Bits & (size == OperandSize.S32 ? 31u : 63u));
            switch (kind)
            {
                case 0: _asm.Shl(size, a, count); break;
                case 1: _asm.Sar(size, a, count); break;
                case 2: _asm.Shr(size, a, count); break;
                case 3: _asm.Rol(size, a, count); break;
                default: _asm.Ror(size, a, count); break;
            }
        }
        else
        {
            LoadGpr(Gpr.Rcx, in b, bPos);
            Free(in b);
            switch (kind)
            {
                case 0: _asm.ShlCl(size, a); break;
                case 1: _asm.SarCl(size, a); break;
                case 2: _asm.ShrCl(size, a); break;
                case 3: _asm.RolCl(size, a); break;
                default: _asm.RorCl(size, a); break;
            }
        }
        PushResult(type, a.Index, _fused);
    }

    /// <summary>kind: 0 clz, 1 ctz, 2 popcnt; lzcnt/tzcnt/popcnt when the CPU has them, else bsr/bsf with the zero case fixed up.</summary>
    private void BitCount(OperandSize size, ValType type, int kind)
    {
        Gpr a = PopGpr();
        Gpr r = AllocGpr();
        CpuFeatures f = _asm.Features;
        int bits = size == OperandSize.S32 ? 32 : 64;
        switch (kind)
        {
            case 0 when f.Has(CpuFeature.Lzcnt):
                _asm.Lzcnt(size, r, a);
                break;
            case 0:
                // bsr gives the index of the highest set bit; zero input sets ZF and leaves r undefined.
                _asm.Bsr(size, r, a);
                _asm.Mov(OperandSize.S32, s_scratch, (2 * bits) - 1);
                _asm.Cmovcc(Condition.Zero, OperandSize.S32, r, s_scratch);
                _asm.Xor(OperandSize.S32, r, bits - 1);
                break;
            case 1 when f.Has(CpuFeature.Bmi1):
                _asm.Tzcnt(size, r, a);
                break;
            case 1:
                _asm.Bsf(size, r, a);
                _asm.Mov(OperandSize.S32, s_scratch, bits);
                _asm.Cmovcc(Condition.Zero, OperandSize.S32, r, s_scratch);
                break;
            default:
                if (!f.Has(CpuFeature.Popcnt))
                {
                    throw new UnsupportedFeatureException("popcnt needs a CPU with the POPCNT instruction");
                }
                _asm.Popcnt(size, r, a);
                break;
        }
        FreeGpr(a);
        PushReg(type, r.Index);
    }

    private void SignExtend(OperandSize size, ValType type, OperandSize from)
    {
        Gpr r = PopGpr();
        _asm.Movsx(size, r, from, r);
        PushReg(type, r.Index);
    }

    /// <summary>Second float operand: a register, its slot, or a pool constant.</summary>
    private void FloatOperands(bool f64, out Xmm a, out Val b, out Mem bMem, out bool bInMem)
    {
        b = Pop();
        int bPos = _height;
        a = PopDestinationXmm(in b);
        bInMem = !InRegister(in b);
        bMem = default;
        if (InMemory(in b))
        {
            bMem = MemOf(in b, bPos);
        }
        else if (b.Loc == Loc.Const)
        {
            bMem = f64 ? _asm.ConstF64(BitConverter.UInt64BitsToDouble(b.Bits)) : _asm.ConstF32(BitConverter.UInt32BitsToSingle((uint)b.Bits));
        }
    }

    private void FloatBinary(bool f64, int kind)
    {
        FloatOperands(f64, out Xmm a, out Val b, out Mem bm, out bool inMem);
        Xmm bx = inMem ? default : Xmm.FromIndex(b.Reg);
        switch (kind + (f64 ? 4 : 0))
        {
            case 0: if (inMem) { _asm.Addss(a, bm); } else { _asm.Addss(a, bx); } break;
            case 1: if (inMem) { _asm.Subss(a, bm); } else { _asm.Subss(a, bx); } break;
            case 2: if (inMem) { _asm.Mulss(a, bm); } else { _asm.Mulss(a, bx); } break;
            case 3: if (inMem) { _asm.Divss(a, bm); } else { _asm.Divss(a, bx); } break;
            case 4: if (inMem) { _asm.Addsd(a, bm); } else { _asm.Addsd(a, bx); } break;
            case 5: if (inMem) { _asm.Subsd(a, bm); } else { _asm.Subsd(a, bx); } break;
            case 6: if (inMem) { _asm.Mulsd(a, bm); } else { _asm.Mulsd(a, bx); } break;
            default: if (inMem) { _asm.Divsd(a, bm); } else { _asm.Divsd(a, bx); } break;
        }
        Free(in b);
        PushResult(f64 ? ValType.F64 : ValType.F32, a.Index, _fused);
    }

    private Xmm PopXmmOperand(bool f64, out Val b)
    {
        b = Pop();
        if (InRegister(in b))
        {
            return Xmm.FromIndex(b.Reg);
        }
        LoadXmm(Xmm.Xmm0, in b, _height);
        return Xmm.Xmm0;
    }

    private void Ucomis(bool f64, Xmm a, Xmm b) => FloatSequences.Ucomis(_asm, f64, a, b);

    /// <summary>
    /// Ordered compares as one condition: a &gt; b is "above" after ucomis a, b (unordered sets CF
    /// and ZF, so it is false for NaN); a &lt; b compares the swapped operands.
    /// </summary>
    private void FloatCompare(bool f64, bool swap, Condition cc)
    {
        Xmm b = PopXmmOperand(f64, out Val bv);
        Xmm a = PopXmm();
        if (swap)
        {
            Ucomis(f64, b, a);
        }
        else
        {
            Ucomis(f64, a, b);
        }
        FreeXmm(a);
        Free(in bv);
        PushCondition(cc);
    }

    /// <summary>eq is ZF=1 and PF=0; ne is ZF=0 or PF=1 (NaN compares unequal).</summary>
    private void FloatEquality(bool f64, bool ne)
    {
        Xmm b = PopXmmOperand(f64, out Val bv);
        Xmm a = PopXmm();
        Gpr r = AllocGpr();
        Ucomis(f64, a, b);
        FreeXmm(a);
        Free(in bv);
        FloatSequences.EqualityFromFlags(_asm, ne, r, s_scratch2);
        PushReg(ValType.I32, r.Index);
    }

    /// <summary>kind: 0 abs, 1 neg, 2 copysign; sign-bit masks from the constant pool (16 bytes, as legacy SSE needs).</summary>
    private void FloatSignOp(bool f64, int kind)
    {
        FloatSequences.SignMasks(_asm, f64, out Mem signMask, out Mem absMask);
        if (kind == 2)
        {
            Xmm b = PopXmmOperand(f64, out Val bv);
            Xmm a = PopXmm();
            if (b != Xmm.Xmm0)
            {
                _asm.Movaps(Xmm.Xmm0, b);
            }
            FloatSequences.Copysign(_asm, a, Xmm.Xmm0, signMask, absMask);
            Free(in bv);
            PushReg(f64 ? ValType.F64 : ValType.F32, a.Index);
            return;
        }
        Xmm x = PopXmm();
        FloatSequences.AbsOrNeg(_asm, kind == 1, x, signMask, absMask);
        PushReg(f64 ? ValType.F64 : ValType.F32, x.Index);
    }

    private void FloatRound(bool f64, RoundingMode mode)
    {
        if (!_asm.Features.Has(CpuFeature.Sse41))
        {
            int kind = mode switch
            {
                RoundingMode.Up => 0,
                RoundingMode.Down => 1,
                RoundingMode.Truncate => 2,
                _ => 3,
            };
            CallFloatHelper(f64, kind);
            return;
        }
        Xmm x = PopXmm();
        if (f64)
        {
            _asm.Roundsd(x, x, mode);
        }
        else
        {
            _asm.Roundss(x, x, mode);
        }
        PushReg(f64 ? ValType.F64 : ValType.F32, x.Index);
    }

    /// <summary>
    /// Wasm min/max: a NaN operand gives a NaN (a + b, as the interpreter computes it), and -0 &lt; +0;
    /// minss/maxss alone get both wrong, so equal operands (which includes ±0) combine their sign bits.
    /// </summary>
    private void FloatMinMax(bool f64, bool max)
    {
        Xmm b = PopXmmOperand(f64, out Val bv);
        Xmm a = PopXmm();
        FloatSequences.MinMax(_asm, f64, max, a, b);
        Free(in bv);
        PushReg(f64 ? ValType.F64 : ValType.F32, a.Index);
    }

    /// <summary>Signed conversion; an unsigned i32 converts as the zero-extended (hence non-negative) i64.</summary>
    private void IntToFloat(bool f64, OperandSize size)
    {
        Gpr r = PopGpr();
        Xmm x = AllocXmm();
        FloatSequences.SignedToFloat(_asm, f64, x, size, r);
        FreeGpr(r);
        PushReg(f64 ? ValType.F64 : ValType.F32, x.Index);
    }

    /// <summary>
    /// u64 to float: non-negative values convert directly; otherwise halve with the low bit kept
    /// sticky (so rounding stays correct), convert, and double.
    /// </summary>
    private void UnsignedI64ToFloat(bool f64)
    {
        Gpr r = PopGpr();
        Xmm x = AllocXmm();
        FloatSequences.UnsignedI64ToFloat(_asm, f64, x, r, s_scratch, s_scratch2);
        FreeGpr(r);
        PushReg(f64 ? ValType.F64 : ValType.F32, x.Index);
    }
}
