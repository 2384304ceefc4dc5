using System.Buffers.Binary;
using System.Text;

namespace Kiln.Jit.Tests.Diagnostics;

/// <summary>An independent reader of jitdump files (perf's jitdump-specification.txt) for checking what Kiln writes.</summary>
internal sealed class JitDumpReader
{
    public sealed record Record(uint Id, ulong Timestamp, byte[] Payload);

    public sealed record Load(uint Pid, uint Tid, ulong Vma, ulong CodeAddress, ulong CodeIndex, string Name, byte[] Code);

    public JitDumpReader(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length >= 40, "shorter than the header");
        Magic = U32(bytes, 0);
        Version = U32(bytes, 4);
        HeaderSize = U32(bytes, 8);
        ElfMachine = U32(bytes, 12);
        Pid = U32(bytes, 20);
        Timestamp = U64(bytes, 24);
        Flags = U64(bytes, 32);
        int position = (int)HeaderSize;
        while (position < bytes.Length)
        {
            Assert.True(position + 16 <= bytes.Length, $"truncated record header at {position}");
            uint id = U32(bytes, position);
            uint size = U32(bytes, position + 4);
            Assert.True(size >= 16 && position + size <= bytes.Length, $"record at {position} claims {size} bytes");
            Records.Add(new Record(id, U64(bytes, position + 8), bytes[(position + 16)..(position + (int)size)]));
            position += (int)size;
        }
    }

    public uint Magic { get; }
    public uint Version { get; }
    public uint HeaderSize { get; }
    public uint ElfMachine { get; }
    public uint Pid { get; }
    public ulong Timestamp { get; }
    public ulong Flags { get; }
    public List<Record> Records { get; } = [];

    public static Load ParseLoad(byte[] p)
    {
        int nameEnd = Array.IndexOf(p, (byte)0, 40);
        ulong codeSize = U64(p, 24);
        byte[] code = p[(nameEnd + 1)..];
        Assert.Equal((int)codeSize, code.Length);
        return new Load(U32(p, 0), U32(p, 4), U64(p, 8), U64(p, 16), U64(p, 32), Encoding.UTF8.GetString(p, 40, nameEnd - 40), code);
    }

    public static (ulong CodeAddress, List<(ulong Address, uint Line, string File)> Entries) ParseDebugInfo(byte[] p)
    {
        ulong address = U64(p, 0);
        ulong count = U64(p, 8);
        List<(ulong, uint, string)> entries = [];
        int position = 16;
        for (ulong i = 0; i < count; i++)
        {
            ulong entryAddress = U64(p, position);
            uint line = U32(p, position + 8);
            int nameEnd = Array.IndexOf(p, (byte)0, position + 16);
            entries.Add((entryAddress, line, Encoding.UTF8.GetString(p, position + 16, nameEnd - position - 16)));
            position = nameEnd + 1;
        }
        Assert.Equal(p.Length, position);
        return (address, entries);
    }

    public static (ulong UnwindSize, ulong HeaderSize, ulong MappedSize, byte[] Data) ParseUnwindingInfo(byte[] p) =>
        (U64(p, 0), U64(p, 8), U64(p, 16), p[24..]);

    private static uint U32(byte[] b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));

    private static ulong U64(byte[] b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at));
}
