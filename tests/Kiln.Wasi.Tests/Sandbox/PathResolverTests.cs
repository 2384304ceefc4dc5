using Kiln.Wasi.Abi;
using Kiln.Wasi.Native;
using Kiln.Wasi.Sandbox;

namespace Kiln.Wasi.Tests.Sandbox;

/// <summary>
/// The resolver against a tree that changes under it (time-of-check to time-of-use): once resolved,
/// a path stays bound to the directory Kiln opened, and a last component swapped for a symlink is
/// refused by the no-follow *at call instead of being followed outside.
/// </summary>
public sealed class PathResolverTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kiln-resolver-").FullName;
    private readonly string _sandbox;
    private readonly string _outside;
    private readonly int _sandboxFd;

    public PathResolverTests()
    {
        _sandbox = Directory.CreateDirectory(Path.Combine(_root, "sandbox")).FullName;
        _outside = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
        File.WriteAllText(Path.Combine(_outside, "f.txt"), "outside");
        _sandboxFd = LibC.OpenAt(-100, _sandbox, LibC.ORdonly | LibC.ODirectory | LibC.OCloexec, 0);
        Assert.True(_sandboxFd >= 0);
    }

    public void Dispose()
    {
        LibC.Close(_sandboxFd);
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void ADirectorySwappedForASymlinkAfterResolutionIsNotFollowed()
    {
        Directory.CreateDirectory(Path.Combine(_sandbox, "sub"));
        File.WriteAllText(Path.Combine(_sandbox, "sub", "f.txt"), "inside");
        using ResolvedPath p = PathResolver.Resolve(_sandboxFd, "sub/f.txt", followFinal: true);

        // The host (or another guest) replaces "sub" with a symlink to the outside.
        Directory.Move(Path.Combine(_sandbox, "sub"), Path.Combine(_sandbox, "moved"));
        Directory.CreateSymbolicLink(Path.Combine(_sandbox, "sub"), _outside);

        int fd = LibC.OpenAt(p.DirFd, p.Name, LibC.ORdonly | LibC.ONofollow | LibC.OCloexec, 0);
        Assert.True(fd >= 0);
        try
        {
            Assert.True(LibC.FStat(fd, out Stat st) == 0);
            Assert.Equal(6, st.Size); // "inside", not "outside"
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    [Fact]
    public void ALastComponentSwappedForASymlinkFailsWithEloop()
    {
        File.WriteAllText(Path.Combine(_sandbox, "f.txt"), "inside");
        using ResolvedPath p = PathResolver.Resolve(_sandboxFd, "f.txt", followFinal: true);
        File.Delete(Path.Combine(_sandbox, "f.txt"));
        File.CreateSymbolicLink(Path.Combine(_sandbox, "f.txt"), Path.Combine(_outside, "f.txt"));
        Assert.Equal(-1, LibC.OpenAt(p.DirFd, p.Name, LibC.ORdonly | LibC.ONofollow | LibC.OCloexec, 0));
        Assert.Equal(Errno.Loop, HostErrno.Last());
    }

    [Fact]
    public void HopLimitIsEnforced()
    {
        // A chain of 41 links, each to the next: one more than the limit.
        for (int i = 0; i <= PathResolver.MaxSymlinkHops; i++)
        {
            File.CreateSymbolicLink(Path.Combine(_sandbox, $"l{i}"), $"l{i + 1}");
        }
        File.WriteAllText(Path.Combine(_sandbox, $"l{PathResolver.MaxSymlinkHops + 1}"), "end");
        var e = Assert.Throws<WasiErrnoException>(() => PathResolver.Resolve(_sandboxFd, "l0", followFinal: true));
        Assert.Equal(Errno.Loop, e.Errno);
        using ResolvedPath ok = PathResolver.Resolve(_sandboxFd, "l1", followFinal: true);
        Assert.Equal($"l{PathResolver.MaxSymlinkHops + 1}", ok.Name);
    }

    [Fact]
    public void ResolutionReturnsTheLastRealDirectoryAndName()
    {
        Directory.CreateDirectory(Path.Combine(_sandbox, "a", "b"));
        using ResolvedPath p = PathResolver.Resolve(_sandboxFd, "a//./b/../b/name", followFinal: false);
        Assert.Equal("name", p.Name);
        Assert.False(p.MustBeDirectory);
        Assert.True(LibC.MkdirAt(p.DirFd, p.Name, 0x1FF) == 0);
        Assert.True(Directory.Exists(Path.Combine(_sandbox, "a", "b", "name")));
        using ResolvedPath q = PathResolver.Resolve(_sandboxFd, "a/b/", followFinal: false);
        Assert.True(q.MustBeDirectory);
        Assert.Equal("b", q.Name);
    }
}
