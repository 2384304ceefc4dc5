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
}
