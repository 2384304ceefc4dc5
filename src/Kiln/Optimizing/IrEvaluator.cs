using System.Buffers.Binary;
using Kiln.Interpreter;
using Kiln.Optimizing.Ir;
using Kiln.Vm;

namespace Kiln.Optimizing;

/// <summary>
/// Interprets IR directly, as Cranelift's IR interpreter does: the oracle that tests compare the builder and the
/// passes against (the IR before and after optimization must compute what Kiln's interpreter computes on the Wasm).
/// Values are raw bits in a <see cref="UInt128"/> (scalars in the low bits, <see cref="IrSemantics"/>; references as
/// <see cref="IrInstanceState"/> describes); memory is a byte array with Wasm bounds checks. Calls to defined functions
/// evaluate their IR; calls to imports go to the host delegate. Bulk memory and table operations run the
/// interpreter's <see cref="BulkOps"/> over the evaluator's arrays, SIMD the interpreter's SIMD code
/// (<see cref="IrSimdSemantics"/>). Fuel and a call depth limit stop runaway code with
/// <see cref="IrEvaluationLimitException"/>, never a .NET stack overflow.
/// </summary>
internal sealed unsafe class IrEvaluator
{
    private const int PageSize = 65536;
    /// <summary>Larger tables are beyond what the tests need; growing past this stops the run instead of allocating.</summary>
    private const uint MaxTableElements = 1 << 24;
    private readonly Func<uint, IrFunction?> _functions;
    private readonly Func<uint, UInt128[], UInt128[]> _host;
    private readonly IrInstanceState _state;
    private readonly int _maxDepth;
    private long _fuel;
    private int _depth;

    /// <param name="functions">The IR of a function by function index, or null for an import.</param>
    /// <param name="host">Calls an import with argument bits and returns result bits.</param>
    /// <param name="state">The instance state, changed in place as the code runs.</param>
    public IrEvaluator(Func<uint, IrFunction?> functions, Func<uint, UInt128[], UInt128[]> host, IrInstanceState state, long fuel, int maxDepth)
    {
        _functions = functions;
        _host = host;
        _state = state;
        _fuel = fuel;
        _maxDepth = maxDepth;
    }

    /// <summary>The linear memory (replaced when it grows).</summary>
    public byte[] Memory => _state.Memory;

    public UInt128[] Globals => _state.Globals;

    /// <exception cref="TrapException">The code trapped.</exception>
    /// <exception cref="IrEvaluationLimitException">Fuel or call depth ran out.</exception>
    public UInt128[] Call(uint function, UInt128[] args)
    {
        IrFunction? f = _functions(function);
        if (f is null)
        {
            return _host(function, args);
        }
        if (++_depth > _maxDepth)
        {
            throw new IrEvaluationLimitException("call depth");
        }
        try
        {
            return Run(f, args);
        }
        finally
        {
            _depth--;
        }
    }

    private UInt128[] Run(IrFunction f, UInt128[] args)
    {
        var v = new UInt128[f.ValueCount];
        int block = f.Entry;
        List<int> entryParams = f.Block(block).Params;
        for (int i = 0; i < args.Length; i++)
        {
            v[entryParams[i]] = args[i];
        }
        while (true)
        {
            foreach (int inst in f.Block(block).Insts)
            {
                if (--_fuel < 0)
                {
                    throw new IrEvaluationLimitException("fuel");
                }
                ref InstData d = ref f.Inst(inst);
                Span<int> a = f.Args(inst);
                switch (d.Op)
                {
                    case Op.Jump:
                        block = Enter(f, v, f.Targets(inst)[0]);
                        goto next;
                    case Op.Brif:
                        block = Enter(f, v, f.Targets(inst)[(uint)v[a[0]] != 0 ? 0 : 1]);
                        goto next;
                    case Op.BrTable:
                    {
                        Span<BlockCall> targets = f.Targets(inst);
                        block = Enter(f, v, targets[(int)Math.Min((ulong)v[a[0]], (ulong)(targets.Length - 1))]);
                        goto next;
                    }
                    case Op.Return:
                    {
                        var results = new UInt128[a.Length];
                        for (int i = 0; i < a.Length; i++)
                        {
                            results[i] = v[a[i]];
                        }
                        return results;
                    }
                    case Op.Trap:
                        throw new TrapException((TrapCode)d.Imm);
                    default:
                        Execute(f, inst, v);
                        break;
                }
            }
            throw new InvalidOperationException($"block{block} ends without a terminator");
        next:;
        }
    }

