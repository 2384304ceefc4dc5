using Kiln.Wasi.Abi;
using Kiln.Wasi.Tests.Support;

namespace Kiln.Wasi.Tests.Sandbox;

/// <summary>Guest pointers and lengths outside linear memory yield EFAULT, never an exception.</summary>
public sealed class MemoryBoundsTests : IDisposable
{
    private const uint PageEnd = 65536;

    private readonly WasiHarness _h = new();

    public void Dispose() => _h.Dispose();

    private WasiContext W => _h.Context;

    private GuestMemory M => _h.Guest;

    [Theory]
    [InlineData(PageEnd, 1u)]
    [InlineData(PageEnd - 3, 4u)]
    [InlineData(0xFFFF_FFF0u, 0x20u)]
    [InlineData(0u, 0xFFFF_FFFFu)]
    public void PathPointersAreChecked(uint ptr, uint len)
    {
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => W.PathCreateDirectory(M, WasiHarness.Sandbox, ptr, len)));
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => W.PathOpen(M, WasiHarness.Sandbox, 0, ptr, len, 0, 0, 0, 0, 0)));
    }

    [Fact]
    public void ResultPointersAreChecked()
    {
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => W.ArgsSizesGet(M, PageEnd - 2, 0)));
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => W.ArgsGet(M, 0, PageEnd - 3)));
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => W.EnvironGet(M, PageEnd, 0)));
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => WasiContext.ClockTimeGet(M, 1, 0, PageEnd - 7)));
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => WasiContext.RandomGet(M, PageEnd - 10, 11)));
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => W.FdFdstatGet(M, 1, PageEnd - 23)));
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => W.FdFilestatGet(M, WasiHarness.Sandbox, PageEnd - 63)));
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => W.FdPrestatGet(M, WasiHarness.Sandbox, PageEnd - 7)));
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => W.FdPrestatDirName(M, WasiHarness.Sandbox, PageEnd - 2, 8)));
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => W.FdReaddir(M, WasiHarness.Sandbox, PageEnd - 10, 100, 0, 0)));
    }

    [Fact]
    public void IovecsAreChecked()
    {
        // The iovec array itself out of bounds.
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => W.FdWrite(M, 1, PageEnd - 4, 1, 0)));
        // An iovec whose buffer runs past the end.
        _h.Memory.WriteInt32(0, (int)(PageEnd - 4));
        _h.Memory.WriteInt32(4, 8);
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => W.FdWrite(M, 1, 0, 1, 16)));
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => W.FdRead(M, 0, 0, 1, 16)));
        // A count so large that count * 8 wraps around 32 bits.
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => W.FdWrite(M, 1, 0, 0x2000_0001, 16)));
        Assert.Equal(0, _h.Stdout.Length);
    }

    [Fact]
    public void PollSubscriptionsAreChecked()
    {
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => W.PollOneoff(M, PageEnd - 47, 0, 1, 8)));
        Assert.Equal(Errno.Fault, WasiHarness.Call(() => W.PollOneoff(M, 0, PageEnd - 31, 1, 8)));
        Assert.Equal(Errno.Inval, WasiHarness.Call(() => W.PollOneoff(M, 0, 100, 0, 8)));
    }

    [Fact]
    public void AModuleWithoutMemoryGetsAClearError()
    {
        var none = new GuestMemory(null);
        var e = Assert.Throws<InvalidOperationException>(() => W.ArgsSizesGet(none, 0, 4));
        Assert.Contains("does not export a memory", e.Message);
    }
}
