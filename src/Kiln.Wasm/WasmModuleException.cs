namespace Kiln.Wasm;

/// <summary>
/// Base of the errors a module can be rejected with. <see cref="Reason"/> uses the spec test
/// suite's wording ("unexpected end", "type mismatch", ...) so scripts can match it; the message adds
/// where: a byte offset (and function index) for binary modules, <c>file:line:column</c> for text.
/// </summary>
public abstract class WasmModuleException : Exception
{
    protected WasmModuleException(string reason, int offset, uint? functionIndex)
        : base(FormatBinary(reason, offset, functionIndex))
    {
        Reason = reason;
        Offset = offset;
        FunctionIndex = functionIndex;
    }

    /// <summary>A rule about one item of the module as a whole (an export, a memory, the start function), named by <paramref name="item"/>.</summary>
    protected WasmModuleException(string reason, string item)
        : base($"{reason} ({item})")
    {
        Reason = reason;
        Offset = -1;
    }

    protected WasmModuleException(string reason, string? sourceName, int line, int column)
        : base($"{sourceName ?? "<text>"}:{line}:{column}: {reason}")
    {
        Reason = reason;
        Offset = -1;
        SourceName = sourceName;
        Line = line;
        Column = column;
    }

    /// <summary>What is wrong, in the spec suite's words.</summary>
    public string Reason { get; }

    /// <summary>Byte offset in the binary module, or -1 for text and for rules about the module as a whole.</summary>
    public int Offset { get; }

    /// <summary>The function whose body holds the error, when there is one.</summary>
    public uint? FunctionIndex { get; }

    public string? SourceName { get; }

    /// <summary>1-based line in the text source, or 0 for binary.</summary>
    public int Line { get; }

    public int Column { get; }

    /// <summary>Offset -1 means the rule concerns the module as a whole (an export, the start function, ...).</summary>
    private static string FormatBinary(string reason, int offset, uint? functionIndex) => (offset, functionIndex) switch
    {
        ( >= 0, { } f) => $"{reason} (at offset 0x{offset:x}, in function {f})",
        ( >= 0, null) => $"{reason} (at offset 0x{offset:x})",
        (_, { } f) => $"{reason} (in function {f})",
        _ => reason,
    };
}

/// <summary>The input is not a well-formed module: bad encoding, or text that does not parse.</summary>
public sealed class MalformedModuleException : WasmModuleException
{
    public MalformedModuleException(string reason, int offset, uint? functionIndex = null)
        : base(reason, offset, functionIndex)
    {
    }

    public MalformedModuleException(string reason, string? sourceName, int line, int column)
        : base(reason, sourceName, line, column)
    {
    }
}

/// <summary>The module is well formed but breaks a validation rule (spec chapter 3).</summary>
public sealed class InvalidModuleException : WasmModuleException
{
    /// <summary>A rule about one item of the module as a whole, e.g. <c>export "f"</c> or <c>memory 0</c>.</summary>
    public InvalidModuleException(string reason, string item)
        : base(reason, item)
    {
    }

    public InvalidModuleException(string reason, int offset, uint? functionIndex = null)
        : base(reason, offset, functionIndex)
    {
    }

    public InvalidModuleException(string reason, string? sourceName, int line, int column)
        : base(reason, sourceName, line, column)
    {
    }
}
