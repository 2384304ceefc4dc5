namespace Kiln;

/// <summary>
/// One entry of a <see cref="CodeLineTable"/>: from <paramref name="CodeOffset"/> (bytes from the function's start) up
/// to the next entry, the machine code comes from the Wasm instruction at <paramref name="BytecodeOffset"/> (bytes
/// from the start of the module).
/// </summary>
public readonly record struct CodeLine(int CodeOffset, int BytecodeOffset);
