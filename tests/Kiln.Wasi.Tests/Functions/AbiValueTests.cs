using Kiln.Wasi.Abi;

namespace Kiln.Wasi.Tests.Functions;

/// <summary>The numeric values of the ABI enumerations, pinned to wasi_snapshot_preview1's witx.</summary>
public sealed class AbiValueTests
{
    /// <summary>The witx errno names in order: an errno's value is its position.</summary>
    private const string WitxErrnos = "success 2big acces addrinuse addrnotavail afnosupport again already badf badmsg busy "
        + "canceled child connaborted connrefused connreset deadlk destaddrreq dom dquot exist fault fbig hostunreach idrm "
        + "ilseq inprogress intr inval io isconn isdir loop mfile mlink msgsize multihop nametoolong netdown netreset "
        + "netunreach nfile nobufs nodev noent noexec nolck nolink nomem nomsg noprotoopt nospc nosys notconn notdir "
        + "notempty notrecoverable notsock notsup notty nxio overflow ownerdead perm pipe proto protonosupport prototype "
        + "range rofs spipe srch stale timedout txtbsy xdev notcapable";

    [Fact]
    public void ErrnoValuesFollowTheWitxOrder()
    {
        string[] names = WitxErrnos.Split(' ');
        Errno[] values = Enum.GetValues<Errno>();
        Assert.Equal(names.Length, values.Length);
        for (int i = 0; i < names.Length; i++)
        {
            Errno e = values[i];
            Assert.Equal(i, (int)e);
            string expected = names[i] switch { "2big" => "toobig", "acces" => "access", _ => names[i] };
            Assert.Equal(expected, e.ToString().ToLowerInvariant());
        }
    }

    [Fact]
    public void RightsBitsFollowTheWitxOrder()
    {
        string[] witx =
        [
            "fd_datasync", "fd_read", "fd_seek", "fd_fdstat_set_flags", "fd_sync", "fd_tell", "fd_write", "fd_advise",
            "fd_allocate", "path_create_directory", "path_create_file", "path_link_source", "path_link_target", "path_open",
            "fd_readdir", "path_readlink", "path_rename_source", "path_rename_target", "path_filestat_get",
            "path_filestat_set_size", "path_filestat_set_times", "fd_filestat_get", "fd_filestat_set_size",
            "fd_filestat_set_times", "path_symlink", "path_remove_directory", "path_unlink_file", "poll_fd_readwrite",
            "sock_shutdown", "sock_accept",
        ];
        for (int bit = 0; bit < witx.Length; bit++)
        {
            Assert.True(Enum.IsDefined((Rights)(1UL << bit)));
            Assert.Equal(witx[bit].Replace("_", "", StringComparison.Ordinal), ((Rights)(1UL << bit)).ToString().ToLowerInvariant());
        }
        Assert.True((ulong)Rights.All == (1UL << witx.Length) - 1, "Rights.All must be exactly the witx rights");
    }

    [Fact]
    public void FiletypesAndStructSizes()
    {
        Assert.Equal(["Unknown", "BlockDevice", "CharacterDevice", "Directory", "RegularFile", "SocketDgram", "SocketStream", "SymbolicLink"],
            Enum.GetValues<Filetype>().Select(f => f.ToString()));
        Assert.Equal(64, WasiFlags.FilestatSize);
        Assert.Equal(24, WasiFlags.FdstatSize);
        Assert.Equal(24, WasiFlags.DirentSize);
        Assert.Equal(8, WasiFlags.PrestatSize);
        Assert.Equal(32, WasiFlags.EventSize);
        Assert.Equal(48, WasiFlags.SubscriptionSize);
    }
}
