using Iced.Intel;
using Kiln.Jit.X64;

namespace Kiln.Jit.Diagnostics;

public sealed partial class FrameLayout
{
    // SysV x86-64 callee-saved registers other than rbp: the ones whose saves an unwinder must know.
    private static readonly Register[] s_calleeSaved = [Register.RBX, Register.R12, Register.R13, Register.R14, Register.R15];

    /// <summary>
    /// Derives the layout from machine code, for code generators that report only names and ranges: the first
    /// <c>push rbp; mov rbp, rsp</c> (anywhere: stubs without a frame may come first), the callee-saved registers
    /// pushed right after it, and every <c>pop rbp</c> or <c>leave</c> followed by <c>ret</c> or a tail <c>jmp</c> as
    /// an epilogue. Code without that prologue gets <see cref="NoFrame"/>. A generator that knows its frames should
    /// describe them instead: this reads code linearly and trusts that no data sits between instructions.
    /// </summary>
    public static FrameLayout Infer(ReadOnlySpan<byte> code)
    {
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code.ToArray()));
        var instructions = new List<Instruction>();
        while (decoder.IP < (ulong)code.Length)
        {
            decoder.Decode(out Instruction instruction);
            if (instruction.IsInvalid)
            {
                break;
            }
            instructions.Add(instruction);
        }

        int prologue = -1;
        for (int i = 0; i + 1 < instructions.Count; i++)
        {
            if (IsPushRbp(instructions[i]) && IsMovRbpRsp(instructions[i + 1]))
            {
                prologue = i;
                break;
            }
        }
        if (prologue < 0)
        {
            return NoFrame;
        }
        FrameLayout layout = RbpFrame((int)instructions[prologue].NextIP, (int)instructions[prologue + 1].NextIP);
        int cfaOffset = 24;
        int next = prologue + 2;
        for (; next < instructions.Count; next++)
        {
            Instruction push = instructions[next];
            if (push.Code != Code.Push_r64 || Array.IndexOf(s_calleeSaved, push.Op0Register) < 0)
            {
                break;
            }
            layout.WithSavedRegister(ToGpr(push.Op0Register), (int)push.NextIP, cfaOffset);
            cfaOffset += 8;
        }
        for (int i = next; i + 1 < instructions.Count; i++)
        {
            Instruction teardown = instructions[i];
            Instruction leave = instructions[i + 1];
            bool restoresRbp = (teardown.Code == Code.Pop_r64 && teardown.Op0Register == Register.RBP) || teardown.Code == Code.Leaveq;
            bool exits = leave.FlowControl is FlowControl.Return or FlowControl.UnconditionalBranch or FlowControl.IndirectBranch;
            if (restoresRbp && exits)
            {
                layout.WithEpilogue((int)teardown.NextIP, (int)leave.NextIP);
                i++;
            }
        }
        return layout;
    }

    private static bool IsPushRbp(in Instruction i) => i.Code == Code.Push_r64 && i.Op0Register == Register.RBP;

    private static bool IsMovRbpRsp(in Instruction i) =>
        (i.Code is Code.Mov_r64_rm64 or Code.Mov_rm64_r64) && i.Op0Register == Register.RBP && i.Op1Register == Register.RSP;

    private static Gpr ToGpr(Register register) => register switch
    {
        Register.RBX => Gpr.Rbx,
        Register.R12 => Gpr.R12,
        Register.R13 => Gpr.R13,
        Register.R14 => Gpr.R14,
        _ => Gpr.R15,
    };
}