    /// <summary>Passes a branch's arguments to the target's parameters, all read before any is written (a parallel copy).</summary>
    private static int Enter(IrFunction f, UInt128[] v, in BlockCall call)
    {
        Span<int> args = f.CallArgs(call);
        Span<UInt128> values = args.Length <= 16 ? stackalloc UInt128[args.Length] : new UInt128[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            values[i] = v[args[i]];
        }
        List<int> ps = f.Block(call.Block).Params;
        for (int i = 0; i < values.Length; i++)
        {
            v[ps[i]] = values[i];
        }
        return call.Block;
    }

    private void Execute(IrFunction f, int inst, UInt128[] v)
    {
        ref InstData d = ref f.Inst(inst);
        Span<int> a = f.Args(inst);
        switch (d.Op)
        {
            case Op.Iconst:
            case Op.Fconst:
                v[f.Result(inst)] = IrSemantics.ConstBits(d.Type, d.Imm);
                return;
            case Op.Vconst:
                v[f.Result(inst)] = f.Constants[(int)d.Imm];
                return;
            case Op.Select:
                v[f.Result(inst)] = (uint)v[a[0]] != 0 ? v[a[1]] : v[a[2]];
                return;
            case Op.GlobalGet:
                v[f.Result(inst)] = Globals[d.Imm];
                return;
            case Op.GlobalSet:
                Globals[d.Imm] = v[a[0]];
                return;
            case Op.MemorySize:
                v[f.Result(inst)] = (uint)(Memory.Length / PageSize);
                return;
            case Op.MemoryGrow:
                v[f.Result(inst)] = Grow((uint)v[a[0]]);
                return;
            case Op.Call:
                CallAndStore(f, inst, v, (uint)d.Imm, a);
                return;
            case Op.CallIndirect:
                CallAndStore(f, inst, v, IndirectTarget(f, d, (uint)v[a[^1]]), a[..^1]);
                return;
            case Op.CallIndirectGuard:
                v[f.Result(inst)] = GuardedEntry(d, (uint)v[a[0]]) == IrInstanceState.FuncRef((uint)d.Imm2) ? 1u : 0u;
                return;
            case Op.RefNull:
                v[f.Result(inst)] = 0;
                return;
            case Op.RefIsNull:
                v[f.Result(inst)] = v[a[0]] == 0 ? 1u : 0u;
                return;
            case Op.RefFunc:
                v[f.Result(inst)] = (ulong)IrInstanceState.FuncRef((uint)d.Imm);
                return;
            case Op.Simd:
            case Op.SimdLoad:
            case Op.SimdStore:
                ExecuteSimd(f, inst, v);
                return;
        }
        if (d.Op is >= Op.TableGet and <= Op.DataDrop)
        {
            ExecuteBulk(f, inst, v);
            return;
        }
        if (OpInfo.IsLoad(d.Op))
        {
            v[f.Result(inst)] = Load(d.Op, d.Type, (ulong)v[a[0]], d.Imm);
            return;
        }
        if (OpInfo.IsStore(d.Op))
        {
            Store(d.Op, d.Type, (ulong)v[a[0]], d.Imm, v[a[1]]);
            return;
        }
        IrType source = a.Length > 0 ? f.Value(a[0]).Type : d.Type;
        v[f.Result(inst)] = IrSemantics.Evaluate(d.Op, d.Type, source, (ulong)v[a[0]], a.Length > 1 ? (ulong)v[a[1]] : 0);
    }

    private void CallAndStore(IrFunction f, int inst, UInt128[] v, uint callee, ReadOnlySpan<int> a)
    {
        var args = new UInt128[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            args[i] = v[a[i]];
        }
        UInt128[] results = Call(callee, args);
        Span<int> rs = f.ResultValues(inst);
        for (int i = 0; i < rs.Length; i++)
        {
            v[rs[i]] = results[i];
        }
    }

    /// <summary>Spec 4.4.8 call_indirect, in the interpreter's order: index within the table, a non-null entry, the signature.</summary>
    /// <summary>call_indirect's entry after its bounds and null traps (table <c>Imm</c>).</summary>
    private nint GuardedEntry(in InstData d, uint index)
    {
        nint[] elements = _state.Tables[d.Imm].Elements;
        if (index >= (uint)elements.Length)
        {
            throw new TrapException(TrapCode.UndefinedElement);
        }
        return elements[index] != 0 ? elements[index] : throw new TrapException(TrapCode.UninitializedElement);
    }

