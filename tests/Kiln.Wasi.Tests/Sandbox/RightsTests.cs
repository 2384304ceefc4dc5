using Kiln.Wasi.Abi;
using Kiln.Wasi.Tests.Support;

namespace Kiln.Wasi.Tests.Sandbox;

/// <summary>
/// Rights bypasses: writing, truncating, creating or deleting through a read-only preopen or
/// through a descriptor opened without the right, and regaining dropped rights.
/// </summary>
public sealed class RightsTests : IDisposable
{
    private readonly WasiHarness _h = new();

    public void Dispose() => _h.Dispose();

    private string DataPath => Path.Combine(_h.ReadOnlyPath, "data.txt");

    [Fact]
    public void ReadOnlyPreopenCanBeRead()
    {
        Assert.Equal(Errno.Success, _h.Open(WasiHarness.ReadOnly, "data.txt", out uint fd));
        Assert.Equal(Errno.Success, _h.Read(fd, 100, out string text));
        Assert.Equal("read-only data", text);
    }

    [Fact]
    public void TruncatingThroughAReadOnlyPreopenIsRefused()
    {
        Assert.Equal(Errno.NotCapable, _h.Open(WasiHarness.ReadOnly, "data.txt", out _, oflags: WasiFlags.OTrunc));
        Assert.Equal(Errno.NotCapable, _h.Open(WasiHarness.ReadOnly, "data.txt", out _, oflags: WasiFlags.OTrunc, rights: Rights.FdWrite));
        Assert.Equal("read-only data", File.ReadAllText(DataPath));
    }

    [Fact]
    public void WritingThroughAReadOnlyPreopenIsRefused()
    {
        // wasi-libc's open(O_WRONLY) asks for write rights; the directory cannot pass them on.
        Assert.Equal(Errno.Success, _h.Open(WasiHarness.ReadOnly, "data.txt", out uint fd, rights: Rights.FdWrite | Rights.FdRead, fdflags: WasiFlags.FdAppend));
        Assert.Equal(Errno.NotCapable, _h.Write(fd, "overwritten", out _));
        Assert.Equal(Errno.NotCapable, WasiHarness.Call(() => _h.Context.FdFilestatSetSize(fd, 0)));
        Assert.Equal(Errno.NotCapable, WasiHarness.Call(() => _h.Context.FdAllocate(fd, 0, 100)));
        Assert.Equal(Errno.NotCapable, WasiHarness.Call(() => _h.Context.FdFilestatSetTimes(fd, 0, 0, WasiFlags.FstMtim)));
        Assert.Equal(Errno.NotCapable, WasiHarness.Call(() => _h.Context.FdFdstatSetRights(fd, (ulong)Rights.FdWrite, 0)));
        Assert.Equal("read-only data", File.ReadAllText(DataPath));
    }

    [Fact]
    public void ChangingAReadOnlyPreopenIsRefused()
    {
        Directory.CreateDirectory(Path.Combine(_h.ReadOnlyPath, "dir"));
        Assert.Equal(Errno.NotCapable, _h.Open(WasiHarness.ReadOnly, "new.txt", out _, oflags: WasiFlags.OCreat, rights: Rights.FdWrite));
        Assert.Equal(Errno.NotCapable, _h.Mkdir(WasiHarness.ReadOnly, "newdir"));
        Assert.Equal(Errno.NotCapable, _h.Unlink(WasiHarness.ReadOnly, "data.txt"));
        Assert.Equal(Errno.NotCapable, _h.Rmdir(WasiHarness.ReadOnly, "dir"));
        Assert.Equal(Errno.NotCapable, _h.Rename(WasiHarness.ReadOnly, "data.txt", WasiHarness.ReadOnly, "renamed"));
        Assert.Equal(Errno.NotCapable, _h.Rename(WasiHarness.ReadOnly, "data.txt", WasiHarness.Sandbox, "moved"));
        Assert.Equal(Errno.NotCapable, _h.Symlink("data.txt", WasiHarness.ReadOnly, "link"));
        Assert.Equal(Errno.NotCapable, _h.Link(WasiHarness.ReadOnly, "data.txt", WasiHarness.ReadOnly, "hard"));
        Assert.Equal(Errno.NotCapable, _h.Link(WasiHarness.Sandbox, "x", WasiHarness.ReadOnly, "hard"));
        Assert.Equal(new[] { "data.txt", "dir" }, Directory.GetFileSystemEntries(_h.ReadOnlyPath).Select(p => Path.GetFileName(p)).Order().ToArray());
    }

