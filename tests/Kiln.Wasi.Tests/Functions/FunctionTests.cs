using System.Text;
using Kiln.Wasi.Abi;
using Kiln.Wasi.Tests.Support;

namespace Kiln.Wasi.Tests.Functions;

/// <summary>The preview1 functions on ordinary input: arguments, environment, clocks, randomness, files, stdio, process control.</summary>
public sealed class FunctionTests : IDisposable
{
    private readonly WasiHarness _h = new(c => c.WithStdin(new MemoryStream("typed input"u8.ToArray())));

    public void Dispose() => _h.Dispose();

    private WasiContext W => _h.Context;

    private GuestMemory M => _h.Guest;

    [Fact]
    public void ArgumentsAndEnvironment()
    {
        Assert.Equal(Errno.Success, W.ArgsSizesGet(M, 0, 4));
        Assert.Equal(2, _h.Memory.ReadInt32(0));
        Assert.Equal("prog\0arg1\0".Length, _h.Memory.ReadInt32(4));
        Assert.Equal(Errno.Success, W.ArgsGet(M, 100, 200));
        Assert.Equal(200, _h.Memory.ReadInt32(100));
        Assert.Equal(205, _h.Memory.ReadInt32(104));
        Assert.Equal("prog\0arg1\0", _h.Memory.ReadString(200, 10));
        Assert.Equal(Errno.Success, W.EnvironSizesGet(M, 0, 4));
        Assert.Equal(1, _h.Memory.ReadInt32(0));
        Assert.Equal(Errno.Success, W.EnvironGet(M, 100, 200));
        Assert.Equal("KEY=value\0", _h.Memory.ReadString(200, 10));
    }