    private uint IndirectTarget(IrFunction f, in InstData d, uint index)
    {
        nint[] elements = _state.Tables[d.Imm].Elements;
        if (index >= (uint)elements.Length)
        {
            throw new TrapException(TrapCode.UndefinedElement);
        }
        nint entry = elements[index];
        if (entry == 0)
        {
            throw new TrapException(TrapCode.UninitializedElement);
        }
        uint callee = (uint)(entry - 1);
        // Wasm 2.0 function types are equal when structurally equal, as IrSignature's equality is.
        if (!_state.FunctionTypes[callee].Equals(f.Signatures[d.Aux]))
        {
            throw new TrapException(TrapCode.IndirectCallTypeMismatch);
        }
        return callee;
    }

    private void ExecuteSimd(IrFunction f, int inst, UInt128[] v)
    {
        ref InstData d = ref f.Inst(inst);
        Span<int> a = f.Args(inst);
        Span<UInt128> operands = stackalloc UInt128[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            operands[i] = v[a[i]];
        }
        bool shuffle = d.Op == Op.Simd && d.Aux == ((int)Wasm.Model.Opcode.I8x16Shuffle & 0xFF);
        UInt128 pattern = shuffle ? f.Constants[(int)d.Imm] : 0;
        long offset = d.Op == Op.Simd ? 0 : d.Imm;
        int lane = d.Op == Op.Simd ? (shuffle ? 0 : (int)d.Imm) : d.Imm2;
        UInt128 result;
        fixed (byte* mem = Memory)
        {
            result = IrSimdSemantics.Evaluate(d.Aux, operands, offset, lane, pattern, mem, (ulong)Memory.Length);
        }
        if (d.Op != Op.SimdStore)
        {
            v[f.Result(inst)] = result;
        }
    }

    /// <summary>Table and bulk memory operations through the interpreter's <see cref="BulkOps"/> (whole-range checks first, spec 4.4.6-4.4.7).</summary>
    private void ExecuteBulk(IrFunction f, int inst, UInt128[] v)
    {
        ref InstData d = ref f.Inst(inst);
        Span<int> a = f.Args(inst);
        Span<uint> u = stackalloc uint[3];
        for (int i = 0; i < a.Length && i < 3; i++)
        {
            u[i] = (uint)v[a[i]];
        }
        switch (d.Op)
        {
            case Op.TableGet:
            {
                nint[] elements = _state.Tables[d.Imm].Elements;
                if (u[0] >= (uint)elements.Length)
                {
                    throw new TrapException(TrapCode.TableOutOfBounds);
                }
                v[f.Result(inst)] = (ulong)elements[u[0]];
                return;
            }
            case Op.TableSet:
            {
                nint[] elements = _state.Tables[d.Imm].Elements;
                if (u[0] >= (uint)elements.Length)
                {
                    throw new TrapException(TrapCode.TableOutOfBounds);
                }
                elements[u[0]] = (nint)(ulong)v[a[1]];
                return;
            }
            case Op.TableSize:
                v[f.Result(inst)] = (uint)_state.Tables[d.Imm].Elements.Length;
                return;
            case Op.TableGrow:
                v[f.Result(inst)] = GrowTable(_state.Tables[d.Imm], (nint)(ulong)v[a[0]], u[1]);
                return;
            case Op.TableFill:
                fixed (nint* e = _state.Tables[d.Imm].Elements)
                {
                    var table = new VmTableDefinition { Elements = e, Length = (uint)_state.Tables[d.Imm].Elements.Length };
                    BulkOps.TableFill(&table, u[0], (ulong)v[a[1]], u[2]);
                }
                return;
            case Op.TableCopy:
                fixed (nint* de = _state.Tables[d.Imm].Elements)
                fixed (nint* se = _state.Tables[d.Imm2].Elements)
                {
                    var dst = new VmTableDefinition { Elements = de, Length = (uint)_state.Tables[d.Imm].Elements.Length };
                    var src = new VmTableDefinition { Elements = se, Length = (uint)_state.Tables[d.Imm2].Elements.Length };
                    BulkOps.TableCopy(&dst, &src, u[0], u[1], u[2]);
                }
                return;
            case Op.TableInit:
                fixed (nint* e = _state.Tables[d.Imm].Elements)
                {
                    var table = new VmTableDefinition { Elements = e, Length = (uint)_state.Tables[d.Imm].Elements.Length };
                    BulkOps.TableInit(&table, _state.ElementSegments[d.Imm2], u[0], u[1], u[2]);
                }
                return;
            case Op.ElemDrop:
                _state.ElementSegments[d.Imm] = [];
                return;
            case Op.MemoryFill:
                fixed (byte* mem = Memory)
                {
                    BulkOps.MemoryFill(mem, (ulong)Memory.Length, u[0], (byte)u[1], u[2]);
                }
                return;
            case Op.MemoryCopy:
                fixed (byte* mem = Memory)
                {
                    BulkOps.MemoryCopy(mem, (ulong)Memory.Length, u[0], u[1], u[2]);
                }
                return;
            case Op.MemoryInit:
                fixed (byte* mem = Memory)
                {
                    BulkOps.MemoryInit(mem, (ulong)Memory.Length, _state.DataSegments[d.Imm], u[0], u[1], u[2]);
                }
                return;
            case Op.DataDrop:
                _state.DataSegments[d.Imm] = [];
                return;
        }
        throw new InvalidOperationException($"{OpInfo.Name(d.Op)} is not a table or bulk memory operation");
    }

