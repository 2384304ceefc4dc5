namespace Kiln.Wasm.Text;

/// <summary>How a script spells a module: as text, as binary bytes, or as quoted text.</summary>
public enum WastModuleKind
{
    /// <summary><c>(module field*)</c>: a module in text form, or the implicit module of a script that is a bare field list.</summary>
    Text,
    /// <summary><c>(module binary "..."*)</c>: the concatenated strings are a binary module.</summary>
    Binary,
    /// <summary><c>(module quote "..."*)</c>: the concatenated strings are text-format source, parsed only on demand.</summary>
    Quote,
}
