namespace Kiln.Wasm.Text;

/// <summary>
/// A malformed WebAssembly text module or script: a lexical or syntactic error, or a literal out of
/// range. Carries the 1-based line and column (column counted in bytes of UTF-8 source) so users can
/// find the spot; <see cref="Reason"/> holds the bare message in the wording the spec tests expect.
/// </summary>
public sealed class TextFormatException : Exception
{
    public TextFormatException(string reason, string? fileName, int line, int column)
        : base(Format(reason, fileName, line, column))
    {
        Reason = reason;
        FileName = fileName;
        Line = line;
        Column = column;
    }

    /// <summary>The message without position, e.g. "unknown operator".</summary>
    public string Reason { get; }

    public string? FileName { get; }

    public int Line { get; }

    public int Column { get; }

    private static string Format(string reason, string? fileName, int line, int column) =>
        $"{fileName ?? "<text>"}:{line}:{column}: {reason}";
}
