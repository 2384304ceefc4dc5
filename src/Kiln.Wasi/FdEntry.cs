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

    /// <summary>True for a directory preopened read-only: nothing opened through it may write.</summary>
    public bool ReadOnly { get; init; }

    public bool IsDirectory => Filetype == Filetype.Directory;

    public static FdEntry ForHost(int hostFd, Filetype filetype, Rights rightsBase, Rights rightsInheriting, string? preopenPath = null, bool readOnly = false) =>
        new(hostFd, null, filetype, rightsBase, rightsInheriting) { PreopenPath = preopenPath, ReadOnly = readOnly };

    public static FdEntry ForStream(Stream stream, Rights rights) =>
        new(-1, stream, Filetype.CharacterDevice, rights, Rights.None);

    /// <summary>Fails with ENOTCAPABLE unless the descriptor holds every right in <paramref name="required"/>.</summary>
    public void Require(Rights required)
    {
        // SECURITY: rights are the capability check for every fd operation (preview1 semantics).
        WasiErrnoException.ThrowIf((RightsBase & required) != required, Errno.NotCapable);
    }

    /// <summary>The host descriptor of a file or directory; EBADF-free callers use this after <see cref="Require"/>.</summary>
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
