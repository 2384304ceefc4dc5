using System.Runtime.ExceptionServices;

namespace Kiln;

/// <summary>State compiled code needs from its store.</summary>
public sealed partial class Store
{
    /// <summary>An exception raised under compiled code (host function, interpreter, helper), rethrown by the entry that started the Wasm call.</summary>
    internal ExceptionDispatchInfo? PendingException { get; set; }

    /// <summary>The compiled frames active at the last trap (innermost first), recorded before the stack unwound.</summary>
    internal List<WasmFrame>? PendingFrames { get; set; }
}
