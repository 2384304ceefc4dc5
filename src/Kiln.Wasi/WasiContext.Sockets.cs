using Kiln.Wasi.Abi;

namespace Kiln.Wasi;

// Sockets: Kiln grants no sockets, so every descriptor a guest holds is not one.
public sealed partial class WasiContext
{
    /// <summary>sock_accept, sock_recv, sock_send, sock_shutdown: EBADF for a closed descriptor, ENOTSUP otherwise.</summary>
    internal Errno SocketUnsupported(uint fd)
    {
        _fds.Get(fd);
        return Errno.NotSup;
    }
}
