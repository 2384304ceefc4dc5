using System.Collections.Immutable;
using Kiln.Interpreter;
using Kiln.Vm;
using Kiln.Wasm.Model;

namespace Kiln;

/// <summary>
/// A function: defined by a Wasm instance or by the host. Call it untyped with <see cref="Invoke(ReadOnlySpan{Value}, Span{Value})"/>,
/// or get a typed handle from <see cref="Instance.GetFunction{T1, TResult}(string)"/>. Every function
/// has a native <see cref="VmFuncRef"/> record, which is what funcref values and tables hold.
/// </summary>
public sealed unsafe partial class Func : Extern
{
    private Func(Store store, FuncType type)
        : base(store)
    {
        Type = type;
        CallSlots = SlotLayout.CallAreaSlots(type);
        TypeId = store.Engine.GetSignatureId(type);
        FuncRef = (VmFuncRef*)store.AllocateNative(sizeof(VmFuncRef));
        Id = store.AddFunction(this);
        FuncRef->TypeId = TypeId;
        FuncRef->FuncId = Id;
        if (store.Engine.ManagedCallStub != 0)
        {
            // Compiled callers reach every managed function through the engine's stub, which finds
            // the function again from the funcref it gets as its "vmctx" (r15).
            FuncRef->Code = store.Engine.ManagedCallStub;
            FuncRef->Vmctx = (nint)FuncRef;
        }
    }

    public override ExternKind Kind => ExternKind.Function;

    public FuncType Type { get; }

    /// <summary>Slots of this function's argument/result area (<see cref="SlotLayout.CallAreaSlots"/>).</summary>
    internal int CallSlots { get; }

    /// <summary>Engine-wide signature id (what call_indirect compares).</summary>
    internal int TypeId { get; }

    /// <summary>Index in the store's function list, carried by <see cref="VmFuncRef.FuncId"/>.</summary>
    internal int Id { get; }

    internal VmFuncRef* FuncRef { get; }

    /// <summary>The defining instance, or null for a host function.</summary>
    internal Instance? Instance { get; private set; }

    /// <summary>The translated code of a Wasm function; null for host functions.</summary>
    internal InterpretedFunction? Code { get; private set; }

    /// <summary>The host implementation; null for Wasm functions.</summary>
    internal HostThunk? Host { get; private set; }

    /// <summary>A name for backtraces and errors.</summary>
    internal string? HostName { get; private set; }

    /// <summary>Creates a host function with an explicit type; the callback sees and returns <see cref="Value"/>s.</summary>
    public static Func FromHost(Store store, FuncType type, HostFunction callback, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return CreateHost(store, type, UntypedThunk(type, callback), name);
    }

    internal static HostThunk UntypedThunk(FuncType type, HostFunction callback) => (in Caller caller, ulong* slots) =>
    {
        ImmutableArray<ValType> ps = type.Params;
        ImmutableArray<ValType> rs = type.Results;
        var args = new Value[ps.Length];
        int at = 0;
        for (int i = 0; i < ps.Length; i++)
        {
            args[i] = caller.Store.ReadSlots(ps[i], slots + at);
            at += SlotLayout.SlotCount(ps[i]);
        }
        var results = new Value[rs.Length];
        for (int i = 0; i < rs.Length; i++)
        {
            results[i] = Value.Default(rs[i]);
        }
        callback(caller, args, results);
        for (int i = 0; i < rs.Length; i++)
        {
            if (results[i].Type != rs[i])
            {
                throw new InvalidOperationException($"host function result {i} is {results[i].Type.ToText()}, expected {rs[i].ToText()}");
            }
        }
        // Only after every result is checked: the result area overlaps the arguments.
        at = 0;
        for (int i = 0; i < rs.Length; i++)
        {
            at += caller.Store.WriteSlots(results[i], slots + at);
        }
    };

    internal static Func CreateHost(Store store, FuncType type, HostThunk thunk, string? name)
    {
        store.ThrowIfDisposed();
        return new Func(store, type) { Host = thunk, HostName = name };
    }

