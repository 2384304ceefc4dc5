using System.Buffers.Binary;
using Kiln.Vm;
using Kiln.Wasm.Model;

namespace Kiln;

/// <summary>
/// A linear memory in native memory, reserved up to its maximum so its base never moves. The
/// embedder reads and writes it as a <see cref="Span{T}"/>; a span taken before a grow stays valid
/// (the base does not move) but does not see the new pages.
/// </summary>
public sealed unsafe class Memory : Extern
{
    private readonly LinearMemory _memory;

    private Memory(Store store, MemoryType type, LinearMemory memory)
        : base(store)
    {
        Type = type;
        _memory = memory;
    }

    public override ExternKind Kind => ExternKind.Memory;

    /// <summary>The declared type (minimum is the size at creation).</summary>
    public MemoryType Type { get; }

    /// <summary>Current size in 64 KiB pages.</summary>
    public uint Pages
    {
        get
        {
            Store.ThrowIfDisposed();
            return _memory.Pages;
        }
    }

    /// <summary>Current size in bytes.</summary>
    public ulong Length
    {
        get
        {
            Store.ThrowIfDisposed();
            return _memory.Length;
        }
    }

    /// <summary>Most pages this memory may reach: the declared maximum capped by the store's limit.</summary>
    public uint MaximumPages => _memory.MaximumPages;

    /// <summary>The memory's bytes (the first 2 GiB when it is larger; use <see cref="GetSpan"/> beyond).</summary>
    public Span<byte> Span
    {
        get
        {
            Store.ThrowIfDisposed();
            return _memory.Span;
        }
    }

    internal LinearMemory Native => _memory;

    internal VmMemoryDefinition* Definition => _memory.Definition;

    /// <summary>Creates a memory owned by <paramref name="store"/>.</summary>
    public static Memory Create(Store store, MemoryType type)
    {
        store.ThrowIfDisposed();
        uint limit = store.Limits.MaxMemoryPages;
        uint declaredMax = type.Limits.Max ?? MemoryType.MaxPages;
        if (type.Limits.Min > MemoryType.MaxPages || declaredMax > MemoryType.MaxPages || type.Limits.Min > declaredMax)
        {
            throw new ArgumentException($"invalid memory limits {type.Limits}", nameof(type));
        }
        if (type.Limits.Min > limit)
        {
            throw new ResourceLimitException($"memory of {type.Limits.Min} pages exceeds the limit of {limit} pages");
        }
        // Guard pages need every memory the engine's code can reach to be reserved for them (imports come from the same store).
        var native = new LinearMemory(type.Limits.Min, Math.Min(declaredMax, limit), store.Engine.UsesGuardPages);
        store.Own(native);
        return new Memory(store, type, native);
    }

    /// <summary>Bytes [offset, offset + length); throws when out of bounds.</summary>
    public Span<byte> GetSpan(ulong offset, int length)
    {
        Store.ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (offset > _memory.Length || (ulong)length > _memory.Length - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{length}) is outside the memory of {_memory.Length} bytes");
        }
        return new Span<byte>(_memory.Base + offset, length);
    }

    /// <summary>Spec 4.4.7 memory.grow: returns the previous size in pages, or -1 when the limit refuses.</summary>
    public int Grow(uint deltaPages)
    {
        Store.ThrowIfDisposed();
        return _memory.TryGrow(deltaPages, out uint previous) ? (int)previous : -1;
    }

    public int ReadInt32(ulong offset) => BinaryPrimitives.ReadInt32LittleEndian(GetSpan(offset, 4));

    public long ReadInt64(ulong offset) => BinaryPrimitives.ReadInt64LittleEndian(GetSpan(offset, 8));

    public void WriteInt32(ulong offset, int value) => BinaryPrimitives.WriteInt32LittleEndian(GetSpan(offset, 4), value);

    public void WriteInt64(ulong offset, long value) => BinaryPrimitives.WriteInt64LittleEndian(GetSpan(offset, 8), value);

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="offset"/> as UTF-8.</summary>
    public string ReadString(ulong offset, int length) => System.Text.Encoding.UTF8.GetString(GetSpan(offset, length));
}
