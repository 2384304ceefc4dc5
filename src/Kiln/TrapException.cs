using System.Text;

namespace Kiln;

/// <summary>
/// Wasm execution trapped. <see cref="Code"/> says why (its message uses the spec's words) and
/// <see cref="Backtrace"/> lists the Wasm frames that were active, innermost first, named from the
/// name section or by index. The store and its instances stay usable after a trap.
/// </summary>
public sealed class TrapException : Exception
{
    private readonly List<WasmFrame> _backtrace = [];

    public TrapException(TrapCode code)
        : base(code.ToMessage())
    {
        Code = code;
    }

    public TrapException(TrapCode code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    public TrapCode Code { get; }

    /// <summary>Active Wasm frames at the trap, innermost first.</summary>
    public IReadOnlyList<WasmFrame> Backtrace => _backtrace.AsReadOnly();

    /// <summary>The message followed by the Wasm backtrace, one frame a line.</summary>
    public string Describe()
    {
        var sb = new StringBuilder(Message);
        for (int i = 0; i < _backtrace.Count; i++)
        {
            sb.Append('\n').Append("  ").Append(i).Append(": ").Append(_backtrace[i]);
        }
        return sb.ToString();
    }

    public override string ToString() => Describe() + "\n" + base.ToString();

    internal void AddFrame(WasmFrame frame) => _backtrace.Add(frame);
}

/// <summary>One Wasm function activation in a trap backtrace.</summary>
public readonly record struct WasmFrame(string? ModuleName, uint FunctionIndex, string FunctionName)
{
    public override string ToString() => ModuleName is null ? FunctionName : $"{ModuleName}!{FunctionName}";
}
