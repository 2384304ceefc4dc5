using System.Numerics;
using System.Runtime.CompilerServices;
using Kiln.Vm;

namespace Kiln.Interpreter;

/// <summary>
/// Runs translated code. One loop per entry from the host dispatches on a dense opcode switch,
/// with operands addressed as frame-pointer-relative slots. Calls between Wasm functions (also
/// across instances) push an explicit frame and stay in the same loop, so the .NET stack does not
/// grow with Wasm recursion; only host functions that call back into Wasm nest a new loop.
/// </summary>
internal static unsafe partial class Executor
{
    /// <summary>
    /// Calls <paramref name="func"/> with its arguments in <paramref name="slots"/>; the results
    /// replace them. <paramref name="slots"/> must be the store's current stack top.
    /// <paramref name="caller"/> is the calling Wasm instance, which a host function sees as its
    /// <see cref="Caller"/> (WASI finds the guest's memory there); null when the host calls.
    /// </summary>
    public static void Call(Func func, ulong* slots, Instance? caller = null)
    {
        Store store = func.Store;
        InterpreterStack stack = store.Stack;
        if (func.Code is null)
        {
            stack.Top = slots + func.CallSlots;
            CallHost(func, store, caller, slots);
            return;
        }
        // A host function that calls back into Wasm nests a loop on the .NET stack; refuse before
        // that stack runs out (a .NET stack overflow would kill the process).
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new TrapException(TrapCode.CallStackExhausted);
        }
        // Every tier charges a function's entry (compiled code in its prologue; the loop below at its call
        // instruction), so an entry from the host or from compiled code costs one unit here too.
        VmStoreContext* context = store.Context;
        if (context->Interrupt != 0 | --context->Fuel < 0)
        {
            CheckEntry(context, func);
        }
        int entryDepth = stack.Depth;
        ulong* savedTop = stack.Top;
        try
        {
            Run(store, stack, func, slots, entryDepth);
        }
        catch (TrapException trap) when (AddFrames(trap, store, stack, entryDepth))
        {
            // Never reached: the filter records the frames and lets the trap pass.
        }
        finally
        {
            stack.Depth = entryDepth;
            stack.Top = savedTop;
        }
    }

    /// <summary>An interrupt or fuel trap at a function's entry names that function, as a compiled prologue's does.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CheckEntry(VmStoreContext* context, Func func)
    {
        try
        {
            CheckInterrupt(context);
        }
        catch (TrapException trap) when (AddFrame(trap, func))
        {
            // Never reached (the filter returns false).
        }
    }

    private static bool AddFrame(TrapException trap, Func func)
    {
        trap.AddFrame(new WasmFrame(func.Instance!.Module.Name, func.Code!.Index.Value, func.Code.Name));
        return false;
    }

    /// <summary>
    /// Adds the interpreted frames of this activation to a trap's backtrace, from an exception
    /// filter: the filter runs before anything unwinds and returns false, so the trap travels on
    /// without being caught. A catch-and-rethrow at every nested activation (host functions that
    /// call back into Wasm) would start a new dispatch on top of the still-deep stack each time and
    /// overflow it, which kills the process.
    /// </summary>
    private static bool AddFrames(TrapException trap, Store store, InterpreterStack stack, int entryDepth)
    {
        for (int d = stack.Depth; d > entryDepth; d--)
        {
            Func f = store.GetFunction(stack.Frames[d].CalleeId);
            trap.AddFrame(new WasmFrame(f.Instance!.Module.Name, f.Code!.Index.Value, f.Code.Name));
        }
        // The outer activation's filter runs next, before this one's finally: it must start below these frames.
        stack.Depth = entryDepth;
        return false;
    }

    /// <summary>Calls a host function; any exception but a trap becomes a trap that wraps it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void CallHost(Func callee, Store store, Instance? caller, ulong* slots)
    {
        try
        {
            callee.Host!(new Caller(store, caller), slots);
        }
        // A trap passes untouched (a filter, not catch-and-rethrow: see AddFrames).
        catch (Exception e) when (e is not TrapException)
        {
            throw new TrapException(TrapCode.HostError, $"host function {callee} threw {e.GetType().Name}: {e.Message}", e);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CheckInterrupt(VmStoreContext* context)
    {
        // Byte 0 is the interrupt; byte 1 is compiled code's OSR poll (VmOffsets.StoreOsrPoll).
        if ((Volatile.Read(ref context->Interrupt) & 0xFF) != 0)
        {
            context->Interrupt = 0;
            throw new TrapException(TrapCode.Interrupted);
        }
        if (context->Fuel < 0)
        {
            context->Fuel = 0;
            throw new TrapException(TrapCode.OutOfFuel);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowMemoryOutOfBounds() => throw new TrapException(TrapCode.MemoryOutOfBounds);

    // The loop is compiled fully optimized at once: tiering would run it as unoptimized code (or an
    // on-stack-replacement variant) for the first calls, which is most of a short program's run.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run(Store store, InterpreterStack stack, Func entry, ulong* fp, int entryDepth)
    {
        VmStoreContext* context = store.Context;
        InterpretedFunction fn = entry.Code!;
        Instance inst = entry.Instance!;
        int depth = entryDepth;
        Func callee = entry;
        ulong* nfp = fp;
        Frame[] frames = stack.Frames;
        PushFrame(stack, ref frames, ref depth, entry, fn, fp);
        int* ip = fn.Code;
        byte* mem = inst.MemoryBase;
        ulong memLen = inst.MemoryDefinition == null ? 0 : inst.MemoryDefinition->Length;

        while (true)
        {
            switch ((InterpOp)ip[0])
            {
                case InterpOp.Unreachable:
                    WasmMath.Trap(TrapCode.Unreachable);
                    continue;
                case InterpOp.Br:
                    ip = fn.Code + ip[1];
                    continue;
                case InterpOp.BrIfNez:
                    ip = *(int*)(fp + ip[1]) != 0 ? fn.Code + ip[2] : ip + 3;
                    continue;
                case InterpOp.BrIfEqz:
                    ip = *(int*)(fp + ip[1]) == 0 ? fn.Code + ip[2] : ip + 3;
                    continue;
                case InterpOp.BrTable:
                {
                    uint i = *(uint*)(fp + ip[1]);
                    uint count = (uint)ip[2];
                    ip = fn.Code + ip[3 + (int)Math.Min(i, count)];
                    continue;
                }
                case InterpOp.Return1:
                    *fp = fp[ip[1]];
                    goto case InterpOp.Return;
                case InterpOp.Return:
                {
                    depth--;
                    stack.Depth = depth;
                    if (depth == entryDepth)
                    {
                        return;
                    }
                    ref Frame caller = ref frames[depth];
                    Func returnTo = store.Functions[caller.CalleeId];
                    fn = returnTo.Code!;
                    fp = caller.Fp;
                    ip = caller.ReturnIp;
                    if (returnTo.Instance != inst)
                    {
                        inst = returnTo.Instance!;
                        mem = inst.MemoryBase;
                    }
                    // The callee may have grown the memory.
                    memLen = inst.MemoryDefinition == null ? 0 : inst.MemoryDefinition->Length;
                    continue;
                }
                case InterpOp.LoopCheck:
                    if (context->Interrupt != 0 | --context->Fuel < 0)
                    {
                        CheckInterrupt(context);
                    }
                    ip += 1;
                    continue;
                case InterpOp.BrLoop:
                    if (context->Interrupt != 0 | --context->Fuel < 0)
                    {
                        CheckInterrupt(context);
                    }
                    ip = fn.Code + ip[1];
                    continue;
                case InterpOp.Call:
                    callee = inst.Functions[ip[1]];
                    nfp = fp + ip[2];
                    ip += 3;
                    goto call;
                case InterpOp.CallIndirect:
                {
                    VmTableDefinition* table = inst.TableDefinitions[ip[2]];
                    uint i = *(uint*)(fp + ip[4]);
                    if (i >= table->Length)
                    {
                        WasmMath.Trap(TrapCode.UndefinedElement);
                    }
                    VmFuncRef* target = (VmFuncRef*)table->Elements[i];
                    if (target == null)
                    {
                        WasmMath.Trap(TrapCode.UninitializedElement);
                    }
                    if (target->TypeId != ip[1])
                    {
                        WasmMath.Trap(TrapCode.IndirectCallTypeMismatch);
                    }
                    callee = store.GetFunction(target->FuncId);
                    nfp = fp + ip[3];
                    ip += 5;
                    goto call;
                }
                case InterpOp.Copy:
                    fp[ip[1]] = fp[ip[2]];
                    ip += 3;
                    continue;
                case InterpOp.Const32:
                    fp[ip[1]] = (uint)ip[2];
                    ip += 3;
                    continue;
                case InterpOp.Const64:
                    fp[ip[1]] = (uint)ip[2] | ((ulong)(uint)ip[3] << 32);
                    ip += 4;
                    continue;
                case InterpOp.Select:
                    fp[ip[1]] = *(int*)(fp + ip[4]) != 0 ? fp[ip[2]] : fp[ip[3]];
                    ip += 5;
                    continue;
                case InterpOp.GlobalGet:
                    fp[ip[1]] = *inst.GlobalCells[ip[2]];
                    ip += 3;
                    continue;
                case InterpOp.GlobalSet:
                    *inst.GlobalCells[ip[1]] = fp[ip[2]];
                    ip += 3;
                    continue;
                case InterpOp.RefFunc:
                    fp[ip[1]] = (ulong)(nint)inst.FuncRefs[ip[2]];
                    ip += 3;
                    continue;
                case InterpOp.TableGet:
                {
                    VmTableDefinition* table = inst.TableDefinitions[ip[2]];
                    uint i = *(uint*)(fp + ip[3]);
                    if (i >= table->Length)
                    {
                        WasmMath.Trap(TrapCode.TableOutOfBounds);
                    }
                    fp[ip[1]] = (ulong)table->Elements[i];
                    ip += 4;
                    continue;
                }
                case InterpOp.TableSet:
                {
                    VmTableDefinition* table = inst.TableDefinitions[ip[1]];
                    uint i = *(uint*)(fp + ip[2]);
                    if (i >= table->Length)
                    {
                        WasmMath.Trap(TrapCode.TableOutOfBounds);
                    }
                    table->Elements[i] = (nint)fp[ip[3]];
                    ip += 4;
                    continue;
                }
                case InterpOp.TableSize:
                    fp[ip[1]] = inst.TableDefinitions[ip[2]]->Length;
                    ip += 3;
                    continue;
                case InterpOp.TableGrow:
                    *(int*)(fp + ip[1]) = inst.Tables[ip[2]].TryGrow(*(uint*)(fp + ip[4]), fp[ip[3]], out uint oldSize) ? (int)oldSize : -1;
                    ip += 5;
                    continue;
                case InterpOp.TableFill:
                    BulkOps.TableFill(inst.TableDefinitions[ip[1]], *(uint*)(fp + ip[2]), fp[ip[3]], *(uint*)(fp + ip[4]));
                    ip += 5;
                    continue;
                case InterpOp.TableCopy:
                    BulkOps.TableCopy(inst.TableDefinitions[ip[1]], inst.TableDefinitions[ip[2]], *(uint*)(fp + ip[3]), *(uint*)(fp + ip[4]), *(uint*)(fp + ip[5]));
                    ip += 6;
                    continue;
                case InterpOp.TableInit:
                    BulkOps.TableInit(inst.TableDefinitions[ip[1]], inst.ElementSegments[ip[2]], *(uint*)(fp + ip[3]), *(uint*)(fp + ip[4]), *(uint*)(fp + ip[5]));
                    ip += 6;
                    continue;
                case InterpOp.ElemDrop:
                    inst.ElementSegments[ip[1]] = [];
                    ip += 2;
                    continue;
                case InterpOp.MemorySize:
                    fp[ip[1]] = memLen >> 16;
                    ip += 2;
                    continue;
                case InterpOp.MemoryGrow:
                {
                    // Spec 4.4.7: memory.grow returns the old size in pages, or -1 on failure.
                    bool grown = inst.Memory!.Native.TryGrow(*(uint*)(fp + ip[2]), out uint previous);
                    *(int*)(fp + ip[1]) = grown ? (int)previous : -1;
                    memLen = inst.MemoryDefinition->Length;
                    ip += 3;
                    continue;
                }
                case InterpOp.MemoryFill:
                    BulkOps.MemoryFill(mem, memLen, *(uint*)(fp + ip[1]), (byte)fp[ip[2]], *(uint*)(fp + ip[3]));
                    ip += 4;
                    continue;
                case InterpOp.MemoryCopy:
                    BulkOps.MemoryCopy(mem, memLen, *(uint*)(fp + ip[1]), *(uint*)(fp + ip[2]), *(uint*)(fp + ip[3]));
                    ip += 4;
                    continue;
                case InterpOp.MemoryInit:
                    BulkOps.MemoryInit(mem, memLen, inst.DataSegments[ip[1]].Span, *(uint*)(fp + ip[2]), *(uint*)(fp + ip[3]), *(uint*)(fp + ip[4]));
                    ip += 5;
                    continue;
                case InterpOp.DataDrop:
                    inst.DataSegments[ip[1]] = ReadOnlyMemory<byte>.Empty;
                    ip += 2;
                    continue;

                // Spec 4.4.7 loads and stores: the effective address is the 32-bit operand plus the
                // 32-bit offset, computed in 64 bits so it cannot wrap, and the whole access must fit.
                case InterpOp.I32Load:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[2]) + (uint)ip[3];
                    if (ea + 4 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    fp[ip[1]] = Unsafe.ReadUnaligned<uint>(mem + ea);
                    ip += 4;
                    continue;
                }
                case InterpOp.I64Load:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[2]) + (uint)ip[3];
                    if (ea + 8 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    fp[ip[1]] = Unsafe.ReadUnaligned<ulong>(mem + ea);
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Load8S:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[2]) + (uint)ip[3];
                    if (ea + 1 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    fp[ip[1]] = (uint)(int)*(sbyte*)(mem + ea);
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Load8U:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[2]) + (uint)ip[3];
                    if (ea + 1 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    fp[ip[1]] = mem[ea];
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Load16S:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[2]) + (uint)ip[3];
                    if (ea + 2 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    fp[ip[1]] = (uint)(int)Unsafe.ReadUnaligned<short>(mem + ea);
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Load16U:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[2]) + (uint)ip[3];
                    if (ea + 2 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    fp[ip[1]] = Unsafe.ReadUnaligned<ushort>(mem + ea);
                    ip += 4;
                    continue;
                }
                case InterpOp.I64Load8S:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[2]) + (uint)ip[3];
                    if (ea + 1 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    fp[ip[1]] = (ulong)(long)*(sbyte*)(mem + ea);
                    ip += 4;
                    continue;
                }
                case InterpOp.I64Load16S:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[2]) + (uint)ip[3];
                    if (ea + 2 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    fp[ip[1]] = (ulong)(long)Unsafe.ReadUnaligned<short>(mem + ea);
                    ip += 4;
                    continue;
                }
                case InterpOp.I64Load32S:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[2]) + (uint)ip[3];
                    if (ea + 4 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    fp[ip[1]] = (ulong)(long)Unsafe.ReadUnaligned<int>(mem + ea);
                    ip += 4;
                    continue;
                }
                case InterpOp.I64Load32U:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[2]) + (uint)ip[3];
                    if (ea + 4 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    fp[ip[1]] = Unsafe.ReadUnaligned<uint>(mem + ea);
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Store:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[1]) + (uint)ip[3];
                    if (ea + 4 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    Unsafe.WriteUnaligned(mem + ea, *(uint*)(fp + ip[2]));
                    ip += 4;
                    continue;
                }
                case InterpOp.I64Store:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[1]) + (uint)ip[3];
                    if (ea + 8 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    Unsafe.WriteUnaligned(mem + ea, fp[ip[2]]);
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Store8:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[1]) + (uint)ip[3];
                    if (ea + 1 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    mem[ea] = *(byte*)(fp + ip[2]);
                    ip += 4;
                    continue;
                }
                case InterpOp.I32StoreImm:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[1]) + (uint)ip[3];
                    if (ea + 4 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    Unsafe.WriteUnaligned(mem + ea, ip[2]);
                    ip += 4;
                    continue;
                }
                case InterpOp.I64StoreImm:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[1]) + (uint)ip[3];
                    if (ea + 8 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    Unsafe.WriteUnaligned(mem + ea, (long)ip[2]);
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Store8Imm:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[1]) + (uint)ip[3];
                    if (ea + 1 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    mem[ea] = (byte)ip[2];
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Store16Imm:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[1]) + (uint)ip[3];
                    if (ea + 2 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    Unsafe.WriteUnaligned(mem + ea, (ushort)ip[2]);
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Store16:
                {
                    ulong ea = (ulong)*(uint*)(fp + ip[1]) + (uint)ip[3];
                    if (ea + 2 > memLen)
                    {
                        ThrowMemoryOutOfBounds();
                    }
                    Unsafe.WriteUnaligned(mem + ea, *(ushort*)(fp + ip[2]));
                    ip += 4;
                    continue;
                }

                case InterpOp.I32Eqz:
                {
                    int a = *(int*)(fp + ip[2]);
                    *(int*)(fp + ip[1]) = a == 0 ? 1 : 0;
                    ip += 3;
                    continue;
                }
                case InterpOp.I32Eq:
                {
                    int a = *(int*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a == b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Ne:
                {
                    int a = *(int*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a != b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32LtS:
                {
                    int a = *(int*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a < b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32LtU:
                {
                    uint a = *(uint*)(fp + ip[2]); uint b = *(uint*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a < b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32GtS:
                {
                    int a = *(int*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a > b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32GtU:
                {
                    uint a = *(uint*)(fp + ip[2]); uint b = *(uint*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a > b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32LeS:
                {
                    int a = *(int*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a <= b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32LeU:
                {
                    uint a = *(uint*)(fp + ip[2]); uint b = *(uint*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a <= b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32GeS:
                {
                    int a = *(int*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a >= b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32GeU:
                {
                    uint a = *(uint*)(fp + ip[2]); uint b = *(uint*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a >= b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64Eqz:
                {
                    long a = *(long*)(fp + ip[2]);
                    *(int*)(fp + ip[1]) = a == 0 ? 1 : 0;
                    ip += 3;
                    continue;
                }
                case InterpOp.I64Eq:
                {
                    long a = *(long*)(fp + ip[2]); long b = *(long*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a == b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64Ne:
                {
                    long a = *(long*)(fp + ip[2]); long b = *(long*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a != b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64LtS:
                {
                    long a = *(long*)(fp + ip[2]); long b = *(long*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a < b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64LtU:
                {
                    ulong a = *(ulong*)(fp + ip[2]); ulong b = *(ulong*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a < b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64GtS:
                {
                    long a = *(long*)(fp + ip[2]); long b = *(long*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a > b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64GtU:
                {
                    ulong a = *(ulong*)(fp + ip[2]); ulong b = *(ulong*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a > b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64LeS:
                {
                    long a = *(long*)(fp + ip[2]); long b = *(long*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a <= b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64LeU:
                {
                    ulong a = *(ulong*)(fp + ip[2]); ulong b = *(ulong*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a <= b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64GeS:
                {
                    long a = *(long*)(fp + ip[2]); long b = *(long*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a >= b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64GeU:
                {
                    ulong a = *(ulong*)(fp + ip[2]); ulong b = *(ulong*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a >= b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.F32Eq:
                {
                    float a = *(float*)(fp + ip[2]); float b = *(float*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a == b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.F32Ne:
                {
                    float a = *(float*)(fp + ip[2]); float b = *(float*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a != b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.F32Lt:
                {
                    float a = *(float*)(fp + ip[2]); float b = *(float*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a < b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.F32Gt:
                {
                    float a = *(float*)(fp + ip[2]); float b = *(float*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a > b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.F32Le:
                {
                    float a = *(float*)(fp + ip[2]); float b = *(float*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a <= b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.F32Ge:
                {
                    float a = *(float*)(fp + ip[2]); float b = *(float*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a >= b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.F64Eq:
                {
                    double a = *(double*)(fp + ip[2]); double b = *(double*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a == b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.F64Ne:
                {
                    double a = *(double*)(fp + ip[2]); double b = *(double*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a != b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.F64Lt:
                {
                    double a = *(double*)(fp + ip[2]); double b = *(double*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a < b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.F64Gt:
                {
                    double a = *(double*)(fp + ip[2]); double b = *(double*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a > b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.F64Le:
                {
                    double a = *(double*)(fp + ip[2]); double b = *(double*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a <= b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.F64Ge:
                {
                    double a = *(double*)(fp + ip[2]); double b = *(double*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a >= b ? 1 : 0;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Clz:
                {
                    uint a = *(uint*)(fp + ip[2]);
                    *(int*)(fp + ip[1]) = BitOperations.LeadingZeroCount(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I32Ctz:
                {
                    uint a = *(uint*)(fp + ip[2]);
                    *(int*)(fp + ip[1]) = BitOperations.TrailingZeroCount(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I32Popcnt:
                {
                    uint a = *(uint*)(fp + ip[2]);
                    *(int*)(fp + ip[1]) = BitOperations.PopCount(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I32Add:
                {
                    int a = *(int*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a + b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Sub:
                {
                    int a = *(int*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a - b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Mul:
                {
                    int a = *(int*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a * b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32DivS:
                {
                    int a = *(int*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = WasmMath.I32DivS(a, b);
                    ip += 4;
                    continue;
                }
                case InterpOp.I32DivU:
                {
                    uint a = *(uint*)(fp + ip[2]); uint b = *(uint*)(fp + ip[3]);
                    *(uint*)(fp + ip[1]) = WasmMath.I32DivU(a, b);
                    ip += 4;
                    continue;
                }
                case InterpOp.I32RemS:
                {
                    int a = *(int*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = WasmMath.I32RemS(a, b);
                    ip += 4;
                    continue;
                }
                case InterpOp.I32RemU:
                {
                    uint a = *(uint*)(fp + ip[2]); uint b = *(uint*)(fp + ip[3]);
                    *(uint*)(fp + ip[1]) = WasmMath.I32RemU(a, b);
                    ip += 4;
                    continue;
                }
                case InterpOp.I32And:
                {
                    int a = *(int*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a & b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Or:
                {
                    int a = *(int*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a | b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Xor:
                {
                    int a = *(int*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a ^ b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Shl:
                {
                    int a = *(int*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a << b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32ShrS:
                {
                    int a = *(int*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(int*)(fp + ip[1]) = a >> b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32ShrU:
                {
                    uint a = *(uint*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(uint*)(fp + ip[1]) = a >> b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Rotl:
                {
                    uint a = *(uint*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(uint*)(fp + ip[1]) = BitOperations.RotateLeft(a, b);
                    ip += 4;
                    continue;
                }
                case InterpOp.I32Rotr:
                {
                    uint a = *(uint*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(uint*)(fp + ip[1]) = BitOperations.RotateRight(a, b);
                    ip += 4;
                    continue;
                }
                case InterpOp.I64Clz:
                {
                    ulong a = *(ulong*)(fp + ip[2]);
                    *(ulong*)(fp + ip[1]) = (ulong)BitOperations.LeadingZeroCount(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I64Ctz:
                {
                    ulong a = *(ulong*)(fp + ip[2]);
                    *(ulong*)(fp + ip[1]) = (ulong)BitOperations.TrailingZeroCount(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I64Popcnt:
                {
                    ulong a = *(ulong*)(fp + ip[2]);
                    *(ulong*)(fp + ip[1]) = (ulong)BitOperations.PopCount(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I64Add:
                {
                    long a = *(long*)(fp + ip[2]); long b = *(long*)(fp + ip[3]);
                    *(long*)(fp + ip[1]) = a + b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64Sub:
                {
                    long a = *(long*)(fp + ip[2]); long b = *(long*)(fp + ip[3]);
                    *(long*)(fp + ip[1]) = a - b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64Mul:
                {
                    long a = *(long*)(fp + ip[2]); long b = *(long*)(fp + ip[3]);
                    *(long*)(fp + ip[1]) = a * b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64DivS:
                {
                    long a = *(long*)(fp + ip[2]); long b = *(long*)(fp + ip[3]);
                    *(long*)(fp + ip[1]) = WasmMath.I64DivS(a, b);
                    ip += 4;
                    continue;
                }
                case InterpOp.I64DivU:
                {
                    ulong a = *(ulong*)(fp + ip[2]); ulong b = *(ulong*)(fp + ip[3]);
                    *(ulong*)(fp + ip[1]) = WasmMath.I64DivU(a, b);
                    ip += 4;
                    continue;
                }
                case InterpOp.I64RemS:
                {
                    long a = *(long*)(fp + ip[2]); long b = *(long*)(fp + ip[3]);
                    *(long*)(fp + ip[1]) = WasmMath.I64RemS(a, b);
                    ip += 4;
                    continue;
                }
                case InterpOp.I64RemU:
                {
                    ulong a = *(ulong*)(fp + ip[2]); ulong b = *(ulong*)(fp + ip[3]);
                    *(ulong*)(fp + ip[1]) = WasmMath.I64RemU(a, b);
                    ip += 4;
                    continue;
                }
                case InterpOp.I64And:
                {
                    long a = *(long*)(fp + ip[2]); long b = *(long*)(fp + ip[3]);
                    *(long*)(fp + ip[1]) = a & b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64Or:
                {
                    long a = *(long*)(fp + ip[2]); long b = *(long*)(fp + ip[3]);
                    *(long*)(fp + ip[1]) = a | b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64Xor:
                {
                    long a = *(long*)(fp + ip[2]); long b = *(long*)(fp + ip[3]);
                    *(long*)(fp + ip[1]) = a ^ b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64Shl:
                {
                    long a = *(long*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(long*)(fp + ip[1]) = a << b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64ShrS:
                {
                    long a = *(long*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(long*)(fp + ip[1]) = a >> b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64ShrU:
                {
                    ulong a = *(ulong*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(ulong*)(fp + ip[1]) = a >> b;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64Rotl:
                {
                    ulong a = *(ulong*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(ulong*)(fp + ip[1]) = BitOperations.RotateLeft(a, b);
                    ip += 4;
                    continue;
                }
                case InterpOp.I64Rotr:
                {
                    ulong a = *(ulong*)(fp + ip[2]); int b = *(int*)(fp + ip[3]);
                    *(ulong*)(fp + ip[1]) = BitOperations.RotateRight(a, b);
                    ip += 4;
                    continue;
                }
                case InterpOp.F32Abs:
                {
                    uint a = *(uint*)(fp + ip[2]);
                    *(uint*)(fp + ip[1]) = a & 0x7FFF_FFFFu;
                    ip += 3;
                    continue;
                }
                case InterpOp.F32Neg:
                {
                    uint a = *(uint*)(fp + ip[2]);
                    *(uint*)(fp + ip[1]) = a ^ 0x8000_0000u;
                    ip += 3;
                    continue;
                }
                case InterpOp.F32Ceil:
                {
                    float a = *(float*)(fp + ip[2]);
                    *(float*)(fp + ip[1]) = WasmMath.F32Ceil(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.F32Floor:
                {
                    float a = *(float*)(fp + ip[2]);
                    *(float*)(fp + ip[1]) = WasmMath.F32Floor(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.F32Trunc:
                {
                    float a = *(float*)(fp + ip[2]);
                    *(float*)(fp + ip[1]) = WasmMath.F32Trunc(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.F32Nearest:
                {
                    float a = *(float*)(fp + ip[2]);
                    *(float*)(fp + ip[1]) = WasmMath.F32Nearest(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.F32Sqrt:
                {
                    float a = *(float*)(fp + ip[2]);
                    *(float*)(fp + ip[1]) = MathF.Sqrt(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.F32Add:
                {
                    float a = *(float*)(fp + ip[2]); float b = *(float*)(fp + ip[3]);
                    *(float*)(fp + ip[1]) = a + b;
                    ip += 4;
                    continue;
                }
                case InterpOp.F32Sub:
                {
                    float a = *(float*)(fp + ip[2]); float b = *(float*)(fp + ip[3]);
                    *(float*)(fp + ip[1]) = a - b;
                    ip += 4;
                    continue;
                }
                case InterpOp.F32Mul:
                {
                    float a = *(float*)(fp + ip[2]); float b = *(float*)(fp + ip[3]);
                    *(float*)(fp + ip[1]) = a * b;
                    ip += 4;
                    continue;
                }
                case InterpOp.F32Div:
                {
                    float a = *(float*)(fp + ip[2]); float b = *(float*)(fp + ip[3]);
                    *(float*)(fp + ip[1]) = a / b;
                    ip += 4;
                    continue;
                }
                case InterpOp.F32Min:
                {
                    float a = *(float*)(fp + ip[2]); float b = *(float*)(fp + ip[3]);
                    *(float*)(fp + ip[1]) = WasmMath.F32Min(a, b);
                    ip += 4;
                    continue;
                }
                case InterpOp.F32Max:
                {
                    float a = *(float*)(fp + ip[2]); float b = *(float*)(fp + ip[3]);
                    *(float*)(fp + ip[1]) = WasmMath.F32Max(a, b);
                    ip += 4;
                    continue;
                }
                case InterpOp.F32Copysign:
                {
                    uint a = *(uint*)(fp + ip[2]); uint b = *(uint*)(fp + ip[3]);
                    *(uint*)(fp + ip[1]) = (a & 0x7FFF_FFFFu) | (b & 0x8000_0000u);
                    ip += 4;
                    continue;
                }
                case InterpOp.F64Abs:
                {
                    ulong a = *(ulong*)(fp + ip[2]);
                    *(ulong*)(fp + ip[1]) = a & 0x7FFF_FFFF_FFFF_FFFFul;
                    ip += 3;
                    continue;
                }
                case InterpOp.F64Neg:
                {
                    ulong a = *(ulong*)(fp + ip[2]);
                    *(ulong*)(fp + ip[1]) = a ^ 0x8000_0000_0000_0000ul;
                    ip += 3;
                    continue;
                }
                case InterpOp.F64Ceil:
                {
                    double a = *(double*)(fp + ip[2]);
                    *(double*)(fp + ip[1]) = WasmMath.F64Ceil(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.F64Floor:
                {
                    double a = *(double*)(fp + ip[2]);
                    *(double*)(fp + ip[1]) = WasmMath.F64Floor(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.F64Trunc:
                {
                    double a = *(double*)(fp + ip[2]);
                    *(double*)(fp + ip[1]) = WasmMath.F64Trunc(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.F64Nearest:
                {
                    double a = *(double*)(fp + ip[2]);
                    *(double*)(fp + ip[1]) = WasmMath.F64Nearest(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.F64Sqrt:
                {
                    double a = *(double*)(fp + ip[2]);
                    *(double*)(fp + ip[1]) = Math.Sqrt(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.F64Add:
                {
                    double a = *(double*)(fp + ip[2]); double b = *(double*)(fp + ip[3]);
                    *(double*)(fp + ip[1]) = a + b;
                    ip += 4;
                    continue;
                }
                case InterpOp.F64Sub:
                {
                    double a = *(double*)(fp + ip[2]); double b = *(double*)(fp + ip[3]);
                    *(double*)(fp + ip[1]) = a - b;
                    ip += 4;
                    continue;
                }
                case InterpOp.F64Mul:
                {
                    double a = *(double*)(fp + ip[2]); double b = *(double*)(fp + ip[3]);
                    *(double*)(fp + ip[1]) = a * b;
                    ip += 4;
                    continue;
                }
                case InterpOp.F64Div:
                {
                    double a = *(double*)(fp + ip[2]); double b = *(double*)(fp + ip[3]);
                    *(double*)(fp + ip[1]) = a / b;
                    ip += 4;
                    continue;
                }
                case InterpOp.F64Min:
                {
                    double a = *(double*)(fp + ip[2]); double b = *(double*)(fp + ip[3]);
                    *(double*)(fp + ip[1]) = WasmMath.F64Min(a, b);
                    ip += 4;
                    continue;
                }
                case InterpOp.F64Max:
                {
                    double a = *(double*)(fp + ip[2]); double b = *(double*)(fp + ip[3]);
                    *(double*)(fp + ip[1]) = WasmMath.F64Max(a, b);
                    ip += 4;
                    continue;
                }
                case InterpOp.F64Copysign:
                {
                    ulong a = *(ulong*)(fp + ip[2]); ulong b = *(ulong*)(fp + ip[3]);
                    *(ulong*)(fp + ip[1]) = (a & 0x7FFF_FFFF_FFFF_FFFFul) | (b & 0x8000_0000_0000_0000ul);
                    ip += 4;
                    continue;
                }
                case InterpOp.I32TruncF32S:
                {
                    float a = *(float*)(fp + ip[2]);
                    *(int*)(fp + ip[1]) = WasmMath.I32TruncF32S(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I32TruncF32U:
                {
                    float a = *(float*)(fp + ip[2]);
                    *(uint*)(fp + ip[1]) = WasmMath.I32TruncF32U(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I32TruncF64S:
                {
                    double a = *(double*)(fp + ip[2]);
                    *(int*)(fp + ip[1]) = WasmMath.I32TruncF64S(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I32TruncF64U:
                {
                    double a = *(double*)(fp + ip[2]);
                    *(uint*)(fp + ip[1]) = WasmMath.I32TruncF64U(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I64ExtendI32S:
                {
                    int a = *(int*)(fp + ip[2]);
                    *(long*)(fp + ip[1]) = (long)a;
                    ip += 3;
                    continue;
                }
                case InterpOp.I64ExtendI32U:
                {
                    uint a = *(uint*)(fp + ip[2]);
                    *(ulong*)(fp + ip[1]) = (ulong)a;
                    ip += 3;
                    continue;
                }
                case InterpOp.I64TruncF32S:
                {
                    float a = *(float*)(fp + ip[2]);
                    *(long*)(fp + ip[1]) = WasmMath.I64TruncF32S(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I64TruncF32U:
                {
                    float a = *(float*)(fp + ip[2]);
                    *(ulong*)(fp + ip[1]) = WasmMath.I64TruncF32U(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I64TruncF64S:
                {
                    double a = *(double*)(fp + ip[2]);
                    *(long*)(fp + ip[1]) = WasmMath.I64TruncF64S(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I64TruncF64U:
                {
                    double a = *(double*)(fp + ip[2]);
                    *(ulong*)(fp + ip[1]) = WasmMath.I64TruncF64U(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.F32ConvertI32S:
                {
                    int a = *(int*)(fp + ip[2]);
                    *(float*)(fp + ip[1]) = (float)a;
                    ip += 3;
                    continue;
                }
                case InterpOp.F32ConvertI32U:
                {
                    uint a = *(uint*)(fp + ip[2]);
                    *(float*)(fp + ip[1]) = (float)a;
                    ip += 3;
                    continue;
                }
                case InterpOp.F32ConvertI64S:
                {
                    long a = *(long*)(fp + ip[2]);
                    *(float*)(fp + ip[1]) = (float)a;
                    ip += 3;
                    continue;
                }
                case InterpOp.F32ConvertI64U:
                {
                    ulong a = *(ulong*)(fp + ip[2]);
                    *(float*)(fp + ip[1]) = WasmMath.F32ConvertU64(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.F32DemoteF64:
                {
                    double a = *(double*)(fp + ip[2]);
                    *(float*)(fp + ip[1]) = (float)a;
                    ip += 3;
                    continue;
                }
                case InterpOp.F64ConvertI32S:
                {
                    int a = *(int*)(fp + ip[2]);
                    *(double*)(fp + ip[1]) = (double)a;
                    ip += 3;
                    continue;
                }
                case InterpOp.F64ConvertI32U:
                {
                    uint a = *(uint*)(fp + ip[2]);
                    *(double*)(fp + ip[1]) = (double)a;
                    ip += 3;
                    continue;
                }
                case InterpOp.F64ConvertI64S:
                {
                    long a = *(long*)(fp + ip[2]);
                    *(double*)(fp + ip[1]) = (double)a;
                    ip += 3;
                    continue;
                }
                case InterpOp.F64ConvertI64U:
                {
                    ulong a = *(ulong*)(fp + ip[2]);
                    *(double*)(fp + ip[1]) = WasmMath.F64ConvertU64(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.F64PromoteF32:
                {
                    float a = *(float*)(fp + ip[2]);
                    *(double*)(fp + ip[1]) = (double)a;
                    ip += 3;
                    continue;
                }
                case InterpOp.I32Extend8S:
                {
                    int a = *(int*)(fp + ip[2]);
                    *(int*)(fp + ip[1]) = (int)(sbyte)a;
                    ip += 3;
                    continue;
                }
                case InterpOp.I32Extend16S:
                {
                    int a = *(int*)(fp + ip[2]);
                    *(int*)(fp + ip[1]) = (int)(short)a;
                    ip += 3;
                    continue;
                }
                case InterpOp.I64Extend8S:
                {
                    long a = *(long*)(fp + ip[2]);
                    *(long*)(fp + ip[1]) = (long)(sbyte)a;
                    ip += 3;
                    continue;
                }
                case InterpOp.I64Extend16S:
                {
                    long a = *(long*)(fp + ip[2]);
                    *(long*)(fp + ip[1]) = (long)(short)a;
                    ip += 3;
                    continue;
                }
                case InterpOp.I64Extend32S:
                {
                    long a = *(long*)(fp + ip[2]);
                    *(long*)(fp + ip[1]) = (long)(int)a;
                    ip += 3;
                    continue;
                }
                case InterpOp.I32TruncSatF32S:
                {
                    float a = *(float*)(fp + ip[2]);
                    *(int*)(fp + ip[1]) = WasmMath.I32TruncSatF32S(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I32TruncSatF32U:
                {
                    float a = *(float*)(fp + ip[2]);
                    *(uint*)(fp + ip[1]) = WasmMath.I32TruncSatF32U(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I32TruncSatF64S:
                {
                    double a = *(double*)(fp + ip[2]);
                    *(int*)(fp + ip[1]) = WasmMath.I32TruncSatF64S(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I32TruncSatF64U:
                {
                    double a = *(double*)(fp + ip[2]);
                    *(uint*)(fp + ip[1]) = WasmMath.I32TruncSatF64U(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I64TruncSatF32S:
                {
                    float a = *(float*)(fp + ip[2]);
                    *(long*)(fp + ip[1]) = WasmMath.I64TruncSatF32S(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I64TruncSatF32U:
                {
                    float a = *(float*)(fp + ip[2]);
                    *(ulong*)(fp + ip[1]) = WasmMath.I64TruncSatF32U(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I64TruncSatF64S:
                {
                    double a = *(double*)(fp + ip[2]);
                    *(long*)(fp + ip[1]) = WasmMath.I64TruncSatF64S(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I64TruncSatF64U:
                {
                    double a = *(double*)(fp + ip[2]);
                    *(ulong*)(fp + ip[1]) = WasmMath.I64TruncSatF64U(a);
                    ip += 3;
                    continue;
                }
                case InterpOp.I32AddImm:
                {
                    int a = *(int*)(fp + ip[2]);
                    int imm = (int)ip[3];
                    *(int*)(fp + ip[1]) = a + imm;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32SubImm:
                {
                    int a = *(int*)(fp + ip[2]);
                    int imm = (int)ip[3];
                    *(int*)(fp + ip[1]) = a - imm;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32MulImm:
                {
                    int a = *(int*)(fp + ip[2]);
                    int imm = (int)ip[3];
                    *(int*)(fp + ip[1]) = a * imm;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32AndImm:
                {
                    int a = *(int*)(fp + ip[2]);
                    int imm = (int)ip[3];
                    *(int*)(fp + ip[1]) = a & imm;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32OrImm:
                {
                    int a = *(int*)(fp + ip[2]);
                    int imm = (int)ip[3];
                    *(int*)(fp + ip[1]) = a | imm;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32XorImm:
                {
                    int a = *(int*)(fp + ip[2]);
                    int imm = (int)ip[3];
                    *(int*)(fp + ip[1]) = a ^ imm;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32ShlImm:
                {
                    int a = *(int*)(fp + ip[2]);
                    int imm = (int)ip[3];
                    *(int*)(fp + ip[1]) = a << imm;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32ShrSImm:
                {
                    int a = *(int*)(fp + ip[2]);
                    int imm = (int)ip[3];
                    *(int*)(fp + ip[1]) = a >> imm;
                    ip += 4;
                    continue;
                }
                case InterpOp.I32ShrUImm:
                {
                    uint a = *(uint*)(fp + ip[2]);
                    int imm = ip[3];
                    *(uint*)(fp + ip[1]) = a >> imm;
                    ip += 4;
                    continue;
                }
                case InterpOp.I64AddImm:
                    *(long*)(fp + ip[1]) = *(long*)(fp + ip[2]) + ip[3];
                    ip += 4;
                    continue;
                case InterpOp.I32EqImm:
                    *(int*)(fp + ip[1]) = *(int*)(fp + ip[2]) == (int)ip[3] ? 1 : 0;
                    ip += 4;
                    continue;
                case InterpOp.I32NeImm:
                    *(int*)(fp + ip[1]) = *(int*)(fp + ip[2]) != (int)ip[3] ? 1 : 0;
                    ip += 4;
                    continue;
                case InterpOp.I32LtSImm:
                    *(int*)(fp + ip[1]) = *(int*)(fp + ip[2]) < (int)ip[3] ? 1 : 0;
                    ip += 4;
                    continue;
                case InterpOp.I32LtUImm:
                    *(int*)(fp + ip[1]) = *(uint*)(fp + ip[2]) < (uint)ip[3] ? 1 : 0;
                    ip += 4;
                    continue;
                case InterpOp.I32GtSImm:
                    *(int*)(fp + ip[1]) = *(int*)(fp + ip[2]) > (int)ip[3] ? 1 : 0;
                    ip += 4;
                    continue;
                case InterpOp.I32GtUImm:
                    *(int*)(fp + ip[1]) = *(uint*)(fp + ip[2]) > (uint)ip[3] ? 1 : 0;
                    ip += 4;
                    continue;
                case InterpOp.I32LeSImm:
                    *(int*)(fp + ip[1]) = *(int*)(fp + ip[2]) <= (int)ip[3] ? 1 : 0;
                    ip += 4;
                    continue;
                case InterpOp.I32LeUImm:
                    *(int*)(fp + ip[1]) = *(uint*)(fp + ip[2]) <= (uint)ip[3] ? 1 : 0;
                    ip += 4;
                    continue;
                case InterpOp.I32GeSImm:
                    *(int*)(fp + ip[1]) = *(int*)(fp + ip[2]) >= (int)ip[3] ? 1 : 0;
                    ip += 4;
                    continue;
                case InterpOp.I32GeUImm:
                    *(int*)(fp + ip[1]) = *(uint*)(fp + ip[2]) >= (uint)ip[3] ? 1 : 0;
                    ip += 4;
                    continue;
                case InterpOp.BrIfI32Eq:
                    ip = *(int*)(fp + ip[1]) == *(int*)(fp + ip[2]) ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32Ne:
                    ip = *(int*)(fp + ip[1]) != *(int*)(fp + ip[2]) ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32LtS:
                    ip = *(int*)(fp + ip[1]) < *(int*)(fp + ip[2]) ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32LtU:
                    ip = *(uint*)(fp + ip[1]) < *(uint*)(fp + ip[2]) ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32GtS:
                    ip = *(int*)(fp + ip[1]) > *(int*)(fp + ip[2]) ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32GtU:
                    ip = *(uint*)(fp + ip[1]) > *(uint*)(fp + ip[2]) ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32LeS:
                    ip = *(int*)(fp + ip[1]) <= *(int*)(fp + ip[2]) ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32LeU:
                    ip = *(uint*)(fp + ip[1]) <= *(uint*)(fp + ip[2]) ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32GeS:
                    ip = *(int*)(fp + ip[1]) >= *(int*)(fp + ip[2]) ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32GeU:
                    ip = *(uint*)(fp + ip[1]) >= *(uint*)(fp + ip[2]) ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32EqImm:
                    ip = *(int*)(fp + ip[1]) == (int)ip[2] ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32NeImm:
                    ip = *(int*)(fp + ip[1]) != (int)ip[2] ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32LtSImm:
                    ip = *(int*)(fp + ip[1]) < (int)ip[2] ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32LtUImm:
                    ip = *(uint*)(fp + ip[1]) < (uint)ip[2] ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32GtSImm:
                    ip = *(int*)(fp + ip[1]) > (int)ip[2] ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32GtUImm:
                    ip = *(uint*)(fp + ip[1]) > (uint)ip[2] ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32LeSImm:
                    ip = *(int*)(fp + ip[1]) <= (int)ip[2] ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32LeUImm:
                    ip = *(uint*)(fp + ip[1]) <= (uint)ip[2] ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32GeSImm:
                    ip = *(int*)(fp + ip[1]) >= (int)ip[2] ? fn.Code + ip[3] : ip + 4;
                    continue;
                case InterpOp.BrIfI32GeUImm:
                    ip = *(uint*)(fp + ip[1]) >= (uint)ip[2] ? fn.Code + ip[3] : ip + 4;
                    continue;

                default:
                    // v128 moves and the SIMD instructions run outside this switch, so the scalar
                    // instructions' code is laid out as if they did not exist.
                    if ((uint)(ip[0] - (int)InterpOp.V128Copy) < (uint)(InterpOp.Simd - InterpOp.V128Copy) + 256)
                    {
                        ip = ExecuteSimd(ip, fp, mem, memLen, inst.GlobalCells);
                        continue;
                    }
                    throw new InternalErrorException($"bad interpreter opcode {ip[0]} in {fn.Name}");
            }

        call:
            {
                InterpretedFunction? code = callee.Code;
                if (code is null)
                {
                    // Host function: it may re-enter Wasm above this frame, and may grow memory.
                    stack.Top = fp + fn.FrameSize;
                    CallHost(callee, store, inst, nfp);
                    // A nested entry may have reallocated the frame array.
                    frames = stack.Frames;
                    memLen = inst.MemoryDefinition == null ? 0 : inst.MemoryDefinition->Length;
                    continue;
                }
                if (context->Interrupt != 0 | --context->Fuel < 0)
                {
                    CheckInterrupt(context);
                }
                frames[depth].ReturnIp = ip;
                fn = code;
                fp = nfp;
                PushFrame(stack, ref frames, ref depth, callee, fn, fp);
                ip = fn.Code;
                if (callee.Instance != inst)
                {
                    inst = callee.Instance!;
                    mem = inst.MemoryBase;
                    memLen = inst.MemoryDefinition == null ? 0 : inst.MemoryDefinition->Length;
                }
            }
        }
    }

    /// <summary>Activates <paramref name="fn"/> at <paramref name="fp"/>: checks the limits, records the frame, zeroes the locals.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PushFrame(InterpreterStack stack, ref Frame[] frames, ref int depth, Func callee, InterpretedFunction fn, ulong* fp)
    {
        int next = depth + 1;
        if (next >= frames.Length)
        {
            if (!stack.EnsureFrame(next))
            {
                WasmMath.Trap(TrapCode.CallStackExhausted);
            }
            // The frame array was reallocated (a host call may also have grown it).
            frames = stack.Frames;
        }
        if (fn.FrameSize > stack.End - fp)
        {
            WasmMath.Trap(TrapCode.CallStackExhausted);
        }
        ref Frame frame = ref frames[next];
        frame.CalleeId = callee.Id;
        frame.Fp = fp;
        depth = next;
        stack.Depth = next;
        // Spec 4.4.10: declared locals start at zero.
        int declared = fn.LocalSlots - fn.ParamSlots;
        if (declared != 0)
        {
            Unsafe.InitBlockUnaligned(fp + fn.ParamSlots, 0, (uint)(declared * sizeof(ulong)));
        }
    }
}
