using Kiln.Jit.X64;

namespace Kiln.Compiled;

/// <summary>
/// A compiling tier's shared trap stubs for one batch: a label per <see cref="TrapCode"/>, created at its first use,
/// the status trap (trap code in eax, as the truncation and call-status checks leave it) and the common exit. Each
/// stub used puts its code in ecx and all end in <see cref="CompiledAbi.EmitTrapExit"/>. No .NET exception is involved.
/// </summary>
internal sealed class TrapStubs
{
    private readonly Label[] _labels = new Label[16];
    private Label _common;

    /// <summary>The stub that traps with the code in eax.</summary>
    public Label Status { get; private set; }

    /// <summary>Whether some trap code's stub has been asked for in this batch.</summary>
    public bool AnyUsed => Array.Exists(_labels, l => l.IsValid);

    /// <summary>Starts a batch: forgets the previous batch's stubs.</summary>
    public void Begin(Assembler asm)
    {
        Array.Clear(_labels);
        _common = asm.CreateLabel();
        Status = asm.CreateLabel();
    }

    /// <summary>The stub of <paramref name="code"/>, created at its first use (only used stubs are emitted).</summary>
    public Label For(Assembler asm, TrapCode code)
    {
        ref Label l = ref _labels[(int)code];
        if (!l.IsValid)
        {
            l = asm.CreateLabel();
        }
        return l;
    }

    /// <summary>The stub of <paramref name="code"/> as it is (invalid when it was never used).</summary>
    public Label Existing(TrapCode code) => _labels[(int)code];

    /// <summary>Emits the used stubs in trap-code order, then the status trap and the common exit.</summary>
    public void Emit(Assembler asm)
    {
        for (int i = 0; i < _labels.Length; i++)
        {
            if (_labels[i].IsValid)
            {
                asm.Bind(_labels[i]);
                asm.Mov(OperandSize.S32, Gpr.Rcx, i);
                asm.Jmp(_common);
            }
        }
        asm.Bind(Status);
        asm.Mov(OperandSize.S32, Gpr.Rcx, Gpr.Rax);
        asm.Bind(_common);
        // Every trap site runs with rsp 16-byte aligned (inside a function body) and r15 = vmctx, as the exit needs.
        CompiledAbi.EmitTrapExit(asm, Gpr.Rcx);
    }
}
