namespace Kiln.Jit.Traps;

/// <summary>
/// One code range whose faulting instructions <see cref="TrapHandler"/> redirects to a recovery address. Dispose it
/// before the code is freed; disposing is idempotent and safe from any thread, and when it returns no signal handler
/// on any thread still reads the range's sites.
/// </summary>
public sealed unsafe class TrapSiteRegistration : IDisposable
{
    private int _disposed;

    internal TrapSiteRegistration(nint codeStart, int codeLength, int* sites, int siteCount, nint recoveryAddress)
    {
        CodeStart = codeStart;
        CodeLength = codeLength;
        Sites = sites;
        SiteCount = siteCount;
        RecoveryAddress = recoveryAddress;
    }

    public nint CodeStart { get; }

    public int CodeLength { get; }

    public nint CodeEnd => CodeStart + CodeLength;

    /// <summary>Number of instructions registered as trap sites.</summary>
    public int SiteCount { get; }

    public nint RecoveryAddress { get; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The native, sorted site offsets the handler searches (owned by the registry).</summary>
    internal int* Sites { get; }

    /// <summary>The code offsets of the sites (a copy), for diagnostics and tests.</summary>
    public int[] GetSiteOffsets()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return new ReadOnlySpan<int>(Sites, SiteCount).ToArray();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            TrapHandler.Unregister(this);
        }
    }
}
