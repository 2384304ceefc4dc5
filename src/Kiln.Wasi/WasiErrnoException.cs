using Kiln.Wasi.Abi;

namespace Kiln.Wasi;

/// <summary>
/// Carries a WASI errno out of a host function's helpers to its entry point, which returns it to
/// the guest. It never reaches the embedder: every WASI function catches it.
/// </summary>
internal sealed class WasiErrnoException(Errno errno) : Exception($"WASI error {errno}")
{
    public Errno Errno { get; } = errno;

    public static void ThrowIf(bool condition, Errno errno)
    {
        if (condition)
        {
            throw new WasiErrnoException(errno);
        }
    }
}
