namespace Kiln;

/// <summary>
/// What a host function knows about its caller: the store and, when Wasm code made the call, the
/// calling instance (for its exported memory, as WASI needs).
/// </summary>
public readonly struct Caller
{
    internal Caller(Store store, Instance? instance)
    {
        Store = store;
        Instance = instance;
    }

    public Store Store { get; }

    /// <summary>The calling instance, or null when the embedder called the function directly.</summary>
    public Instance? Instance { get; }

    /// <summary>The caller's exported memory named <paramref name="name"/>, if any.</summary>
    public Memory? GetMemory(string name = "memory") => Instance?.GetMemory(name);
}

/// <summary>
/// An untyped host function: reads <paramref name="args"/> and writes one value per result type
/// into <paramref name="results"/>. An exception it throws becomes a trap with the exception inside.
/// </summary>
public delegate void HostFunction(Caller caller, ReadOnlySpan<Value> args, Span<Value> results);

/// <summary>The internal form of every host function: arguments in slots [0, params), results written to [0, results).</summary>
internal unsafe delegate void HostThunk(in Caller caller, ulong* slots);
