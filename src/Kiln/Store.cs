using System.Runtime.InteropServices;
using Kiln.Interpreter;
using Kiln.Vm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln;

/// <summary>
/// Owns everything instances create: functions, memories, tables, globals, their native memory,
/// and the execution stack. A store is used by one thread at a time (like a Wasmtime store);
/// <see cref="Interrupt"/> is the one member another thread may call. Dispose it to release the
/// native memory at once; a finalizer releases it otherwise.
/// </summary>
public sealed unsafe partial class Store : IDisposable
{
    private Func[] _functions = new Func[64];
    private int _functionCount;
    private readonly List<object> _externRefs = [];
    private readonly Dictionary<object, int> _externRefHandles = new(ReferenceEqualityComparer.Instance);
    private readonly List<nint> _nativeBlocks = [];
    private readonly List<IDisposable> _owned = [];
    private readonly List<GCHandle> _handles = [];
    private VmStoreContext* _context;
    private bool _disposed;

    public Store(Engine engine, StoreLimits? limits = null)
    {
        Engine = engine;
        Limits = limits ?? engine.Options.Limits;
        if (Limits.MaxCallDepth < 1 || Limits.ValueStackSlots < 1024)
        {
            throw new ArgumentException("MaxCallDepth must be positive and ValueStackSlots at least 1024", nameof(limits));
        }
        _context = (VmStoreContext*)NativeMemory.AllocZeroed((nuint)sizeof(VmStoreContext));
        _context->Fuel = long.MaxValue;
        Stack = new InterpreterStack(Limits.ValueStackSlots, Limits.MaxCallDepth);
        engine.OsrSampler?.Register(_context);
    }

    ~Store()
    {
        ReleaseNative();
    }

    public Engine Engine { get; }

    public StoreLimits Limits { get; }

    internal VmStoreContext* Context => _context;

    internal InterpreterStack Stack { get; }