    /// <summary>Spec 4.4.6 table.grow: the old size, or -1 when the table would pass its maximum.</summary>
    private static UInt128 GrowTable(IrTable table, nint init, uint delta)
    {
        uint old = (uint)table.Elements.Length;
        ulong wanted = (ulong)old + delta;
        if (wanted > table.Maximum)
        {
            return uint.MaxValue;
        }
        if (wanted > MaxTableElements)
        {
            throw new IrEvaluationLimitException("table size");
        }
        var grown = new nint[wanted];
        table.Elements.CopyTo(grown, 0);
        grown.AsSpan((int)old).Fill(init);
        table.Elements = grown;
        return old;
    }

    /// <summary>Spec 4.4.7: memory.grow returns the old size in pages, or -1 when the memory cannot grow.</summary>
    private ulong Grow(uint delta)
    {
        uint old = (uint)(Memory.Length / PageSize);
        ulong wanted = (ulong)old + delta;
        if (wanted > _state.MaxPages)
        {
            return uint.MaxValue;
        }
        if (wanted * PageSize > (ulong)Array.MaxLength)
        {
            throw new IrEvaluationLimitException("memory size");
        }
        byte[] grown = new byte[checked((int)(wanted * PageSize))];
        Memory.CopyTo(grown, 0);
        _state.Memory = grown;
        return old;
    }

    /// <summary>The access's bytes, after the Wasm bounds check: address (an i32) plus offset plus size within the memory.</summary>
    private Span<byte> Access(ulong address, long offset, int size)
    {
        ulong ea = (uint)address + (ulong)offset;
        if (ea + (ulong)size > (ulong)Memory.Length)
        {
            throw new TrapException(TrapCode.MemoryOutOfBounds);
        }
        return Memory.AsSpan((int)ea, size);
    }

    private UInt128 Load(Op op, IrType type, ulong address, long offset)
    {
        Span<byte> m = Access(address, offset, OpInfo.AccessSize(op, type));
        if (m.Length == 16)
        {
            return BinaryPrimitives.ReadUInt128LittleEndian(m);
        }
        ulong raw = op switch
        {
            Op.Sload8 => (ulong)(long)(sbyte)m[0],
            Op.Uload8 => m[0],
            Op.Sload16 => (ulong)(long)BinaryPrimitives.ReadInt16LittleEndian(m),
            Op.Uload16 => BinaryPrimitives.ReadUInt16LittleEndian(m),
            Op.Sload32 => (ulong)(long)BinaryPrimitives.ReadInt32LittleEndian(m),
            Op.Uload32 => BinaryPrimitives.ReadUInt32LittleEndian(m),
            _ => m.Length == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(m) : BinaryPrimitives.ReadUInt32LittleEndian(m),
        };
        return type is IrType.I32 or IrType.F32 ? (uint)raw : raw;
    }

    private void Store(Op op, IrType type, ulong address, long offset, UInt128 value)
    {
        Span<byte> m = Access(address, offset, OpInfo.AccessSize(op, type));
        switch (m.Length)
        {
            case 1: m[0] = (byte)value; break;
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(m, (ushort)value); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(m, (uint)value); break;
            case 8: BinaryPrimitives.WriteUInt64LittleEndian(m, (ulong)value); break;
            default: BinaryPrimitives.WriteUInt128LittleEndian(m, value); break;
        }
    }
}

/// <summary>The evaluator's fuel or call depth ran out: the run says nothing about the program.</summary>
internal sealed class IrEvaluationLimitException(string message) : Exception(message);
