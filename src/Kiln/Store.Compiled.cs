using System.Runtime.ExceptionServices;
using Kiln.Compiled;

namespace Kiln;

/// <summary>State compiled code needs from its store.</summary>
public sealed partial class Store
{
    // The compiled modules this store has instances of: a module may write into the store's funcrefs when it installs
    // code (ModuleCode.Publish), so releasing the native memory first waits for any install in flight.
    private readonly HashSet<ModuleCode> _moduleCodes = new(ReferenceEqualityComparer.Instance);
    private volatile bool _released;

    /// <summary>An exception raised under compiled code (host function, interpreter, helper), rethrown by the entry that started the Wasm call.</summary>
    internal ExceptionDispatchInfo? PendingException { get; set; }

    /// <summary>The compiled frames active at the last trap (innermost first), recorded before the stack unwound.</summary>
    internal List<WasmFrame>? PendingFrames { get; set; }

    /// <summary>True once the store has begun freeing its native memory: installs skip its instances from then on.</summary>
    internal bool IsReleased => _released;

    /// <summary>Notes that an instance of this store uses <paramref name="code"/> (see <see cref="WaitForInstalls"/>).</summary>
    internal void UsesModuleCode(ModuleCode code)
    {
        lock (_moduleCodes)
        {
            _moduleCodes.Add(code);
        }
    }

    /// <summary>
    /// SECURITY: marks the store released, then waits on each module's install lock, so no install is writing into the
    /// store's funcrefs when they are freed (an install that starts later sees the mark and skips the store).
    /// </summary>
    private void WaitForInstalls()
    {
        _released = true;
        ModuleCode[] codes;
        lock (_moduleCodes)
        {
            codes = [.. _moduleCodes];
        }
        foreach (ModuleCode code in codes)
        {
            code.ReleaseStore();
        }
    }
}
