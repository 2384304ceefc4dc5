using System.Runtime.InteropServices;
using Kiln.Interpreter;
using Kiln.Vm;
using Kiln.Wasm.Model;

namespace Kiln.Compiled;

/// <summary>
/// The C# half of instructions that compiled code does not inline: bulk memory and table ops,
/// memory.grow, table.grow and float-to-int truncation. Each is an [UnmanagedCallersOnly] method
/// called directly from machine code; PLATFORM-NOTES: an exception escaping one aborts the process,
/// so every helper catches everything and reports a trap as a status (-1 = no trap) that the
/// compiled code turns into a trap exit.
/// </summary>
internal static unsafe class CompiledHelpers
{
    public static readonly nint MemoryGrowAddress = (nint)(delegate* unmanaged<byte*, uint, int>)&MemoryGrow;
    public static readonly nint MemoryFillAddress = (nint)(delegate* unmanaged<byte*, uint, uint, uint, int>)&MemoryFill;
    public static readonly nint MemoryCopyAddress = (nint)(delegate* unmanaged<byte*, uint, uint, uint, int>)&MemoryCopy;
    public static readonly nint MemoryInitAddress = (nint)(delegate* unmanaged<byte*, uint, uint, uint, uint, int>)&MemoryInit;
    public static readonly nint DataDropAddress = (nint)(delegate* unmanaged<byte*, uint, void>)&DataDrop;
    public static readonly nint TableInitAddress = (nint)(delegate* unmanaged<byte*, uint, uint, uint, uint, uint, int>)&TableInit;
    public static readonly nint ElemDropAddress = (nint)(delegate* unmanaged<byte*, uint, void>)&ElemDrop;
    public static readonly nint TableCopyAddress = (nint)(delegate* unmanaged<byte*, uint, uint, uint, uint, uint, int>)&TableCopy;
    public static readonly nint TableGrowAddress = (nint)(delegate* unmanaged<byte*, uint, ulong, uint, int>)&TableGrow;
    public static readonly nint TableFillAddress = (nint)(delegate* unmanaged<byte*, uint, uint, ulong, uint, int>)&TableFill;
    public static readonly nint TruncateAddress = (nint)(delegate* unmanaged<ulong, int, int*, long>)&Truncate;
    public static readonly nint RoundAddress = (nint)(delegate* unmanaged<ulong, int, ulong>)&Round;

    private const int Ok = -1;

    internal static Instance InstanceOf(byte* vmctx) =>
        (Instance)(GCHandle.FromIntPtr(((VmContextHeader*)vmctx)->InstanceHandle).Target
            ?? throw new InternalErrorException("compiled code ran for a collected instance"));

    private static int Fail(Exception e)
    {
        if (e is TrapException trap)
        {
            return (int)trap.Code;
        }
        CompiledRuntime.SetPending(e);
        return (int)TrapCode.HostError;
    }

    [UnmanagedCallersOnly]
    private static int MemoryGrow(byte* vmctx, uint delta)
    {
        try
        {
            // Spec 4.4.7: memory.grow returns the old size in pages, or -1 on failure.
            return InstanceOf(vmctx).Memory!.Native.TryGrow(delta, out uint previous) ? (int)previous : -1;
        }
        catch (Exception)
        {
            return -1;
        }
    }