    [Fact]
    public void Clocks()
    {
        for (uint id = 0; id <= 3; id++)
        {
            Assert.Equal(Errno.Success, WasiContext.ClockResGet(M, id, 0));
            Assert.InRange((ulong)_h.Memory.ReadInt64(0), 1UL, 1_000_000_000UL);
            Assert.Equal(Errno.Success, WasiContext.ClockTimeGet(M, id, 0, 8));
        }
        Assert.Equal(Errno.Success, WasiContext.ClockTimeGet(M, 0, 0, 8));
        var realtime = DateTime.UnixEpoch.AddTicks(_h.Memory.ReadInt64(8) / 100);
        Assert.InRange(realtime, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(Errno.Success, WasiContext.ClockTimeGet(M, 1, 0, 8));
        long a = _h.Memory.ReadInt64(8);
        Thread.Sleep(2);
        Assert.Equal(Errno.Success, WasiContext.ClockTimeGet(M, 1, 0, 8));
        Assert.True(_h.Memory.ReadInt64(8) > a);
        Assert.Equal(Errno.Inval, WasiHarness.Call(() => WasiContext.ClockTimeGet(M, 4, 0, 8)));
        Assert.Equal(Errno.Inval, WasiHarness.Call(() => WasiContext.ClockResGet(M, 99, 8)));
    }

    [Fact]
    public void RandomFillsTheBuffer()
    {
        Assert.Equal(Errno.Success, WasiContext.RandomGet(M, 0, 64));
        byte[] first = _h.Memory.GetSpan(0, 64).ToArray();
        Assert.Equal(Errno.Success, WasiContext.RandomGet(M, 0, 64));
        Assert.NotEqual(first, _h.Memory.GetSpan(0, 64).ToArray());
    }

    [Fact]
    public void StdioGoesToTheEmbeddersStreams()
    {
        Assert.Equal(Errno.Success, _h.Write(1, "hello", out uint written));
        Assert.Equal(5u, written);
        Assert.Equal("hello", Encoding.UTF8.GetString(_h.Stdout.ToArray()));
        Assert.Equal(Errno.Success, _h.Read(0, 5, out string text));
        Assert.Equal("typed", text);
        Assert.Equal(Errno.Success, _h.Read(0, 100, out text));
        Assert.Equal(" input", text);
        Assert.Equal(Errno.Success, _h.Read(0, 100, out text));
        Assert.Equal("", text);
        Assert.Equal(Errno.NotCapable, _h.Write(0, "x", out _));
        Assert.Equal(Errno.SPipe, WasiHarness.Call(() => W.FdSeek(M, 1, 0, WasiFlags.WhenceSet, 0)));
        Assert.Equal(Errno.Success, W.FdFdstatGet(M, 1, 0));
        Assert.Equal((byte)Filetype.CharacterDevice, _h.Memory.GetSpan(0, 1)[0]);
    }

    [Fact]
    public void FileLifecycle()
    {
        Rights rw = Rights.FdRead | Rights.FdWrite | Rights.FdSeek | Rights.FdTell | Rights.FdFilestatGet | Rights.FdFilestatSetSize;
        Assert.Equal(Errno.Success, _h.Open(WasiHarness.Sandbox, "f.txt", out uint fd, oflags: WasiFlags.OCreat, rights: rw));
        Assert.Equal(Errno.Success, _h.Write(fd, "hello world", out _));
        Assert.Equal(Errno.Success, W.FdTell(M, fd, 0));
        Assert.Equal(11, _h.Memory.ReadInt64(0));
        Assert.Equal(Errno.Success, W.FdSeek(M, fd, -5, WasiFlags.WhenceEnd, 0));
        Assert.Equal(6, _h.Memory.ReadInt64(0));
        Assert.Equal(Errno.Success, _h.Read(fd, 100, out string text));
        Assert.Equal("world", text);
        Assert.Equal(Errno.Success, W.FdFilestatSetSize(fd, 5));
        Assert.Equal(Errno.Inval, WasiHarness.Call(() => W.FdSeek(M, fd, 0, 7, 0)));
        Assert.Equal(Errno.Success, W.FdClose(fd));
        Assert.Equal(Errno.BadF, WasiHarness.Call(() => W.FdClose(fd)));
        Assert.Equal("hello", File.ReadAllText(Path.Combine(_h.SandboxPath, "f.txt")));
        Assert.Equal(Errno.Exist, _h.Open(WasiHarness.Sandbox, "f.txt", out _, oflags: WasiFlags.OCreat | WasiFlags.OExcl, rights: rw));
        Assert.Equal(Errno.NoEnt, _h.Open(WasiHarness.Sandbox, "missing", out _));
        Assert.Equal(Errno.Success, _h.Unlink(WasiHarness.Sandbox, "f.txt"));
        Assert.False(File.Exists(Path.Combine(_h.SandboxPath, "f.txt")));
    }

    [Fact]
    public void PositionalIoSyncAdviseAllocate()
    {
        Rights rw = Rights.RegularFile;
        Assert.Equal(Errno.Success, _h.Open(WasiHarness.Sandbox, "p.bin", out uint fd, oflags: WasiFlags.OCreat, rights: rw));
        _h.PutString(4096, "abcdef");
        _h.Memory.WriteInt32(0, 4096);
        _h.Memory.WriteInt32(4, 6);
        Assert.Equal(Errno.Success, W.FdPwrite(M, fd, 0, 1, 10, 8));
        Assert.Equal(6, _h.Memory.ReadInt32(8));
        Assert.Equal(Errno.Success, W.FdTell(M, fd, 16));
        Assert.Equal(0, _h.Memory.ReadInt64(16)); // pwrite leaves the position alone
        _h.Memory.WriteInt32(0, 5000);
        _h.Memory.WriteInt32(4, 3);
        Assert.Equal(Errno.Success, W.FdPread(M, fd, 0, 1, 12, 8));
        Assert.Equal(3, _h.Memory.ReadInt32(8));
        Assert.Equal("cde", _h.Memory.ReadString(5000, 3));
        Assert.Equal(Errno.Success, W.FdSync(fd));
        Assert.Equal(Errno.Success, W.FdDatasync(fd));
        Assert.Equal(Errno.Success, W.FdAdvise(fd, 0, 16, 1));
        Assert.Equal(Errno.Inval, WasiHarness.Call(() => W.FdAdvise(fd, 0, 16, 6)));
        Assert.Equal(Errno.Success, W.FdAllocate(fd, 0, 4096));
        Assert.Equal(Errno.Success, W.FdFilestatGet(M, fd, 100));
        Assert.Equal(4096, _h.Memory.ReadInt64(132));
        Assert.Equal(Errno.Success, W.FdFdstatSetFlags(fd, WasiFlags.FdAppend));
        Assert.Equal(Errno.Success, W.FdFdstatGet(M, fd, 200));
        Assert.Equal(WasiFlags.FdAppend, _h.Memory.GetSpan(202, 1)[0]);
        Assert.Equal(Errno.NotSup, WasiHarness.Call(() => W.FdFdstatSetFlags(fd, WasiFlags.FdSync)));
    }

    [Fact]
    public void ReadlinkAndTimestamps()
    {
        Assert.Equal(Errno.Success, _h.Symlink("some/target", WasiHarness.Sandbox, "link"));
        uint len = _h.PutString(WasiHarness.PathPtr, "link");
        Assert.Equal(Errno.Success, W.PathReadlink(M, WasiHarness.Sandbox, WasiHarness.PathPtr, len, 3000, 64, 8));
        Assert.Equal(11, _h.Memory.ReadInt32(8));
        Assert.Equal("some/target", _h.Memory.ReadString(3000, 11));
        // A short buffer gets the first bytes (POSIX readlink truncates).
        Assert.Equal(Errno.Success, W.PathReadlink(M, WasiHarness.Sandbox, WasiHarness.PathPtr, len, 3000, 4, 8));
        Assert.Equal(4, _h.Memory.ReadInt32(8));
        Assert.Equal(Errno.Inval, WasiHarness.Call(() => W.PathReadlink(M, WasiHarness.Sandbox, WasiHarness.PathPtr, _h.PutString(WasiHarness.PathPtr, "."), 3000, 64, 8)));

        string file = Path.Combine(_h.SandboxPath, "t.txt");
        File.WriteAllText(file, "x");
        len = _h.PutString(WasiHarness.PathPtr, "t.txt");
        ulong when = 1_600_000_000UL * 1_000_000_000UL + 123_456_789;
        Assert.Equal(Errno.Success, W.PathFilestatSetTimes(M, WasiHarness.Sandbox, 0, WasiHarness.PathPtr, len, when, when, WasiFlags.FstAtim | WasiFlags.FstMtim));
        Assert.Equal(Errno.Success, W.PathFilestatGet(M, WasiHarness.Sandbox, 0, WasiHarness.PathPtr, len, 100));
        Assert.Equal(when, (ulong)_h.Memory.ReadInt64(140));
        Assert.Equal(when, (ulong)_h.Memory.ReadInt64(148));
        Assert.Equal(Errno.Inval, WasiHarness.Call(() => W.PathFilestatSetTimes(M, WasiHarness.Sandbox, 0, WasiHarness.PathPtr, len, 0, 0, WasiFlags.FstMtim | WasiFlags.FstMtimNow)));
        uint linkLen = _h.PutString(WasiHarness.PathPtr, "link");
        Assert.Equal(Errno.Success, W.PathFilestatGet(M, WasiHarness.Sandbox, 0, WasiHarness.PathPtr, linkLen, 100));
        Assert.Equal((byte)Filetype.SymbolicLink, _h.Memory.GetSpan(116, 1)[0]);
    }

    [Fact]
    public void RenumberMovesADescriptor()
    {
        Assert.Equal(Errno.Success, _h.Open(WasiHarness.Sandbox, ".", out uint fd, oflags: WasiFlags.ODirectory));
        Assert.Equal(Errno.Success, W.FdRenumber(fd, 1));
        Assert.Equal(Errno.BadF, WasiHarness.Call(() => W.FdClose(fd)));
        Assert.Equal(Errno.Success, W.FdFdstatGet(M, 1, 0));
        Assert.Equal((byte)Filetype.Directory, _h.Memory.GetSpan(0, 1)[0]);
        Assert.Equal(Errno.BadF, WasiHarness.Call(() => W.FdRenumber(1, 50)));
    }

    [Fact]
    public void UnsupportedFunctionsReturnErrnos()
    {
        Assert.Equal(Errno.NoSys, WasiContext.ProcRaise(6));
        Assert.Equal(Errno.NotSup, W.SocketUnsupported(0));
        Assert.Equal(Errno.BadF, WasiHarness.Call(() => W.SocketUnsupported(42)));
        Assert.Equal(Errno.Success, WasiContext.SchedYield());
    }

    [Fact]
    public void ProcExitThrowsTheExitCode()
    {
        var e = Assert.Throws<WasiExitException>(() => W.ProcExit(7));
        Assert.Equal(7, e.ExitCode);
    }

    [Fact]
    public void MissingPreopenDirectoryFailsAtBuild()
    {
        Assert.Throws<DirectoryNotFoundException>(() =>
            new WasiConfiguration().PreopenDirectory("/nonexistent/kiln-test", "/x").Build());
    }
}
