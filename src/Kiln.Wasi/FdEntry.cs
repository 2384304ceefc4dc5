using Kiln.Wasi.Abi;
using Kiln.Wasi.Native;

namespace Kiln.Wasi;

/// <summary>
/// One open WASI descriptor: either a host file descriptor (files, directories, inherited stdio),
/// which Kiln owns and closes, or a .NET stream standing in for redirected stdio. Its rights are
/// fixed when it is opened and can only shrink (fd_fdstat_set_rights).
/// </summary>
internal sealed class FdEntry : IDisposable
{
    private int _hostFd;

    private FdEntry(int hostFd, Stream? stream, Filetype filetype, Rights rightsBase, Rights rightsInheriting)
    {
        _hostFd = hostFd;
        Stream = stream;
        Filetype = filetype;
        RightsBase = rightsBase;
        RightsInheriting = rightsInheriting;
    }

    /// <summary>The host descriptor, or -1 for a stream.</summary>
    public int HostFd => _hostFd;

    public Stream? Stream { get; }

    public Filetype Filetype { get; }

    public Rights RightsBase { get; set; }

    public Rights RightsInheriting { get; set; }

    /// <summary>The fdflags a stream entry reports (host descriptors keep theirs in the kernel).</summary>
    public ushort StreamFlags { get; set; }

    /// <summary>The guest path of a preopened directory; null for everything else.</summary>
    public string? PreopenPath { get; init; }

    /// <summary>
    /// The directory listing fd_readdir serves from: taken at cookie 0 (opendir, rewinddir) and
    /// reused while the guest continues with later cookies, so reading a directory is linear.
    /// </summary>
    public List<(ulong Ino, Filetype Type, byte[] Name)>? Listing { get; set; }

    /// <summary>A duplicate of one of the host process's stdio descriptors, sharing its file status flags.</summary>
    public bool InheritedStdio { get; init; }

    /// <summary>True for a directory preopened read-only: nothing opened through it may write.</summary>
    public bool ReadOnly { get; init; }

    public bool IsDirectory => Filetype == Filetype.Directory;

    public static FdEntry ForHost(int hostFd, Filetype filetype, Rights rightsBase, Rights rightsInheriting, string? preopenPath = null,
        bool readOnly = false, bool inheritedStdio = false) =>
        new(hostFd, null, filetype, rightsBase, rightsInheriting) { PreopenPath = preopenPath, ReadOnly = readOnly, InheritedStdio = inheritedStdio };

    public static FdEntry ForStream(Stream stream, Rights rights) =>
        new(-1, stream, Filetype.CharacterDevice, rights, Rights.None);

    /// <summary>Fails with ENOTCAPABLE unless the descriptor holds every right in <paramref name="required"/>.</summary>
    public void Require(Rights required)
    {
        // SECURITY: rights are the capability check for every fd operation (preview1 semantics).
        WasiErrnoException.ThrowIf((RightsBase & required) != required, Errno.NotCapable);
    }

    /// <summary>The host descriptor; <paramref name="otherwise"/> when this entry is an embedder's stream.</summary>
    public int RequireHostFd(Errno otherwise = Errno.BadF)
    {
        WasiErrnoException.ThrowIf(_hostFd < 0, otherwise);
        return _hostFd;
    }

    public void Dispose()
    {
        if (_hostFd >= 0)
        {
            LibC.Close(_hostFd);
            _hostFd = -1;
        }
        // Redirected stdio streams belong to the embedder; they are flushed, not closed.
        Stream?.Flush();
    }
}