    [UnmanagedCallersOnly]
    private static int MemoryFill(byte* vmctx, uint dst, uint value, uint count)
    {
        try
        {
            Instance inst = InstanceOf(vmctx);
            BulkOps.MemoryFill(inst.MemoryBase, inst.MemoryDefinition->Length, dst, (byte)value, count);
            return Ok;
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    [UnmanagedCallersOnly]
    private static int MemoryCopy(byte* vmctx, uint dst, uint src, uint count)
    {
        try
        {
            Instance inst = InstanceOf(vmctx);
            BulkOps.MemoryCopy(inst.MemoryBase, inst.MemoryDefinition->Length, dst, src, count);
            return Ok;
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    [UnmanagedCallersOnly]
    private static int MemoryInit(byte* vmctx, uint segment, uint dst, uint src, uint count)
    {
        try
        {
            Instance inst = InstanceOf(vmctx);
            BulkOps.MemoryInit(inst.MemoryBase, inst.MemoryDefinition->Length, inst.DataSegments[segment].Span, dst, src, count);
            return Ok;
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    [UnmanagedCallersOnly]
    private static void DataDrop(byte* vmctx, uint segment)
    {
        try
        {
            InstanceOf(vmctx).DataSegments[segment] = ReadOnlyMemory<byte>.Empty;
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    [UnmanagedCallersOnly]
    private static int TableInit(byte* vmctx, uint table, uint segment, uint dst, uint src, uint count)
    {
        try
        {
            Instance inst = InstanceOf(vmctx);
            BulkOps.TableInit(inst.TableDefinitions[table], inst.ElementSegments[segment], dst, src, count);
            return Ok;
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    [UnmanagedCallersOnly]
    private static void ElemDrop(byte* vmctx, uint segment)
    {
        try
        {
            InstanceOf(vmctx).ElementSegments[segment] = [];
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    [UnmanagedCallersOnly]
    private static int TableCopy(byte* vmctx, uint dstTable, uint srcTable, uint dst, uint src, uint count)
    {
        try
        {
            Instance inst = InstanceOf(vmctx);
            BulkOps.TableCopy(inst.TableDefinitions[dstTable], inst.TableDefinitions[srcTable], dst, src, count);
            return Ok;
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    [UnmanagedCallersOnly]
    private static int TableGrow(byte* vmctx, uint table, ulong initial, uint delta)
    {
        try
        {
            // Spec 4.4.6: table.grow returns the old size, or -1 on failure.
            return InstanceOf(vmctx).Tables[table].TryGrow(delta, initial, out uint previous) ? (int)previous : -1;
        }
        catch (Exception)
        {
            return -1;
        }
    }

    [UnmanagedCallersOnly]
    private static int TableFill(byte* vmctx, uint table, uint start, ulong value, uint count)
    {
        try
        {
            BulkOps.TableFill(InstanceOf(vmctx).TableDefinitions[table], start, value, count);
            return Ok;
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    /// <summary>Float-to-int truncation with the interpreter's exact semantics (<see cref="WasmMath"/>); the source is f64 bits (f32 widened exactly).</summary>
    [UnmanagedCallersOnly]
    private static long Truncate(ulong bits, int opcode, int* status)
    {
        *status = Ok;
        double d = BitConverter.UInt64BitsToDouble(bits);
        float f = (float)d;
        try
        {
            return (Opcode)opcode switch
            {
                Opcode.I32TruncF32S => WasmMath.I32TruncF32S(f),
                Opcode.I32TruncF32U => WasmMath.I32TruncF32U(f),
                Opcode.I32TruncF64S => WasmMath.I32TruncF64S(d),
                Opcode.I32TruncF64U => WasmMath.I32TruncF64U(d),
                Opcode.I64TruncF32S => WasmMath.I64TruncF32S(f),
                Opcode.I64TruncF32U => (long)WasmMath.I64TruncF32U(f),
                Opcode.I64TruncF64S => WasmMath.I64TruncF64S(d),
                Opcode.I64TruncF64U => (long)WasmMath.I64TruncF64U(d),
                Opcode.I32TruncSatF32S => WasmMath.I32TruncSatF32S(f),
                Opcode.I32TruncSatF32U => WasmMath.I32TruncSatF32U(f),
                Opcode.I32TruncSatF64S => WasmMath.I32TruncSatF64S(d),
                Opcode.I32TruncSatF64U => WasmMath.I32TruncSatF64U(d),
                Opcode.I64TruncSatF32S => WasmMath.I64TruncSatF32S(f),
                Opcode.I64TruncSatF32U => (long)WasmMath.I64TruncSatF32U(f),
                Opcode.I64TruncSatF64S => WasmMath.I64TruncSatF64S(d),
                Opcode.I64TruncSatF64U => (long)WasmMath.I64TruncSatF64U(d),
                _ => throw new InternalErrorException($"truncation helper called for opcode 0x{opcode:x}"),
            };
        }
        catch (Exception e)
        {
            *status = Fail(e);
            return 0;
        }
    }

    /// <summary>ceil, floor, trunc, nearest (kind 0-3 on f32 values widened, 4-7 on f64) for CPUs without SSE4.1.</summary>
    [UnmanagedCallersOnly]
    private static ulong Round(ulong bits, int kind)
    {
        double d = BitConverter.UInt64BitsToDouble(bits);
        double r = (kind & 3) switch
        {
            0 => WasmMath.F64Ceil(d),
            1 => WasmMath.F64Floor(d),
            2 => WasmMath.F64Trunc(d),
            _ => WasmMath.F64Nearest(d),
        };
        return BitConverter.DoubleToUInt64Bits(r);
    }
}
