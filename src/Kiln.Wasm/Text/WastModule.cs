using Kiln.Wasm.Model;

namespace Kiln.Wasm.Text;

/// <summary>
/// A module as written in a script, not yet converted: a runner decides when to decode it, so a
/// malformed module is reported by the command that expects it to be malformed. For
/// <see cref="WastModuleKind.Binary"/>, <see cref="Bytes"/> is the .wasm image; for
/// <see cref="WastModuleKind.Quote"/> it is the quoted text source; for <see cref="WastModuleKind.Text"/>
/// it is the module's own source text, already tokenized.
/// </summary>
public sealed class WastModule
{
    private readonly TokenList? _tokens;
    private readonly int _firstField;
    private readonly int _end;
    private readonly string _fileName;

    private WastModule(string? id, WastModuleKind kind, int line, byte[] bytes, TokenList? tokens, int firstField, int end, string fileName)
    {
        _fileName = fileName;
        Id = id;
        Kind = kind;
        Line = line;
        Bytes = bytes;
        _tokens = tokens;
        _firstField = firstField;
        _end = end;
    }

    /// <summary>The module's <c>$id</c> (with the <c>$</c>), used by <c>register</c>, actions and later commands.</summary>
    public string? Id { get; }

    public WastModuleKind Kind { get; }

    /// <summary>Source line of the module in the script.</summary>
    public int Line { get; }

    public byte[] Bytes { get; }

    internal static WastModule Binary(string? id, int line, byte[] bytes, string fileName) =>
        new(id, WastModuleKind.Binary, line, bytes, null, 0, 0, fileName);

    internal static WastModule Quote(string? id, int line, byte[] source, string fileName) =>
        new(id, WastModuleKind.Quote, line, source, null, 0, 0, fileName);

    /// <summary>A text module whose fields are tokens [<paramref name="firstField"/>, <paramref name="end"/>) of <paramref name="tokens"/>.</summary>
    internal static WastModule Text(string? id, int line, TokenList tokens, int firstField, int end, byte[] source) =>
        new(id, WastModuleKind.Text, line, source, tokens, firstField, end, tokens.FileName ?? "");

    /// <summary>
    /// Converts a <see cref="WastModuleKind.Text"/> or <see cref="WastModuleKind.Quote"/> module to the
    /// model (unvalidated). Errors are <see cref="MalformedModuleException"/>; a quoted module's
    /// positions are within the quoted text, named "file.wast:LINE(quote)". Binary modules are decoded
    /// by the binary reader from <see cref="Bytes"/>.
    /// </summary>
    public WasmModule ParseText() => Kind switch
    {
        WastModuleKind.Text => ModuleParser.Parse(_tokens!, _firstField, _end, Id),
        WastModuleKind.Quote => TextParser.ParseModule(Bytes, $"{_fileName}:{Line}(quote)"),
        _ => throw new InvalidOperationException("a binary module is decoded by the binary reader, not the text parser"),
    };
}
