namespace Kiln.Jit.Linking;

/// <summary>
/// One place in the assembler's output whose bytes depend on a final address: write
/// <see cref="Kind"/> of (target + <see cref="Addend"/>) at <see cref="Offset"/> of <see cref="Section"/>.
/// The addend of a rel32 already accounts for the bytes between the field and the end of the
/// instruction, so applying it needs no knowledge of instruction encodings.
/// </summary>
public readonly record struct Relocation(
    RelocationSection Section,
    int Offset,
    RelocationKind Kind,
    RelocationTarget Target,
    long Addend);
