using Kiln.Wasi.Abi;
using Kiln.Wasi.Tests.Support;

namespace Kiln.Wasi.Tests.Sandbox;

/// <summary>
/// Every way a path could leave its preopened directory: "..", absolute paths, symlinks made by
/// the host or by the guest (as the last component or in the middle), hard links, trailing
/// slashes and NUL bytes. Each must fail without touching anything outside.
/// </summary>
public sealed class PathEscapeTests : IDisposable
{
    private readonly WasiHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Theory]
    [InlineData("..")]
    [InlineData("../outside/secret.txt")]
    [InlineData("./../outside/secret.txt")]
    [InlineData("sub/../../outside/secret.txt")]
    [InlineData("sub/../sub/../../outside")]
    [InlineData("sub/./../..")]
    public void DotDotAboveThePreopenIsRefused(string path)
    {
        Directory.CreateDirectory(Path.Combine(_h.SandboxPath, "sub"));
        Assert.Equal(Errno.NotCapable, _h.Open(WasiHarness.Sandbox, path, out _));
        Assert.Equal(Errno.NotCapable, _h.Stat(WasiHarness.Sandbox, path));
    }

    [Fact]
    public void DotDotInsideThePreopenWorks()
    {
        Directory.CreateDirectory(Path.Combine(_h.SandboxPath, "sub"));
        File.WriteAllText(Path.Combine(_h.SandboxPath, "file.txt"), "inside");
        Assert.Equal(Errno.Success, _h.Open(WasiHarness.Sandbox, "sub/../file.txt", out uint fd));
        Assert.Equal(Errno.Success, _h.Read(fd, 100, out string text));
        Assert.Equal("inside", text);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/etc/passwd")]
    [InlineData("/sandbox/file.txt")]
    public void AbsolutePathsAreRefused(string path)
    {
        Assert.Equal(Errno.NotCapable, _h.Open(WasiHarness.Sandbox, path, out _));
        Assert.Equal(Errno.NotCapable, _h.Mkdir(WasiHarness.Sandbox, path));
    }

    [Fact]
    public void HostSymlinkToAnAbsolutePathOutsideIsRefused()
    {
        File.CreateSymbolicLink(Path.Combine(_h.SandboxPath, "abs"), Path.Combine(_h.OutsidePath, "secret.txt"));
        Assert.Equal(Errno.NotCapable, _h.Open(WasiHarness.Sandbox, "abs", out _));
        Assert.Equal(Errno.NotCapable, _h.Stat(WasiHarness.Sandbox, "abs"));
        // Without following, the link itself is what the guest gets: open refuses it (POSIX O_NOFOLLOW).
        Assert.Equal(Errno.Loop, _h.Open(WasiHarness.Sandbox, "abs", out _, follow: false));
    }

    [Fact]
    public void HostSymlinkWithRelativeEscapeIsRefused()
    {
        File.CreateSymbolicLink(Path.Combine(_h.SandboxPath, "rel"), "../outside/secret.txt");
        Assert.Equal(Errno.NotCapable, _h.Open(WasiHarness.Sandbox, "rel", out _));
    }

    [Fact]
    public void SymlinkAsAnIntermediateDirectoryCannotEscape()
    {
        Directory.CreateSymbolicLink(Path.Combine(_h.SandboxPath, "dirlink"), _h.OutsidePath);
        Directory.CreateSymbolicLink(Path.Combine(_h.SandboxPath, "reldirlink"), "../outside");
        Assert.Equal(Errno.NotCapable, _h.Open(WasiHarness.Sandbox, "dirlink/secret.txt", out _));
        Assert.Equal(Errno.NotCapable, _h.Open(WasiHarness.Sandbox, "reldirlink/secret.txt", out _));
        // Even without SYMLINK_FOLLOW, intermediate components are resolved by Kiln, inside the sandbox.
        Assert.Equal(Errno.NotCapable, _h.Open(WasiHarness.Sandbox, "reldirlink/secret.txt", out _, follow: false));
        Assert.Equal(Errno.NotCapable, _h.Unlink(WasiHarness.Sandbox, "reldirlink/secret.txt"));
        Assert.True(File.Exists(Path.Combine(_h.OutsidePath, "secret.txt")));
    }

    [Fact]
    public void SymlinksThatStayInsideAreFollowed()
    {
        Directory.CreateDirectory(Path.Combine(_h.SandboxPath, "a", "b"));
        File.WriteAllText(Path.Combine(_h.SandboxPath, "a", "b", "f.txt"), "deep");
        File.CreateSymbolicLink(Path.Combine(_h.SandboxPath, "a", "up"), "../a/b/f.txt");
        Directory.CreateSymbolicLink(Path.Combine(_h.SandboxPath, "bdir"), "a/b");
        Assert.Equal(Errno.Success, _h.Open(WasiHarness.Sandbox, "a/up", out uint fd));
        Assert.Equal(Errno.Success, _h.Read(fd, 100, out string text));
        Assert.Equal("deep", text);
        Assert.Equal(Errno.Success, _h.Open(WasiHarness.Sandbox, "bdir/f.txt", out _));
    }

    [Fact]
    public void GuestCreatedSymlinksCannotEscape()
    {
        Assert.Equal(Errno.NotCapable, _h.Symlink("/etc/passwd", WasiHarness.Sandbox, "abs"));
        Assert.False(File.Exists(Path.Combine(_h.SandboxPath, "abs")));
        // A relative link may be created, but following it is resolved inside the sandbox and refused.
        Assert.Equal(Errno.Success, _h.Symlink("../outside/secret.txt", WasiHarness.Sandbox, "esc"));
        Assert.Equal(Errno.NotCapable, _h.Open(WasiHarness.Sandbox, "esc", out _));
        Assert.Equal(Errno.Success, _h.Symlink("../outside", WasiHarness.Sandbox, "escdir"));
        Assert.Equal(Errno.NotCapable, _h.Open(WasiHarness.Sandbox, "escdir/secret.txt", out _));
        Assert.Equal(Errno.NotCapable, _h.Open(WasiHarness.Sandbox, "escdir/new.txt", out _, oflags: WasiFlags.OCreat,
            rights: Rights.FdWrite));
        Assert.False(File.Exists(Path.Combine(_h.OutsidePath, "new.txt")));
    }

    [Fact]
    public void SymlinkLoopsEndWithEloop()
    {
        Assert.Equal(Errno.Success, _h.Symlink("b", WasiHarness.Sandbox, "a"));
        Assert.Equal(Errno.Success, _h.Symlink("a", WasiHarness.Sandbox, "b"));
        Assert.Equal(Errno.Loop, _h.Open(WasiHarness.Sandbox, "a", out _));
        Assert.Equal(Errno.Loop, _h.Open(WasiHarness.Sandbox, "a/x", out _));
    }

    [Fact]
    public void CreatingThroughADanglingSymlinkStaysInside()
    {
        Assert.Equal(Errno.Success, _h.Symlink("target.txt", WasiHarness.Sandbox, "dangling"));
        Assert.Equal(Errno.Success, _h.Open(WasiHarness.Sandbox, "dangling", out _, oflags: WasiFlags.OCreat, rights: Rights.FdWrite));
        Assert.True(File.Exists(Path.Combine(_h.SandboxPath, "target.txt")));
        // O_EXCL never follows: the link itself exists.
        Assert.Equal(Errno.Exist, _h.Open(WasiHarness.Sandbox, "dangling", out _, oflags: WasiFlags.OCreat | WasiFlags.OExcl, rights: Rights.FdWrite));
    }

    [Fact]
    public void HardLinksCannotReachFilesOutside()
    {
        File.CreateSymbolicLink(Path.Combine(_h.SandboxPath, "abs"), Path.Combine(_h.OutsidePath, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(_h.SandboxPath, "rel"), "../outside/secret.txt");
        Assert.Equal(Errno.NotCapable, _h.Link(WasiHarness.Sandbox, "../outside/secret.txt", WasiHarness.Sandbox, "l1"));
        Assert.Equal(Errno.NotCapable, _h.Link(WasiHarness.Sandbox, "abs", WasiHarness.Sandbox, "l2", follow: true));
        Assert.Equal(Errno.NotCapable, _h.Link(WasiHarness.Sandbox, "rel", WasiHarness.Sandbox, "l3", follow: true));
        Assert.Equal(Errno.NotCapable, _h.Link(WasiHarness.Sandbox, "x", WasiHarness.Sandbox, "../outside/l4"));
        // Without following, the link copies the symlink itself, which still resolves inside the sandbox.
        Assert.Equal(Errno.Success, _h.Link(WasiHarness.Sandbox, "rel", WasiHarness.Sandbox, "l5"));
        Assert.Equal(Errno.NotCapable, _h.Open(WasiHarness.Sandbox, "l5", out _));
        Assert.Equal("../outside/secret.txt", new FileInfo(Path.Combine(_h.SandboxPath, "l5")).LinkTarget);
        foreach (string name in new[] { "l1", "l2", "l3" })
        {
            Assert.False(Path.Exists(Path.Combine(_h.SandboxPath, name)));
        }
        Assert.False(Path.Exists(Path.Combine(_h.OutsidePath, "l4")));
    }

    [Fact]
    public void HardLinkFromAReadOnlyPreopenIntoAWritableOneIsRefused()
    {
        // Otherwise the read-only file could be modified through its new name.
        Assert.Equal(Errno.NotCapable, _h.Link(WasiHarness.ReadOnly, "data.txt", WasiHarness.Sandbox, "writable"));
        Assert.False(File.Exists(Path.Combine(_h.SandboxPath, "writable")));
    }

    [Fact]
    public void TrailingSlashOnAFileIsNotADirectory()
    {
        File.WriteAllText(Path.Combine(_h.SandboxPath, "file.txt"), "x");
        Assert.Equal(Errno.NotDir, _h.Open(WasiHarness.Sandbox, "file.txt/", out _));
        Assert.Equal(Errno.NotDir, _h.Open(WasiHarness.Sandbox, "file.txt/.", out _));
        Assert.Equal(Errno.NotDir, _h.Stat(WasiHarness.Sandbox, "file.txt/"));
        Assert.Equal(Errno.NotDir, _h.Unlink(WasiHarness.Sandbox, "file.txt/"));
        Assert.Equal(Errno.NotDir, _h.Rename(WasiHarness.Sandbox, "file.txt/", WasiHarness.Sandbox, "moved"));
        Assert.Equal(Errno.NotDir, _h.Rename(WasiHarness.Sandbox, "file.txt", WasiHarness.Sandbox, "moved/"));
        Assert.True(File.Exists(Path.Combine(_h.SandboxPath, "file.txt")));
        Assert.Equal(Errno.Success, _h.Mkdir(WasiHarness.Sandbox, "dir/"));
        Assert.Equal(Errno.Success, _h.Stat(WasiHarness.Sandbox, "dir/"));
        Assert.Equal(Errno.Success, _h.Rmdir(WasiHarness.Sandbox, "dir/"));
    }

    [Fact]
    public void NulAndInvalidUtf8InPathsAreRejected()
    {
        Assert.Equal(Errno.Inval, _h.Open(WasiHarness.Sandbox, "file\0/../../outside", out _));
        _h.Memory.GetSpan(WasiHarness.PathPtr, 2).Fill(0xFF);
        Assert.Equal(Errno.IlSeq, WasiHarness.Call(() => _h.Context.PathCreateDirectory(_h.Guest, WasiHarness.Sandbox, WasiHarness.PathPtr, 2)));
    }

    [Fact]
    public void ASubdirectoryDescriptorCannotClimbToItsParent()
    {
        Directory.CreateDirectory(Path.Combine(_h.SandboxPath, "sub"));
        File.WriteAllText(Path.Combine(_h.SandboxPath, "top.txt"), "x");
        Assert.Equal(Errno.Success, _h.Open(WasiHarness.Sandbox, "sub", out uint sub, oflags: WasiFlags.ODirectory));
        Assert.Equal(Errno.NotCapable, _h.Open(sub, "../top.txt", out _));
    }

    [Fact]
    public void RenameCannotMoveThingsOutside()
    {
        File.WriteAllText(Path.Combine(_h.SandboxPath, "f"), "x");
        Assert.Equal(Errno.NotCapable, _h.Rename(WasiHarness.Sandbox, "f", WasiHarness.Sandbox, "../outside/f"));
        Assert.Equal(Errno.NotCapable, _h.Rename(WasiHarness.Sandbox, "../outside/secret.txt", WasiHarness.Sandbox, "stolen"));
        Assert.False(File.Exists(Path.Combine(_h.OutsidePath, "f")));
        Assert.True(File.Exists(Path.Combine(_h.OutsidePath, "secret.txt")));
    }
}
