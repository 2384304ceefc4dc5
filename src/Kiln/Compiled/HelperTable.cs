using System.Runtime.InteropServices;

namespace Kiln.Compiled;

/// <summary>The runtime entry points compiled code calls, by their slot in the <see cref="HelperTable"/>.</summary>
internal enum RuntimeHelper
{
    MemoryGrow,
    MemoryFill,
    MemoryCopy,
    MemoryInit,
    DataDrop,
    TableInit,
    ElemDrop,
    TableCopy,
    TableGrow,
    TableFill,
    Truncate,
    Round,
    RecordTrapFrames,
    LazyCompile,
    TierUp,
    OsrEnter,
}

/// <summary>
/// The process-wide native table of runtime entry points (one 8-byte address per <see cref="RuntimeHelper"/>),
/// whose address every vmctx header carries (<see cref="Vm.VmOffsets.HelperTable"/>). Code calls
/// <c>[table + 8*k]</c> instead of embedding a C# function pointer, so a function's bytes depend neither on the
/// process nor on the engine (a code cache can store them). The addresses are those of
/// [UnmanagedCallersOnly] methods, fixed for the life of the process, so the table is built once and never freed.
/// </summary>
internal static unsafe class HelperTable
{
    private static readonly nint* s_table = Create();

    /// <summary>The table's address, for vmctx headers.</summary>
    public static nint Address => (nint)s_table;

    /// <summary>Displacement of <paramref name="helper"/>'s entry from the table's start.</summary>
    public static int Offset(RuntimeHelper helper) => 8 * (int)helper;

    /// <summary>The entry point of <paramref name="helper"/> in this process.</summary>
    public static nint Get(RuntimeHelper helper) => s_table[(int)helper];

    private static nint* Create()
    {
        int count = Enum.GetValues<RuntimeHelper>().Length;
        var table = (nint*)NativeMemory.AllocZeroed((nuint)(8 * count));
        table[(int)RuntimeHelper.MemoryGrow] = CompiledHelpers.MemoryGrowAddress;
        table[(int)RuntimeHelper.MemoryFill] = CompiledHelpers.MemoryFillAddress;
        table[(int)RuntimeHelper.MemoryCopy] = CompiledHelpers.MemoryCopyAddress;
        table[(int)RuntimeHelper.MemoryInit] = CompiledHelpers.MemoryInitAddress;
        table[(int)RuntimeHelper.DataDrop] = CompiledHelpers.DataDropAddress;
        table[(int)RuntimeHelper.TableInit] = CompiledHelpers.TableInitAddress;
        table[(int)RuntimeHelper.ElemDrop] = CompiledHelpers.ElemDropAddress;
        table[(int)RuntimeHelper.TableCopy] = CompiledHelpers.TableCopyAddress;
        table[(int)RuntimeHelper.TableGrow] = CompiledHelpers.TableGrowAddress;
        table[(int)RuntimeHelper.TableFill] = CompiledHelpers.TableFillAddress;
        table[(int)RuntimeHelper.Truncate] = CompiledHelpers.TruncateAddress;
        table[(int)RuntimeHelper.Round] = CompiledHelpers.RoundAddress;
        table[(int)RuntimeHelper.RecordTrapFrames] = CompiledRuntime.RecordTrapFramesAddress;
        table[(int)RuntimeHelper.LazyCompile] = CompiledRuntime.LazyCompileAddress;
        table[(int)RuntimeHelper.TierUp] = CompiledRuntime.TierUpAddress;
        table[(int)RuntimeHelper.OsrEnter] = CompiledRuntime.OsrEnterAddress;
        for (int i = 0; i < count; i++)
        {
            if (table[i] == 0)
            {
                throw new InternalErrorException($"runtime helper {(RuntimeHelper)i} has no entry point");
            }
        }
        return table;
    }
}
