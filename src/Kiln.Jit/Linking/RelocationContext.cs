namespace Kiln.Jit.Linking;

/// <summary>
/// The final addresses relocations of one piece of code resolve against: where its code and its
/// read-only data will execute from, the entry of every function of the batch, and the symbol table.
/// </summary>
public readonly ref struct RelocationContext
{
    public RelocationContext(ulong codeAddress, ulong readOnlyDataAddress, ReadOnlySpan<ulong> functionAddresses, SymbolTable? symbols)
    {
        CodeAddress = codeAddress;
        ReadOnlyDataAddress = readOnlyDataAddress;
        FunctionAddresses = functionAddresses;
        Symbols = symbols;
    }

    /// <summary>Executable address of byte 0 of the code.</summary>
    public ulong CodeAddress { get; }
    /// <summary>Address of byte 0 of the read-only data (constant pool).</summary>
    public ulong ReadOnlyDataAddress { get; }
    /// <summary>Entry address of each function of the batch, by index.</summary>
    public ReadOnlySpan<ulong> FunctionAddresses { get; }
    public SymbolTable? Symbols { get; }
}
