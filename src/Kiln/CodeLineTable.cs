namespace Kiln;

/// <summary>
/// Maps a compiled function's machine code back to its Wasm bytecode, for perf's jitdump debug records and GDB's
/// <c>.debug_line</c>. Entries are sorted by strictly increasing code offset, each inside the function; as in
/// Wasmtime and V8, tools show the bytecode offset as the "line" of <see cref="File"/>.
/// </summary>
public sealed class CodeLineTable
{
    private readonly CodeLine[] _entries;

    /// <summary>Wraps <paramref name="entries"/> (not copied: the caller hands it over) for the module <paramref name="file"/>.</summary>
    public CodeLineTable(string file, CodeLine[] entries)
    {
        ArgumentException.ThrowIfNullOrEmpty(file);
        ArgumentNullException.ThrowIfNull(entries);
        File = file;
        _entries = entries;
    }

    /// <summary>The module's name as tools show it (its name, or <c>module.wasm</c> when it has none).</summary>
    public string File { get; }

    /// <summary>The entries, by increasing code offset.</summary>
    public IReadOnlyList<CodeLine> Entries => Array.AsReadOnly(_entries);
}