    [Fact]
    public void SubdirectoriesOfAReadOnlyPreopenAreReadOnlyToo()
    {
        Directory.CreateDirectory(Path.Combine(_h.ReadOnlyPath, "dir"));
        Assert.Equal(Errno.Success, _h.Open(WasiHarness.ReadOnly, "dir", out uint dir, oflags: WasiFlags.ODirectory,
            rights: Rights.Directory | Rights.RegularFile));
        Assert.Equal(Errno.NotCapable, _h.Open(dir, "x", out _, oflags: WasiFlags.OCreat, rights: Rights.FdWrite));
        Assert.Equal(Errno.NotCapable, _h.Mkdir(dir, "y"));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_h.ReadOnlyPath, "dir")));
    }

    [Fact]
    public void AFileOpenedWithoutWriteRightsCannotBeWritten()
    {
        File.WriteAllText(Path.Combine(_h.SandboxPath, "f.txt"), "original");
        Assert.Equal(Errno.Success, _h.Open(WasiHarness.Sandbox, "f.txt", out uint fd, rights: Rights.FdRead));
        Assert.Equal(Errno.NotCapable, _h.Write(fd, "changed", out _));
        Assert.Equal(Errno.NotCapable, WasiHarness.Call(() => _h.Context.FdPwrite(_h.Guest, fd, WasiHarness.ResultPtr, 0, 0, WasiHarness.ResultPtr + 8)));
        Assert.Equal(Errno.NotCapable, WasiHarness.Call(() => _h.Context.FdFilestatSetSize(fd, 0)));
        Assert.Equal("original", File.ReadAllText(Path.Combine(_h.SandboxPath, "f.txt")));
    }

    [Fact]
    public void RightsCanBeDroppedButNotRegained()
    {
        File.WriteAllText(Path.Combine(_h.SandboxPath, "f.txt"), "x");
        Assert.Equal(Errno.Success, _h.Open(WasiHarness.Sandbox, "f.txt", out uint fd, rights: Rights.FdRead | Rights.FdWrite));
        Assert.Equal(Errno.Success, WasiHarness.Call(() => _h.Context.FdFdstatSetRights(fd, (ulong)Rights.FdRead, 0)));
        Assert.Equal(Errno.NotCapable, _h.Write(fd, "y", out _));
        Assert.Equal(Errno.NotCapable, WasiHarness.Call(() => _h.Context.FdFdstatSetRights(fd, (ulong)(Rights.FdRead | Rights.FdWrite), 0)));
    }

    [Fact]
    public void ADirectoryWithoutPathRightsCannotOpenAnything()
    {
        Assert.Equal(Errno.Success, WasiHarness.Call(() => _h.Context.FdFdstatSetRights(WasiHarness.Sandbox, (ulong)Rights.FdReaddir, (ulong)(Rights.Directory | Rights.RegularFile))));
        Assert.Equal(Errno.NotCapable, _h.Open(WasiHarness.Sandbox, ".", out _));
        Assert.Equal(Errno.NotCapable, _h.Mkdir(WasiHarness.Sandbox, "d"));
    }

    [Fact]
    public void OpenFilesAreNotDirectoriesForPathFunctions()
    {
        File.WriteAllText(Path.Combine(_h.SandboxPath, "f.txt"), "x");
        Assert.Equal(Errno.Success, _h.Open(WasiHarness.Sandbox, "f.txt", out uint fd));
        Assert.Equal(Errno.NotDir, _h.Open(fd, "anything", out _));
        Assert.Equal(Errno.BadF, _h.Open(99, "f.txt", out _));
        Assert.Equal(Errno.NotDir, _h.Open(1, "f.txt", out _));
    }
}
