namespace Kiln.Wasm.Model;

/// <summary>
/// Names from the custom "name" section, kept for backtraces, profilers and debuggers. A malformed
/// name section is ignored (the spec makes custom sections non-normative), never an error.
/// </summary>
public sealed class NameSection
{
    public string? ModuleName { get; set; }

    public Dictionary<uint, string> FunctionNames { get; } = [];

    /// <summary>Local names by function index, then local index.</summary>
    public Dictionary<uint, Dictionary<uint, string>> LocalNames { get; } = [];
}

/// <summary>A custom section other than "name", kept as bytes.</summary>
public sealed record CustomSection(string Name, ReadOnlyMemory<byte> Content, int Offset);
