namespace Kiln.Jit.Linking;

/// <summary>Which output of the assembler a relocation patches.</summary>
public enum RelocationSection : byte
{
    /// <summary>The executable code.</summary>
    Code,
    /// <summary>The read-only data (constant pool), e.g. an indirect-call slot holding a host address.</summary>
    ReadOnlyData,
}
