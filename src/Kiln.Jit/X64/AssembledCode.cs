using Kiln.Jit.Linking;

namespace Kiln.Jit.X64;

/// <summary>
/// The standalone output of assembling one function: code bytes, read-only data (to place at a
/// <see cref="ConstantPool.Alignment"/>-aligned address on non-executable pages) and the relocations
/// that tie them to their final addresses.
/// </summary>
public sealed class AssembledCode
{
    public AssembledCode(byte[] code, byte[] readOnlyData, Relocation[] relocations)
    {
        Code = code;
        ReadOnlyData = readOnlyData;
        Relocations = relocations;
    }

    public byte[] Code { get; }
    public byte[] ReadOnlyData { get; }
    public Relocation[] Relocations { get; }
}
