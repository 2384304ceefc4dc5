using System.Collections.Concurrent;
using Kiln.Wasm.Model;

namespace Kiln;

/// <summary>
/// The root of a Kiln embedding: holds the options and the engine-wide signature registry, so
/// modules compiled by one engine share type ids and can call each other indirectly. Thread-safe;
/// create one per process and share it.
/// </summary>
public sealed class Engine : IDisposable
{
    private readonly ConcurrentDictionary<FuncType, int> _signatures = new();
    private int _nextSignature;

    public Engine(EngineOptions? options = null)
    {
        Options = options ?? new EngineOptions();
        if (Options.Tier != Tier.Interpreter)
        {
            throw new UnsupportedFeatureException($"tier {Options.Tier} is not available yet; use Tier.Interpreter");
        }
    }

    public EngineOptions Options { get; }

    /// <summary>The engine-wide id of a function type: equal types get equal ids (call_indirect compares ids).</summary>
    internal int GetSignatureId(FuncType type) =>
        _signatures.GetOrAdd(type, static (_, self) => Interlocked.Increment(ref self._nextSignature), this);

    public void Dispose()
    {
    }
}