    /// <summary>
    /// Asks running Wasm code to stop: it traps with <see cref="TrapCode.Interrupted"/> at the next
    /// loop back edge or call (if nothing is running, the next call traps). Safe to call from any
    /// thread; the flag clears when the trap is raised.
    /// </summary>
    public void Interrupt()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfNotInterruptible();
        Volatile.Write(ref _context->Interrupt, 1);
    }

    /// <summary>
    /// Interrupts running code when <paramref name="token"/> is cancelled (for timeouts and
    /// cooperative cancellation). Dispose the registration when the call is over.
    /// </summary>
    public CancellationTokenRegistration InterruptOn(CancellationToken token)
    {
        ThrowIfDisposed();
        ThrowIfNotInterruptible();
        return token.Register(static s => ((Store)s!).InterruptIfAlive(), this);
    }

    // An interrupt that compiled code would never see must not look accepted.
    private void ThrowIfNotInterruptible()
    {
        if (!Engine.Options.InterruptChecks)
        {
            throw new InvalidOperationException("interrupts are off: the engine was created with EngineOptions.InterruptChecks = false");
        }
    }

    private void InterruptIfAlive()
    {
        if (!_disposed)
        {
            Volatile.Write(ref _context->Interrupt, 1);
        }
    }

    /// <summary>Sets the remaining fuel (requires <see cref="EngineOptions.ConsumeFuel"/>).</summary>
    public void SetFuel(long fuel)
    {
        if (!Engine.Options.ConsumeFuel)
        {
            throw new InvalidOperationException("fuel is not enabled: create the engine with EngineOptions.ConsumeFuel");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(fuel);
        _context->Fuel = fuel;
    }

    /// <summary>The remaining fuel (requires <see cref="EngineOptions.ConsumeFuel"/>).</summary>
    public long GetFuel()
    {
        if (!Engine.Options.ConsumeFuel)
        {
            throw new InvalidOperationException("fuel is not enabled: create the engine with EngineOptions.ConsumeFuel");
        }
        return Math.Max(0, _context->Fuel);
    }

    /// <summary>Releases all native memory of the store's instances; every handle into the store becomes unusable.</summary>
    /// <exception cref="InvalidOperationException">Wasm code of this store is running (for example, a host function called Dispose).</exception>
    public void Dispose()
    {
        // SECURITY: freeing the memories and the value stack under running code would be a use after free.
        // Compiled code is running while an entry trampoline's stack pointer is recorded.
        if (!_disposed && (Stack.Depth > 0 || _context->EntryStackPointer != 0))
        {
            throw new InvalidOperationException("cannot dispose a store while its Wasm code is running");
        }
        ReleaseNative();
        GC.SuppressFinalize(this);
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    // The managed thread running this store's Wasm code (0 when none) and how deeply it has entered (host functions
    // that call back in nest). Plain reads and writes: a call from another thread while code runs is refused; two
    // threads entering an idle store at the same instant are not caught (an atomic claim would add a third to the
    // cost of a call into Wasm).
    private int _runningThread;
    private int _runningDepth;

    /// <summary>Marks this thread as running the store's code; refuses a second thread while the first is inside.</summary>
    internal void EnterThread()
    {
        int me = Environment.CurrentManagedThreadId;
        int owner = _runningThread;
        if (owner != me)
        {
            if (owner != 0)
            {
                throw new InvalidOperationException(
                    $"the store is running Wasm code on another thread (managed thread {owner}): a store runs on one thread at a time");
            }
            _runningThread = me;
        }
        _runningDepth++;
    }

    internal void LeaveThread()
    {
        if (--_runningDepth == 0)
        {
            Volatile.Write(ref _runningThread, 0);
        }
    }

    /// <summary>Registers a function; its id is what funcref values carry back to the managed object.</summary>
    internal int AddFunction(Func func)
    {
        if (_functionCount == _functions.Length)
        {
            Array.Resize(ref _functions, _functions.Length * 2);
        }
        _functions[_functionCount] = func;
        return _functionCount++;
    }

    internal Func GetFunction(int id) => _functions[id];

    /// <summary>Every function by id (valid below the count); the interpreter indexes it on returns.</summary>
    internal Func[] Functions => _functions;

    /// <summary>Zeroed native memory that lives as long as the store.</summary>
    internal void* AllocateNative(int bytes)
    {
        void* p = NativeMemory.AllocZeroed((nuint)Math.Max(bytes, 8));
        _nativeBlocks.Add((nint)p);
        return p;
    }

    internal void Own(IDisposable resource) => _owned.Add(resource);

    /// <summary>A weak GC handle to <paramref name="target"/> for native structures (weak, so it never keeps the store alive).</summary>
    internal nint AllocateWeakHandle(object target)
    {
        GCHandle handle = GCHandle.Alloc(target, GCHandleType.Weak);
        _handles.Add(handle);
        return GCHandle.ToIntPtr(handle);
    }

    /// <summary>Interns an externref object as a nonzero handle (0 is null).</summary>
    internal ulong ExternRefToSlot(object? value)
    {
        if (value is null)
        {
            return 0;
        }
        if (!_externRefHandles.TryGetValue(value, out int handle))
        {
            _externRefs.Add(value);
            handle = _externRefs.Count;
            _externRefHandles.Add(value, handle);
        }
        return (ulong)handle;
    }

    internal object? ExternRefFromSlot(ulong slot) => slot == 0 ? null : _externRefs[(int)slot - 1];

    internal ulong FuncRefToSlot(Func? func)
    {
        if (func is null)
        {
            return 0;
        }
        if (func.Store != this)
        {
            throw new ArgumentException("the function belongs to a different store");
        }
        return (ulong)(nint)func.FuncRef;
    }

    internal Func? FuncRefFromSlot(ulong slot) => slot == 0 ? null : _functions[((VmFuncRef*)(nint)slot)->FuncId];

    /// <summary>
    /// The bits of a one-slot value (numbers: raw bits; references: handles). A v128 takes two
    /// slots (<see cref="SlotLayout"/>): use <see cref="WriteSlots"/> for it.
    /// </summary>
    internal ulong ToSlot(in Value value) => value.Type switch
    {
        ValType.FuncRef => FuncRefToSlot(value.AsFuncRef()),
        ValType.ExternRef => ExternRefToSlot(value.AsExternRef()),
        ValType.V128 => throw new InternalErrorException("a v128 value takes two slots"),
        _ => value.Bits,
    };

    /// <summary>A one-slot value of <paramref name="type"/> (not v128: see <see cref="ReadSlots"/>).</summary>
    internal Value FromSlot(ValType type, ulong slot) => type switch
    {
        ValType.FuncRef => Value.FromFuncRef(FuncRefFromSlot(slot)),
        ValType.ExternRef => Value.FromExternRef(ExternRefFromSlot(slot)),
        ValType.V128 => throw new InternalErrorException("a v128 value takes two slots"),
        _ => Value.FromBits(type, slot),
    };

    /// <summary>Writes <paramref name="value"/> to <paramref name="slots"/> and returns the slot count (<see cref="SlotLayout"/>).</summary>
    internal int WriteSlots(in Value value, ulong* slots)
    {
        if (value.Type == ValType.V128)
        {
            V128 v = value.AsV128();
            slots[0] = v.Low;
            slots[1] = v.High;
            return SlotLayout.V128Slots;
        }
        *slots = ToSlot(value);
        return 1;
    }

    /// <summary>Reads a value of <paramref name="type"/> from <paramref name="slots"/> (<see cref="SlotLayout"/>).</summary>
    internal Value ReadSlots(ValType type, ulong* slots) =>
        type == ValType.V128 ? Value.FromV128(new V128(slots[0], slots[1])) : FromSlot(type, *slots);

    private void ReleaseNative()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        WaitForInstalls();
        foreach (IDisposable d in _owned)
        {
            d.Dispose();
        }
        foreach (nint p in _nativeBlocks)
        {
            NativeMemory.Free((void*)p);
        }
        _nativeBlocks.Clear();
        foreach (GCHandle h in _handles)
        {
            h.Free();
        }
        _handles.Clear();
        Stack.Dispose();
        // The OSR sampler writes into the context: it lets go of it first.
        Engine.OsrSampler?.Unregister(_context);
        NativeMemory.Free(_context);
        _context = null;
    }
}
