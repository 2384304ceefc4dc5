using Kiln.Jit.X64;

namespace Kiln.Compiled;

/// <summary>
/// Integer sequences both compiling tiers emit, written once over registers the caller chose (see
/// <see cref="FloatSequences"/> for the float ones).
/// </summary>
internal static class IntegerSequences
{
    /// <summary>
    /// div/rem of rax by <paramref name="divisor"/> (not rax or rdx, already checked non-zero): the quotient in rax,
    /// the remainder in rdx. Signed division whose divisor may be -1 (<paramref name="divisorMayBeMinusOne"/>)
    /// handles INT_MIN / -1, which idiv would fault on: div jumps to <paramref name="overflowTrap"/> (only used, so
    /// only needed, for a signed div that checks), rem gives 0 (spec 4.3.2).
    /// </summary>
    public static void Divide(Assembler asm, OperandSize size, bool signed, bool remainder, Gpr divisor, bool divisorMayBeMinusOne, Label overflowTrap)
    {
        Label done = default;
        if (signed && divisorMayBeMinusOne)
        {
            Label normal = asm.CreateLabel();
            asm.Cmp(size, divisor, -1);
            asm.Jcc(Condition.NotEqual, normal, JumpDistance.Short);
            if (remainder)
            {
                // Spec 4.3.2: irem_s(INT_MIN, -1) = 0; idiv would raise #DE.
                done = asm.CreateLabel();
                asm.Xor(OperandSize.S32, Gpr.Rdx, Gpr.Rdx);
                asm.Jmp(done, JumpDistance.Short);
            }
            else
            {
                if (size == OperandSize.S32)
                {
                    asm.Cmp(OperandSize.S32, Gpr.Rax, int.MinValue);
                }
                else
                {
                    asm.MovImm(Gpr.Rdx, long.MinValue);
                    asm.Cmp(OperandSize.S64, Gpr.Rax, Gpr.Rdx);
                }
                asm.Jcc(Condition.Equal, overflowTrap);
            }
            asm.Bind(normal);
        }
        if (signed)
        {
            if (size == OperandSize.S32)
            {
                asm.Cdq();
            }
            else
            {
                asm.Cqo();
            }
            asm.Idiv(size, divisor);
        }
        else
        {
            asm.Xor(OperandSize.S32, Gpr.Rdx, Gpr.Rdx);
            asm.Div(size, divisor);
        }
        if (done.IsValid)
        {
            asm.Bind(done);
        }
    }

    /// <summary>
    /// Division by a constant without div/idiv (tens of cycles on the dependency chain): unsigned by a power of two is a
    /// shift or a mask; signed by a positive power of two rounds toward zero by adding 2^k-1 to negative dividends
    /// first; unsigned 32-bit by any other constant multiplies by m = ceil(2^(32+s)/d), s = ceil(log2 d), which is
    /// exact for every 32-bit dividend (Granlund and Montgomery, "Division by invariant integers using
    /// multiplication", 1994, theorem 4.2). m lies in [2^32, 2^33): with m' = m - 2^32 the quotient is
    /// ((x*m' >> 32) + x) >> s, all in 64-bit registers. Only for the divisors <see cref="CanDivideByConstant"/> accepts;
    /// the others keep the general sequence with its traps (zero, and -1 for signed). The dividend is in <paramref name="a"/>, which
    /// receives the result; <paramref name="t"/> is a scratch register.
    /// </summary>
    public static void DivideByConstant(Assembler asm, OperandSize size, bool signed, bool remainder, ulong bits, Gpr a, Gpr t)
    {
        int width = size == OperandSize.S32 ? 32 : 64;
        ulong d = width == 32 ? (uint)bits : bits;
        bool powerOfTwo = (d & (d - 1)) == 0;
        int k = System.Numerics.BitOperations.TrailingZeroCount(d);
        if (powerOfTwo && !signed)
        {
            if (!remainder)
            {
                if (k > 0)
                {
                    asm.Shr(size, a, k);
                }
            }
            else if (k == 0)
            {
                asm.Xor(OperandSize.S32, a, a);
            }
            else if (width == 32 || k < 32)
            {
                asm.And(size, a, unchecked((int)(d - 1)));
            }
            else
            {
                asm.Shl(size, a, width - k);
                asm.Shr(size, a, width - k);
            }
        }
        else if (powerOfTwo)
        {
            // t = x + (x < 0 ? 2^k - 1 : 0), the bias from the sign bits shifted down; then x / 2^k = t >> k and
            // x % 2^k = x - (t with its low k bits cleared).
            if (k == 0)
            {
                if (remainder)
                {
                    asm.Xor(OperandSize.S32, a, a);
                }
            }
            else
            {
                asm.Mov(size, t, a);
                asm.Sar(size, t, width - 1);
                asm.Shr(size, t, width - k);
                asm.Add(size, t, a);
                asm.Sar(size, t, k);
                if (remainder)
                {
                    asm.Shl(size, t, k);
                    asm.Sub(size, a, t);
                }
                else
                {
                    asm.Mov(size, a, t);
                }
            }
        }
        else
        {
            // Unsigned 32-bit: a holds x zero-extended (i32 values in registers always are).
            int shift = 64 - System.Numerics.BitOperations.LeadingZeroCount(d - 1);
            ulong m = (ulong)((((UInt128)1 << (32 + shift)) + d - 1) / d) - (1UL << 32);
            asm.Mov(OperandSize.S32, t, unchecked((int)(uint)m));
            asm.Imul(OperandSize.S64, t, a);
            asm.Shr(OperandSize.S64, t, 32);
            asm.Add(OperandSize.S64, t, a);
            asm.Shr(OperandSize.S64, t, shift);
            if (remainder)
            {
                asm.Imul(OperandSize.S32, t, t, unchecked((int)(uint)d));
                asm.Sub(OperandSize.S32, a, t);
            }
            else
            {
                asm.Mov(OperandSize.S32, a, t);
            }
        }
    }

    /// <summary>Whether <see cref="DivideByConstant"/> handles this divisor (the rest keep div/idiv and their traps).</summary>
    public static bool CanDivideByConstant(OperandSize size, bool signed, ulong bits)
    {
        int width = size == OperandSize.S32 ? 32 : 64;
        ulong d = width == 32 ? (uint)bits : bits;
        bool powerOfTwo = d != 0 && (d & (d - 1)) == 0;
        int k = powerOfTwo ? System.Numerics.BitOperations.TrailingZeroCount(d) : 0;
        return !(d == 0 || (signed && (!powerOfTwo || k == width - 1)) || (!powerOfTwo && (width != 32 || d < 3)));
    }
}
