namespace Kiln;

/// <summary>One named range of machine code: <c>module!function</c> (names from the name section), its address and size in bytes.</summary>
public readonly record struct CodeSymbol(string Name, nint Address, int Size);
