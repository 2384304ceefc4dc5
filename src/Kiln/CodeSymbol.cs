namespace Kiln;

/// <summary>
/// One named range of machine code: <c>module!function</c> (names from the name section), its address and size in
/// bytes; for compiled Wasm functions also which bytecode each instruction range comes from (<see cref="Lines"/>) and
/// where the fixed prologue and epilogue are (<see cref="Frame"/>), so profilers and debuggers need not guess.
/// </summary>
public readonly record struct CodeSymbol(string Name, nint Address, int Size, CodeLineTable? Lines = null, CodeFrame? Frame = null);
