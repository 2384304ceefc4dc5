using System.Buffers.Binary;
using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing;

/// <summary>
/// Interprets IR directly, as Cranelift's IR interpreter does: the oracle that tests compare the builder and the
/// passes against (the IR before and after optimization must compute what Kiln's interpreter computes on the Wasm).
/// Values are raw bits (<see cref="IrSemantics"/>); memory is a byte array with Wasm bounds checks, globals an array
/// of bits. Calls to defined functions evaluate their IR; calls to imports go to the host delegate. Fuel and a call
/// depth limit stop runaway code with <see cref="IrEvaluationLimitException"/>, never a .NET stack overflow.
/// </summary>
internal sealed class IrEvaluator
{
    private const int PageSize = 65536;
    private readonly Func<uint, IrFunction?> _functions;
    private readonly Func<uint, ulong[], ulong[]> _host;
    private readonly uint _maxPages;
    private readonly int _maxDepth;
    private long _fuel;
    private int _depth;

    /// <param name="functions">The IR of a function by function index, or null for an import.</param>
    /// <param name="host">Calls an import with argument bits and returns result bits.</param>
    public IrEvaluator(Func<uint, IrFunction?> functions, Func<uint, ulong[], ulong[]> host, byte[] memory, uint maxPages, ulong[] globals, long fuel, int maxDepth)
    {
        _functions = functions;
        _host = host;
        Memory = memory;
        _maxPages = maxPages;
        Globals = globals;
        _fuel = fuel;
        _maxDepth = maxDepth;
    }

    /// <summary>The linear memory (replaced when it grows).</summary>
    public byte[] Memory { get; private set; }

    public ulong[] Globals { get; }

    /// <exception cref="TrapException">The code trapped.</exception>
    /// <exception cref="IrEvaluationLimitException">Fuel or call depth ran out.</exception>
    public ulong[] Call(uint function, ulong[] args)
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

    private ulong[] Run(IrFunction f, ulong[] args)
    {
        var v = new ulong[f.ValueCount];
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
                        block = Enter(f, v, f.Targets(inst)[v[a[0]] != 0 ? 0 : 1]);
                        goto next;
                    case Op.BrTable:
                    {
                        Span<BlockCall> targets = f.Targets(inst);
                        block = Enter(f, v, targets[(int)Math.Min(v[a[0]], (ulong)(targets.Length - 1))]);
                        goto next;
                    }
                    case Op.Return:
                    {
                        var results = new ulong[a.Length];
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
    private static int Enter(IrFunction f, ulong[] v, in BlockCall call)
    {
        Span<int> args = f.CallArgs(call);
        Span<ulong> values = args.Length <= 16 ? stackalloc ulong[args.Length] : new ulong[args.Length];
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

    private void Execute(IrFunction f, int inst, ulong[] v)
    {
        ref InstData d = ref f.Inst(inst);
        Span<int> a = f.Args(inst);
        switch (d.Op)
        {
            case Op.Iconst:
            case Op.Fconst:
                v[f.Result(inst)] = IrSemantics.ConstBits(d.Type, d.Imm);
                return;
            case Op.Select:
                v[f.Result(inst)] = v[a[0]] != 0 ? v[a[1]] : v[a[2]];
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
            {
                var args = new ulong[a.Length];
                for (int i = 0; i < a.Length; i++)
                {
                    args[i] = v[a[i]];
                }
                ulong[] results = Call((uint)d.Imm, args);
                Span<int> rs = f.ResultValues(inst);
                for (int i = 0; i < rs.Length; i++)
                {
                    v[rs[i]] = results[i];
                }
                return;
            }
        }
        if (OpInfo.IsLoad(d.Op))
        {
            v[f.Result(inst)] = Load(d.Op, d.Type, v[a[0]], d.Imm);
            return;
        }
        if (OpInfo.IsStore(d.Op))
        {
            Store(d.Op, d.Type, v[a[0]], d.Imm, v[a[1]]);
            return;
        }
        IrType source = a.Length > 0 ? f.Value(a[0]).Type : d.Type;
        v[f.Result(inst)] = IrSemantics.Evaluate(d.Op, d.Type, source, v[a[0]], a.Length > 1 ? v[a[1]] : 0);
    }

    /// <summary>Spec 4.4.7: memory.grow returns the old size in pages, or -1 when the memory cannot grow.</summary>
    private ulong Grow(uint delta)
    {
        uint old = (uint)(Memory.Length / PageSize);
        ulong wanted = (ulong)old + delta;
        if (wanted > _maxPages)
        {
            return uint.MaxValue;
        }
        if (wanted * PageSize > (ulong)Array.MaxLength)
        {
            throw new IrEvaluationLimitException("memory size");
        }
        byte[] grown = new byte[checked((int)(wanted * PageSize))];
        Memory.CopyTo(grown, 0);
        Memory = grown;
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

    private ulong Load(Op op, IrType type, ulong address, long offset)
    {
        Span<byte> m = Access(address, offset, OpInfo.AccessSize(op, type));
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

    private void Store(Op op, IrType type, ulong address, long offset, ulong value)
    {
        Span<byte> m = Access(address, offset, OpInfo.AccessSize(op, type));
        switch (m.Length)
        {
            case 1: m[0] = (byte)value; break;
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(m, (ushort)value); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(m, (uint)value); break;
            default: BinaryPrimitives.WriteUInt64LittleEndian(m, value); break;
        }
    }
}

/// <summary>The evaluator's fuel or call depth ran out: the run says nothing about the program.</summary>
internal sealed class IrEvaluationLimitException(string message) : Exception(message);
