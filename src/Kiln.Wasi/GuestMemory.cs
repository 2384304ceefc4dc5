using System.Buffers.Binary;
using System.Text;
using Kiln.Wasi.Abi;

namespace Kiln.Wasi;

/// <summary>
/// Bounds-checked access to the calling instance's linear memory. Every guest pointer and length
/// passes through here; one out of range yields <see cref="Errno.Fault"/> for the guest instead of
/// an exception for the embedder.
/// </summary>
public readonly struct GuestMemory
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Memory? _memory;

    /// <param name="memory">The guest's memory; null when the module exports none (any access then traps with an explanation).</param>
    public GuestMemory(Memory? memory)
    {
        _memory = memory;
    }

    public Memory? Memory => _memory;

    private ulong Length => _memory?.Length
        ?? throw new InvalidOperationException("this WASI function needs guest memory, but the module does not export a memory named \"memory\"");

    /// <summary>Bytes [ptr, ptr + len); EFAULT when any of them is outside the memory.</summary>
    public Span<byte> Slice(uint ptr, uint len)
    {
        ulong length = Length;
        // SECURITY: the sum is computed in 64 bits so ptr + len cannot wrap around.
        WasiErrnoException.ThrowIf((ulong)ptr + len > length || len > int.MaxValue, Errno.Fault);
        return len == 0 ? [] : _memory!.GetSpan(ptr, (int)len);
    }

    public byte ReadU8(uint ptr) => Slice(ptr, 1)[0];

    public ushort ReadU16(uint ptr) => BinaryPrimitives.ReadUInt16LittleEndian(Slice(ptr, 2));

    public uint ReadU32(uint ptr) => BinaryPrimitives.ReadUInt32LittleEndian(Slice(ptr, 4));

    public ulong ReadU64(uint ptr) => BinaryPrimitives.ReadUInt64LittleEndian(Slice(ptr, 8));

    public void WriteU8(uint ptr, byte value) => Slice(ptr, 1)[0] = value;

    public void WriteU16(uint ptr, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Slice(ptr, 2), value);

    public void WriteU32(uint ptr, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Slice(ptr, 4), value);

    public void WriteU64(uint ptr, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Slice(ptr, 8), value);

    /// <summary>A guest path or string: UTF-8 without NUL bytes (EILSEQ / EINVAL otherwise).</summary>
    public string ReadPath(uint ptr, uint len)
    {
        Span<byte> bytes = Slice(ptr, len);
        // SECURITY: a NUL would cut the path short when it reaches libc ("a\0/../.." is not "a").
        WasiErrnoException.ThrowIf(bytes.IndexOf((byte)0) >= 0, Errno.Inval);
        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new WasiErrnoException(Errno.IlSeq);
        }
    }

    /// <summary>The guest's iovec array (8 bytes each: u32 buf, u32 buf_len), each checked against memory.</summary>
    public IovecList ReadIovecs(uint iovs, uint count)
    {
        WasiErrnoException.ThrowIf(count > int.MaxValue / WasiFlags.IovecSize, Errno.Fault);
        Span<byte> table = Slice(iovs, count * WasiFlags.IovecSize);
        var list = new IovecList(count);
        for (int i = 0; i < (int)count; i++)
        {
            uint buf = BinaryPrimitives.ReadUInt32LittleEndian(table[(i * 8)..]);
            uint len = BinaryPrimitives.ReadUInt32LittleEndian(table[(i * 8 + 4)..]);
            WasiErrnoException.ThrowIf((ulong)buf + len > Length, Errno.Fault);
            list.Add(buf, len);
        }
        return list;
    }
}

/// <summary>Validated (pointer, length) pairs of an iovec or ciovec array.</summary>
public sealed class IovecList(uint capacity)
{
    private readonly List<(uint Ptr, uint Len)> _items = new((int)Math.Min(capacity, 1024));

    public int Count => _items.Count;

    public (uint Ptr, uint Len) this[int index] => _items[index];

    public ulong TotalLength
    {
        get
        {
            ulong sum = 0;
            foreach ((_, uint len) in _items)
            {
                sum += len;
            }
            return sum;
        }
    }

    internal void Add(uint ptr, uint len) => _items.Add((ptr, len));
}
