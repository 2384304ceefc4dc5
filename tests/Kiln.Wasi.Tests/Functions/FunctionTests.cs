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