    internal static Func CreateWasm(Store store, FuncType type, Instance instance, InterpretedFunction code)
    {
        var f = new Func(store, type) { Instance = instance, Code = code };
        if (f.FuncRef->Code == 0)
        {
            f.FuncRef->Vmctx = (nint)instance.Vmctx;
        }
        return f;
    }

    /// <summary>
    /// A function compiled to machine code (any tier): its funcref points at the code (or its lazy stub)
    /// with the instance's vmctx, and the module rewrites it when it installs new code (<see cref="Compiled.ModuleCode"/>);
    /// managed callers enter it through its signature's trampoline.
    /// </summary>
    internal static Func CreateCompiled(Store store, FuncType type, Instance instance, nint entry, nint trampoline, string name)
    {
        var f = new Func(store, type) { Instance = instance, HostName = name, Trampoline = trampoline };
        f.Host = (in Caller caller, ulong* slots) => Compiled.CompiledRuntime.Invoke(f, slots);
        f.FuncRef->Code = entry;
        f.FuncRef->Vmctx = (nint)instance.Vmctx;
        return f;
    }

    /// <summary>Compiled functions: the entry trampoline for this function's signature; 0 otherwise.</summary>
    internal nint Trampoline { get; private init; }

    /// <summary>Calls the function; <paramref name="results"/> must have room for one value per result type.</summary>
    public void Invoke(ReadOnlySpan<Value> args, Span<Value> results)
    {
        Store.ThrowIfDisposed();
        ImmutableArray<ValType> ps = Type.Params;
        ImmutableArray<ValType> rs = Type.Results;
        if (args.Length != ps.Length)
        {
            throw new ArgumentException($"expected {ps.Length} arguments, got {args.Length}", nameof(args));
        }
        if (results.Length < rs.Length)
        {
            throw new ArgumentException($"expected room for {rs.Length} results, got {results.Length}", nameof(results));
        }
        for (int i = 0; i < ps.Length; i++)
        {
            if (args[i].Type != ps[i])
            {
                throw new ArgumentException($"argument {i} is {args[i].Type.ToText()}, expected {ps[i].ToText()}", nameof(args));
            }
        }
        ulong* slots = EnterTyped(CallSlots);
        try
        {
            int at = 0;
            for (int i = 0; i < ps.Length; i++)
            {
                at += Store.WriteSlots(args[i], slots + at);
            }
            Executor.Call(this, slots);
            at = 0;
            for (int i = 0; i < rs.Length; i++)
            {
                results[i] = Store.ReadSlots(rs[i], slots + at);
                at += SlotLayout.SlotCount(rs[i]);
            }
        }
        finally
        {
            LeaveTyped(slots);
        }
    }

    /// <summary>Calls the function and returns its results (an array, as multi-value functions have several).</summary>
    public Value[] Invoke(params ReadOnlySpan<Value> args)
    {
        var results = new Value[Type.Results.Length];
        Invoke(args, results);
        return results;
    }

    public override string ToString() => Code is { } code ? code.Name : HostName ?? $"host function {Type}";

    /// <summary>Reserves argument/result slots at the top of the store's value stack.</summary>
    /// <summary>Every call into Wasm starts here (and ends in <see cref="LeaveTyped"/>): the argument slots at the stack top.</summary>
    internal ulong* EnterTyped(int slotCount)
    {
        Store.ThrowIfDisposed();
        // Before the stack is touched: another thread's call would share it.
        Store.EnterThread();
        InterpreterStack stack = Store.Stack;
        ulong* slots = stack.Top;
        if (slotCount > stack.End - slots)
        {
            Store.LeaveThread();
            throw new TrapException(TrapCode.CallStackExhausted);
        }
        return slots;
    }

    internal void LeaveTyped(ulong* slots)
    {
        Store.Stack.Top = slots;
        Store.LeaveThread();
    }
}
