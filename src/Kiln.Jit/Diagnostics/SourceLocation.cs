namespace Kiln.Jit.Diagnostics;

/// <summary>
/// One entry of a function's line table: from <see cref="CodeOffset"/> (bytes from the function's start) up to the
/// next entry, the machine code comes from <see cref="Line"/> of <see cref="File"/>. A Wasm compiler passes the
/// module's name and the bytecode offset as the line (or the .wat file and its line when the module came from text).
/// </summary>
public readonly record struct SourceLocation(int CodeOffset, string File, int Line);
