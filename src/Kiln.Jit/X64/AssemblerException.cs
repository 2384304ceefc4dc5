namespace Kiln.Jit.X64;

/// <summary>
/// An internal compiler error found by the assembler: an unbound label, a short jump that does not
/// reach, an operand combination x86-64 cannot encode, or an instruction the CPU lacks. It always
/// means a bug in the compiler that drove the assembler, never bad user input.
/// </summary>
public sealed class AssemblerException : Exception
{
    public AssemblerException(string message) : base(message)
    {
    }
}
