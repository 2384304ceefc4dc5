namespace Kiln;

/// <summary>
/// A request exceeds a limit the embedder set or the platform imposes (memory pages, table
/// elements, address space). Distinct from a trap: it is raised before any Wasm code runs.
/// </summary>
public sealed class ResourceLimitException : Exception
{
    public ResourceLimitException(string message)
        : base(message)
    {
    }
}
