using Kiln.Vm;

namespace Kiln.Interpreter;

/// <summary>
/// Bulk memory and table instructions (spec 4.4.6, 4.4.7). Each checks the whole range before
/// touching anything, so an out-of-bounds request traps without a partial write, and a zero-length
/// request at exactly the end is allowed.
/// </summary>
internal static unsafe class BulkOps
{
    public static void MemoryFill(byte* mem, ulong length, uint dst, byte value, uint count)
    {
        if ((ulong)dst + count > length)
        {
            WasmMath.Trap(TrapCode.MemoryOutOfBounds);
        }
        new Span<byte>(mem + dst, (int)Math.Min(count, int.MaxValue)).Fill(value);
        if (count > int.MaxValue)
        {
            new Span<byte>(mem + dst + int.MaxValue, (int)(count - int.MaxValue)).Fill(value);
        }
    }

    public static void MemoryCopy(byte* mem, ulong length, uint dst, uint src, uint count)
    {
        if ((ulong)dst + count > length || (ulong)src + count > length)
        {
            WasmMath.Trap(TrapCode.MemoryOutOfBounds);
        }
        // Buffer.MemoryCopy is a memmove: overlapping ranges copy as if through a temporary.
        Buffer.MemoryCopy(mem + src, mem + dst, count, count);
    }

    public static void MemoryInit(byte* mem, ulong length, ReadOnlySpan<byte> segment, uint dst, uint src, uint count)
    {
        if ((ulong)src + count > (ulong)segment.Length || (ulong)dst + count > length)
        {
            WasmMath.Trap(TrapCode.MemoryOutOfBounds);
        }
        segment.Slice((int)src, (int)count).CopyTo(new Span<byte>(mem + dst, (int)count));
    }

    public static void TableFill(VmTableDefinition* table, uint start, ulong value, uint count)
    {
        if ((ulong)start + count > table->Length)
        {
            WasmMath.Trap(TrapCode.TableOutOfBounds);
        }
        new Span<nint>(table->Elements + start, (int)count).Fill((nint)value);
    }

    public static void TableCopy(VmTableDefinition* dstTable, VmTableDefinition* srcTable, uint dst, uint src, uint count)
    {
        if ((ulong)dst + count > dstTable->Length || (ulong)src + count > srcTable->Length)
        {
            WasmMath.Trap(TrapCode.TableOutOfBounds);
        }
        Buffer.MemoryCopy(srcTable->Elements + src, dstTable->Elements + dst, (ulong)count * (ulong)sizeof(nint), (ulong)count * (ulong)sizeof(nint));
    }

    public static void TableInit(VmTableDefinition* table, nint[] segment, uint dst, uint src, uint count)
    {
        if ((ulong)src + count > (ulong)segment.Length || (ulong)dst + count > table->Length)
        {
            WasmMath.Trap(TrapCode.TableOutOfBounds);
        }
        segment.AsSpan((int)src, (int)count).CopyTo(new Span<nint>(table->Elements + dst, (int)count));
    }
}
