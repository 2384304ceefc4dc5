using System.Runtime.InteropServices;

namespace Kiln.Vm;

/// <summary>
/// The fixed head of every instance's context block (vmctx). Variable-length arrays (globals, tables,
/// function slots, function references) follow it; <see cref="VmOffsets"/> gives their positions.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VmContextHeader
{
    /// <summary>The store's shared block: stack limit, interrupt flag, fuel, trap fields.</summary>
    public VmStoreContext* Store;

    /// <summary>Base of memory 0, cached here because it never moves (reserved up front).</summary>
    public byte* MemoryBase;

    /// <summary>Memory 0's definition; its length changes on grow, so code reads it from there.</summary>
    public VmMemoryDefinition* Memory;

    /// <summary>A GC handle to the managed instance, for host calls made from compiled code.</summary>
    public nint InstanceHandle;

    /// <summary>The runtime helpers' entry points, so code calls them without embedding process addresses.</summary>
    public nint* HelperTable;

    /// <summary>The module's code table (one code pointer per defined function), shared by every instance of the module.</summary>
    public nint* CodeTable;
}

/// <summary>
/// Per-store state shared by all instances of the store, reached through <see cref="VmContextHeader.Store"/>
/// so one write interrupts every instance.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VmStoreContext
{
    /// <summary>Remaining fuel; execution traps when it drops below zero.</summary>
    public long Fuel;

    /// <summary>
    /// Byte 0 nonzero asks running code to stop at the next loop header or call. Byte 1 is the on-stack-replacement
    /// poll (<see cref="VmOffsets.StoreOsrPoll"/>), which only diverts baseline loop headers into their OSR path.
    /// </summary>
    public int Interrupt;

    /// <summary>The trap code recorded by compiled code before it unwinds to the entry trampoline.</summary>
    public int TrapCode;

    /// <summary>Lowest address the native stack may reach before compiled code traps "call stack exhausted".</summary>
    public nint StackLimit;

    /// <summary>Set when a host function called from compiled code threw; the exception is kept by the store.</summary>
    public int PendingException;

    private readonly int _padding;

    /// <summary>Stack pointer saved by the entry trampoline, so a trap unwinds all Wasm frames at once.</summary>
    public nint EntryStackPointer;
}

/// <summary>A linear memory as code sees it: a base that never moves and the current length in bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VmMemoryDefinition
{
    public byte* Base;
    public ulong Length;
}

/// <summary>
/// A table as code sees it: elements are <see cref="VmFuncRef"/> pointers (funcref) or extern
/// handles (externref), zero for null. <see cref="Elements"/> may move when the table grows.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VmTableDefinition
{
    public nint* Elements;
    public uint Length;
    private readonly uint _padding;
}

/// <summary>
/// One direct-call slot, per function index: the code to call and the vmctx to pass. Compiled code calls imported
/// functions (and defined ones that run on the interpreter) through it (<c>call [vmctx + slot]</c>); defined
/// compiled functions are called through the module's code table instead (<see cref="VmContextHeader.CodeTable"/>).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VmFunctionSlot
{
    public nint Code;
    public nint Vmctx;
}

/// <summary>
/// A function reference (the value of a funcref): what call_indirect needs to check and call.
/// <see cref="TypeId"/> is the engine-wide signature id (compared with the caller's vmctx row of ids); <see cref="FuncId"/> finds the managed
/// function in its store.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VmFuncRef
{
    public nint Code;
    public nint Vmctx;
    public int TypeId;
    public int FuncId;
}
