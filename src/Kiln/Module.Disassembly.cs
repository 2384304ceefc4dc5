namespace Kiln;

/// <summary>The machine code of a compiled module as text, for <c>kiln compile --disasm</c> and for reading what a tier emits.</summary>
public sealed partial class Module
{
    /// <summary>
    /// The listing of <paramref name="function"/> (one of <see cref="CompiledFunctions"/>): one x86-64 instruction per
    /// line in Intel syntax, each prefixed with its address, lines separated by <c>'\n'</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The module was not compiled (interpreter tier) or <paramref name="function"/> is not one of its functions.</exception>
    public string Disassemble(CodeSymbol function)
    {
        return string.Join('\n', Jit.X64.Disassembler.Disassemble(GetMachineCode(function), (ulong)function.Address));
    }
}
