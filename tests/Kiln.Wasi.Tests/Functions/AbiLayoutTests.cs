using System.Buffers.Binary;
using System.Text;
using Kiln.Wasi.Abi;
using Kiln.Wasi.Tests.Support;

namespace Kiln.Wasi.Tests.Functions;

/// <summary>Struct layouts written into guest memory, checked field by field against the preview1 witx.</summary>
public sealed class AbiLayoutTests : IDisposable
{
    private readonly WasiHarness _h = new();

    public void Dispose() => _h.Dispose();

    private Span<byte> At(uint ptr, int len) => _h.Memory.GetSpan(ptr, len);

    [Fact]
    public void FdstatIs24Bytes()
    {
        At(100, 32).Fill(0xAA);
        Assert.Equal(Errno.Success, _h.Context.FdFdstatGet(_h.Guest, WasiHarness.Sandbox, 100));
        Span<byte> b = At(100, 32);
        Assert.Equal((byte)Filetype.Directory, b[0]);
        Assert.Equal(0, b[1]);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(b[2..]));
        Assert.Equal((ulong)Rights.Directory, BinaryPrimitives.ReadUInt64LittleEndian(b[8..]));
        Assert.Equal((ulong)(Rights.Directory | Rights.RegularFile), BinaryPrimitives.ReadUInt64LittleEndian(b[16..]));
        Assert.Equal(0xAA, b[24]);
    }

    [Fact]
    public void FilestatIs64Bytes()
    {
        string path = Path.Combine(_h.SandboxPath, "f.txt");
        File.WriteAllText(path, "12345");
        File.SetLastWriteTimeUtc(path, new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        At(200, 72).Fill(0xAA);
        Assert.Equal(Errno.Success, _h.Open(WasiHarness.Sandbox, "f.txt", out uint fd));
        Assert.Equal(Errno.Success, _h.Context.FdFilestatGet(_h.Guest, fd, 200));
        Span<byte> b = At(200, 72);
        Assert.NotEqual(0UL, BinaryPrimitives.ReadUInt64LittleEndian(b[8..])); // ino
        Assert.Equal((byte)Filetype.RegularFile, b[16]);
        Assert.Equal(1UL, BinaryPrimitives.ReadUInt64LittleEndian(b[24..])); // nlink
        Assert.Equal(5UL, BinaryPrimitives.ReadUInt64LittleEndian(b[32..])); // size
        var mtime = DateTime.UnixEpoch.AddTicks((long)(BinaryPrimitives.ReadUInt64LittleEndian(b[48..]) / 100));
        Assert.Equal(new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc), mtime);
        Assert.Equal(0xAA, b[64]);
    }

    [Fact]
    public void PrestatAndDirName()
    {
        Assert.Equal(Errno.Success, _h.Context.FdPrestatGet(_h.Guest, WasiHarness.Sandbox, 300));
        Assert.Equal(0, At(300, 1)[0]);
        Assert.Equal(8, _h.Memory.ReadInt32(304));
        Assert.Equal(Errno.Success, _h.Context.FdPrestatDirName(_h.Guest, WasiHarness.Sandbox, 400, 8));
        Assert.Equal("/sandbox", _h.Memory.ReadString(400, 8));
        Assert.Equal(Errno.NameTooLong, WasiHarness.Call(() => _h.Context.FdPrestatDirName(_h.Guest, WasiHarness.Sandbox, 400, 7)));
        Assert.Equal(Errno.BadF, WasiHarness.Call(() => _h.Context.FdPrestatGet(_h.Guest, 1, 300)));
        Assert.Equal(Errno.BadF, WasiHarness.Call(() => _h.Context.FdPrestatGet(_h.Guest, 5, 300)));
    }

    [Fact]
    public void DirentsAre24BytesPlusNameAndResumeByCookie()
    {
        File.WriteAllText(Path.Combine(_h.SandboxPath, "file"), "");
        Directory.CreateDirectory(Path.Combine(_h.SandboxPath, "dir"));
        var seen = new Dictionary<string, Filetype>();
        ulong cookie = 0;
        // A 40-byte buffer holds one entry at most, so every entry needs its own call (and cookie).
        for (int calls = 0; calls < 10; calls++)
        {
            Assert.Equal(Errno.Success, _h.Context.FdReaddir(_h.Guest, WasiHarness.Sandbox, 1000, 40, cookie, 996));
            int used = _h.Memory.ReadInt32(996);
            if (used == 0)
            {
                break;
            }
            Span<byte> b = At(1000, used);
            ulong next = BinaryPrimitives.ReadUInt64LittleEndian(b);
            uint namlen = BinaryPrimitives.ReadUInt32LittleEndian(b[16..]);
            Assert.True(24 + namlen <= 40);
            seen[Encoding.UTF8.GetString(b.Slice(24, (int)namlen))] = (Filetype)b[20];
            Assert.Equal(cookie + 1, next);
            cookie = next;
        }
        Assert.Equal(Filetype.Directory, seen["."]);
        Assert.Equal(Filetype.Directory, seen[".."]);
        Assert.Equal(Filetype.RegularFile, seen["file"]);
        Assert.Equal(Filetype.Directory, seen["dir"]);
        Assert.Equal(4, seen.Count);
    }

    [Fact]
    public void ReaddirFillsTheBufferWhenTruncated()
    {
        File.WriteAllText(Path.Combine(_h.SandboxPath, "a-long-file-name"), "");
        Assert.Equal(Errno.Success, _h.Context.FdReaddir(_h.Guest, WasiHarness.Sandbox, 1000, 30, 0, 996));
        // A full buffer tells wasi-libc the last entry was cut short and to read again.
        Assert.Equal(30, _h.Memory.ReadInt32(996));
    }

    [Fact]
    public void PollOneoffClockEventIs32Bytes()
    {
        Span<byte> sub = At(0, 48);
        sub.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(sub, 0x1122334455667788);
        sub[8] = WasiFlags.EventClock;
        BinaryPrimitives.WriteUInt32LittleEndian(sub[16..], WasiFlags.ClockMonotonic);
        BinaryPrimitives.WriteUInt64LittleEndian(sub[24..], 2_000_000); // 2 ms
        At(100, 40).Fill(0xAA);
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        Assert.Equal(Errno.Success, _h.Context.PollOneoff(_h.Guest, 0, 100, 1, 96));
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds >= 2);
        Assert.Equal(1, _h.Memory.ReadInt32(96));
        Span<byte> ev = At(100, 40);
        Assert.Equal(0x1122334455667788UL, BinaryPrimitives.ReadUInt64LittleEndian(ev));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(ev[8..]));
        Assert.Equal(WasiFlags.EventClock, ev[10]);
        Assert.Equal(0xAA, ev[32]);
    }

    [Fact]
    public void PollOneoffReportsABadDescriptorAsAnEvent()
    {
        Span<byte> sub = At(0, 96);
        sub.Clear();
        sub[8] = WasiFlags.EventFdRead;
        BinaryPrimitives.WriteUInt32LittleEndian(sub[16..], 77);
        BinaryPrimitives.WriteUInt64LittleEndian(sub[48..], 5);
        sub[56] = WasiFlags.EventFdWrite;
        BinaryPrimitives.WriteUInt32LittleEndian(sub[64..], 1);
        Assert.Equal(Errno.Success, _h.Context.PollOneoff(_h.Guest, 0, 200, 2, 196));
        Assert.Equal(2, _h.Memory.ReadInt32(196));
        Assert.Equal((ushort)Errno.BadF, BinaryPrimitives.ReadUInt16LittleEndian(At(208, 2)));
        Assert.Equal(5UL, BinaryPrimitives.ReadUInt64LittleEndian(At(232, 8)));
        Assert.Equal(WasiFlags.EventFdWrite, At(242, 1)[0]);
    }
}
