using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Kiln.Interpreter;
using Kiln.Vm;

namespace Kiln.Compiled;

/// <summary>
/// The managed side of compiled code: entering it from C# through a signature's trampoline (a
/// plain <c>delegate* unmanaged</c> call with the GC transition, since Wasm may run long or call
/// back into C#), turning a trap exit into a <see cref="TrapException"/>, and the
/// [UnmanagedCallersOnly] entries compiled code calls for managed functions and lazy compilation.
/// </summary>
internal static unsafe class CompiledRuntime
{
    public static readonly nint ManagedCallAddress = (nint)(delegate* unmanaged<VmFuncRef*, ulong*, nint, nint>)&ManagedCall;
    public static readonly nint RecordTrapFramesAddress = (nint)(delegate* unmanaged<nint, void>)&RecordTrapFrames;

    /// <summary>Most compiled frames a backtrace lists (a stack-exhaustion trap may have a million).</summary>
    private const int MaxBacktraceFrames = 10_000;
    public static readonly nint LazyCompileAddress = (nint)(delegate* unmanaged<byte*, int, nint>)&LazyCompile;
    public static readonly nint TierUpAddress = (nint)(delegate* unmanaged<byte*, int, void>)&TierUp;
    public static readonly nint OsrEnterAddress = (nint)(delegate* unmanaged<byte*, int, int, nint>)&OsrEnter;

    /// <summary>Room left below the stack limit for helpers and managed callbacks (which re-check with TryEnsureSufficientExecutionStack).</summary>
    private const long ReservedStackBytes = 256 * 1024;

    /// <summary>The store whose Wasm code runs on this thread (a store runs on one thread at a time).</summary>
    [ThreadStatic]
    private static Store? t_store;

    [ThreadStatic]
    private static nint t_stackLimit;

