namespace Kiln.Wasm.Text;

public enum WastModuleKind
{
    /// <summary><c>(module field*)</c>: a module in text form, or the implicit module of a script that is a bare field list.</summary>
    Text,
    /// <summary><c>(module binary "..."*)</c>: the concatenated strings are a binary module.</summary>
    Binary,
    /// <summary><c>(module quote "..."*)</c>: the concatenated strings are text-format source, parsed only on demand.</summary>
    Quote,
}

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

    private WastModule(string? id, WastModuleKind kind, int line, byte[] bytes, TokenList? tokens, int firstField, int end)
    {
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

    internal static WastModule Binary(string? id, int line, byte[] bytes) => new(id, WastModuleKind.Binary, line, bytes, null, 0, 0);

    internal static WastModule Quote(string? id, int line, byte[] source) => new(id, WastModuleKind.Quote, line, source, null, 0, 0);

    /// <summary>A text module whose fields are tokens [<paramref name="firstField"/>, <paramref name="end"/>) of <paramref name="tokens"/>.</summary>
    internal static WastModule Text(string? id, int line, TokenList tokens, int firstField, int end, byte[] source) =>
        new(id, WastModuleKind.Text, line, source, tokens, firstField, end);

    internal TokenList? Tokens => _tokens;

    internal int FirstField => _firstField;

    internal int End => _end;
}