    /// <summary>Calls compiled function <paramref name="func"/>: arguments in <paramref name="slots"/>, replaced by the results.</summary>
    public static void Invoke(Func func, ulong* slots)
    {
        Store store = func.Store;
        VmStoreContext* context = store.Context;
        Instance instance = func.Instance!;
        if (context->EntryStackPointer == 0)
        {
            // Outermost entry on this thread: compiled code may use the native stack down to here.
            context->StackLimit = ThreadStackLimit();
        }
        else if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new TrapException(TrapCode.CallStackExhausted);
        }
        Store? saved = t_store;
        t_store = store;
        int status;
        // Before the code pointer is read: retired code is freed only when no thread entered before its retirement.
        Tiering.RetiredCode? retired = store.Engine.RetiredCode;
        retired?.Epochs.Enter();
        try
        {
            var trampoline = (delegate* unmanaged<byte*, nint, ulong*, int>)func.Trampoline;
            status = trampoline(instance.Vmctx, func.FuncRef->Code, slots);
        }
        finally
        {
            t_store = saved;
            if (retired is not null && retired.Epochs.Exit() is long entered and not 0)
            {
                AfterOutermostExit(store.Engine, retired, entered);
            }
        }
        if (status != 0)
        {
            ThrowTrap(store);
        }
    }

    /// <summary>
    /// The thread left Wasm: frees retired code it may have been holding, and re-tiers speculated sites that kept
    /// failing (both a load and a compare when there is nothing to do).
    /// </summary>
    private static void AfterOutermostExit(Engine engine, Tiering.RetiredCode retired, long entered)
    {
        if (retired.MayFreeAfterExit(entered))
        {
            retired.Reclaim();
        }
        if (engine.TieringStatistics is { SpeculatedSites: > 0 })
        {
            engine.CheckGuardFailures();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTrap(Store store)
    {
        VmStoreContext* context = store.Context;
        if (store.PendingException is { } pending)
        {
            store.PendingException = null;
            context->PendingException = 0;
            pending.Throw();
        }
        var code = (TrapCode)context->TrapCode;
        if (code == TrapCode.Interrupted)
        {
            context->Interrupt = 0;
        }
        else if (code == TrapCode.OutOfFuel)
        {
            context->Fuel = 0;
        }
        var trap = new TrapException(code);
        if (store.PendingFrames is { } frames)
        {
            store.PendingFrames = null;
            foreach (WasmFrame f in frames)
            {
                trap.AddFrame(f);
            }
        }
        throw trap;
    }

    /// <summary>
    /// Walks compiled frames from <paramref name="rbp"/> outwards to the innermost entry trampoline:
    /// each frame keeps its vmctx at [rbp-8] and its function index at [rbp-16] (<see cref="CompiledAbi"/>), and the
    /// caller's rbp at [rbp]. Only frames below the entry stack pointer are compiled Wasm frames.
    /// </summary>
    private static void WalkFrames(Store store, nint rbp, List<WasmFrame> frames)
    {
        nint limit = store.Context->EntryStackPointer;
        while (rbp != 0 && rbp < limit && frames.Count < MaxBacktraceFrames)
        {
            byte* vmctx = *(byte**)(rbp + CompiledAbi.SavedVmctxOffset);
            uint index = *(uint*)(rbp + CompiledAbi.FunctionIndexOffset);
            if (index == CompiledAbi.OsrReplacedFunctionIndex)
            {
                // A baseline frame whose activation continues in the OSR frame above it: listed once, as that frame.
                rbp = *(nint*)rbp;
                continue;
            }
            Module module = CompiledHelpers.InstanceOf(vmctx).Module;
            frames.Add(new WasmFrame(module.Name, index, module.Model.GetFunctionName(new Wasm.Model.FuncIndex(index))));
            rbp = *(nint*)rbp;
        }
    }

    /// <summary>Called by the trap stub before it unwinds, while the trapping frames are still on the stack.</summary>
    [UnmanagedCallersOnly]
    private static void RecordTrapFrames(nint rbp)
    {
        try
        {
            if (t_store is { } store)
            {
                var frames = new List<WasmFrame>();
                WalkFrames(store, rbp, frames);
                store.PendingFrames = frames;
            }
        }
        catch (Exception)
        {
            // A backtrace is a courtesy: the trap itself must still be reported.
        }
    }

    /// <summary>Keeps an exception thrown under compiled code until the entry rethrows it (PLATFORM-NOTES pattern).</summary>
    internal static void SetPending(Exception e)
    {
        Store? store = t_store;
        if (store is null)
        {
            return;
        }
        store.PendingException ??= ExceptionDispatchInfo.Capture(e);
        store.Context->PendingException = 1;
    }

    /// <summary>Compiled code calling a host or interpreted function: r15 held its <see cref="VmFuncRef"/>.</summary>
    [UnmanagedCallersOnly]
    private static nint ManagedCall(VmFuncRef* funcRef, ulong* args, nint callerFrame)
    {
        Store? store = t_store;
        if (store is null)
        {
            // Cannot happen: compiled code is only entered through Invoke. Unwinding needs a store.
            Environment.FailFast("Kiln: compiled code called a managed function outside an entry");
        }
        try
        {
            if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            {
                throw new TrapException(TrapCode.CallStackExhausted);
            }
            Func callee = store.GetFunction(funcRef->FuncId);
            int n = callee.CallSlots;
            InterpreterStack stack = store.Stack;
            ulong* slots = callee.EnterTyped(n);
            try
            {
                Buffer.MemoryCopy(args, slots, 8L * n, 8L * SlotLayout.SlotCount(callee.Type.Params));
                // The compiled caller's frame header holds its vmctx: a host callee sees that instance as its Caller.
                Instance? caller = callerFrame != 0 ? CompiledHelpers.InstanceOf(*(byte**)(callerFrame + CompiledAbi.SavedVmctxOffset)) : null;
                Executor.Call(callee, slots, caller);
                Buffer.MemoryCopy(slots, args, 8L * n, 8L * SlotLayout.SlotCount(callee.Type.Results));
            }
            finally
            {
                callee.LeaveTyped(slots);
            }
            return 0;
        }
        catch (Exception e)
        {
            if (e is TrapException trap)
            {
                // The compiled callers are part of the trap's backtrace, after the frames the callee added.
                var frames = new List<WasmFrame>();
                try
                {
                    WalkFrames(store, callerFrame, frames);
                }
                catch (Exception)
                {
                    frames.Clear();
                }
                foreach (WasmFrame f in frames)
                {
                    trap.AddFrame(f);
                }
            }
            SetPending(e);
            return (nint)store.Context;
        }
    }

    /// <summary>First call of a lazily compiled function: compile it, publish it to every instance of its module, return its code.</summary>
    [UnmanagedCallersOnly]
    private static nint LazyCompile(byte* vmctx, int definedIndex)
    {
        try
        {
            Instance instance = CompiledHelpers.InstanceOf(vmctx);
            ModuleCode code = instance.Module.Code ?? throw new InternalErrorException("a lazy stub ran for a module without compiled code");
            // A code-memory or diagnostics failure reaches the embedder as the API's own exception, as at module creation.
            return NativeCodeException.Translate(() => code.EnsureCompiled(definedIndex));
        }
        catch (Exception e)
        {
            SetPending(e);
            return 0;
        }
    }

    /// <summary>
    /// A function's hotness counter ran out (<see cref="Tier.Auto"/>): queue it for the optimizing tier. Never fails
    /// the running code: whatever goes wrong leaves the function on the baseline and is counted in the statistics.
    /// </summary>
    [UnmanagedCallersOnly]
    private static void TierUp(byte* vmctx, int definedIndex)
    {
        try
        {
            Instance instance = CompiledHelpers.InstanceOf(vmctx);
            instance.Module.Code?.RequestTierUp(definedIndex);
        }
        catch (Exception)
        {
            // Nothing may escape into native frames. RequestTierUp records its own failures; this one could only be
            // a vmctx without a live instance, and losing the request leaves the baseline code running.
        }
    }

    /// <summary>
    /// Baseline code took the OSR path at the header of loop <paramref name="loop"/> (<see cref="ModuleCode.OsrEnter"/>):
    /// returns the loop's OSR entry, or 0 to go on in baseline code. Never fails the running code.
    /// </summary>
    [UnmanagedCallersOnly]
    private static nint OsrEnter(byte* vmctx, int definedIndex, int loop)
    {
        try
        {
            Instance instance = CompiledHelpers.InstanceOf(vmctx);
            return instance.Module.Code?.OsrEnter(*(VmStoreContext**)(vmctx + VmOffsets.StoreContext), definedIndex, loop) ?? 0;
        }
        catch (Exception)
        {
            // Nothing may escape into native frames; without an entry the baseline code goes on, which is correct.
            return 0;
        }
    }

    private static nint ThreadStackLimit()
    {
        if (t_stackLimit == 0)
        {
            t_stackLimit = ComputeStackLimit();
        }
        return t_stackLimit;
    }

    /// <summary>
    /// The lowest address compiled code may push to on this thread: the thread's stack base (from
    /// pthread) plus a reserve for C# helpers and callbacks. Falls back to a conservative budget
    /// below the current stack pointer when the bounds cannot be read.
    /// </summary>
    private static nint ComputeStackLimit()
    {
        byte here;
        nint sp = (nint)(&here);
        if (OperatingSystem.IsLinux() && NativeStack.TryGetBounds(out nint low, out nint size) && sp > low && sp - low < size + 4096)
        {
            long reserve = Math.Max(ReservedStackBytes, size / 4);
            return (nint)(low + reserve);
        }
        return sp - (512 * 1024);
    }
}
