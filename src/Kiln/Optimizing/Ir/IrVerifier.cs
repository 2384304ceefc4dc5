namespace Kiln.Optimizing.Ir;

/// <summary>
/// Checks the invariants every pass relies on and every pass must keep: each block ends in exactly one terminator;
/// operands exist, have the types the opcode needs, and are defined on every path to their use (SSA dominance);
/// branch arguments match the target's parameters in count and type; returns and calls match their signatures; the
/// entry block's parameters are the function's. Each error names the block and the instruction.
/// </summary>
internal static class IrVerifier
{
    /// <summary>Stands for an instruction's text in messages until they are final.</summary>
    private const string Placeholder = "\u0001where\u0001";

    public static List<string> Verify(IrFunction f)
    {
        var errors = new List<string>();
        if (f.Layout.Count == 0)
        {
            errors.Add("function has no blocks");
            return errors;
        }
        List<int> entryParams = f.Block(f.Entry).Params;
        if (!entryParams.Select(p => f.Value(p).Type).SequenceEqual(f.Params))
        {
            errors.Add($"block{f.Entry}: entry block parameters ({string.Join(", ", entryParams.Select(p => f.Value(p).Type.ToText()))}) differ from the function's ({string.Join(", ", f.Params.Select(t => t.ToText()))})");
        }
        var laidOut = new bool[f.BlockCount];
        foreach (int b in f.Layout)
        {
            if (f.BlockExists(b))
            {
                laidOut[b] = true;
            }
        }
        foreach (int b in f.Layout)
        {
            foreach (int s in f.Successors(b))
            {
                if (!f.BlockExists(s) || !laidOut[s])
                {
                    errors.Add($"block{b}: branch to block{s}, which does not exist");
                }
            }
        }
        if (errors.Count > 0)
        {
            return errors;
        }
        DominatorTree dom = f.Dominators;
        // Position of each instruction in its block, for dominance inside one block.
        var position = new int[f.InstCount];
        foreach (int b in f.Layout)
        {
            List<int> insts = f.Block(b).Insts;
            for (int i = 0; i < insts.Count; i++)
            {
                position[insts[i]] = i;
            }
        }
        foreach (int b in f.Layout)
        {
            List<int> insts = f.Block(b).Insts;
            if (insts.Count == 0 || OpInfo.Kind(f.Inst(insts[^1]).Op) != OpKind.Terminator)
            {
                errors.Add($"block{b}: does not end with a terminator");
            }
            for (int i = 0; i < insts.Count; i++)
            {
                int inst = insts[i];
                // The instruction's text goes into the messages only when there are some: formatting every one costs more than the checks.
                const string where = Placeholder;
                int errorsBefore = errors.Count;
                if (i < insts.Count - 1 && OpInfo.Kind(f.Inst(inst).Op) == OpKind.Terminator)
                {
                    errors.Add($"{where}: terminator in the middle of the block");
                }
                if (!dom.IsReachable(b))
                {
                    // Unreachable code has no dominance to check; its types still are.
                    CheckTypes(f, inst, where, errors);
                }
                else
                {
                    CheckUses(f, dom, position, b, i, inst, where, errors);
                    CheckTypes(f, inst, where, errors);
                }
                for (int e = errorsBefore; e < errors.Count; e++)
                {
                    errors[e] = errors[e].Replace(Placeholder, $"block{b}: '{IrPrinter.FormatInst(f, inst)}'", StringComparison.Ordinal);
                }
            }
        }
        return errors;
    }

    /// <exception cref="IrVerifierException">The function breaks an invariant; the message lists every error.</exception>
    public static void VerifyOrThrow(IrFunction f)
    {
        List<string> errors = Verify(f);
        if (errors.Count > 0)
        {
            throw new IrVerifierException($"function %{f.Name}:\n" + string.Join("\n", errors));
        }
    }

    private static void CheckUses(IrFunction f, DominatorTree dom, int[] position, int block, int index, int inst, string where, List<string> errors)
    {
        foreach (int v in f.Args(inst))
        {
            CheckUse(f, dom, position, block, index, v, where, errors);
        }
        foreach (ref BlockCall call in f.Targets(inst))
        {
            foreach (int v in f.CallArgs(call))
            {
                CheckUse(f, dom, position, block, index, v, where, errors);
            }
        }
    }

    private static void CheckUse(IrFunction f, DominatorTree dom, int[] position, int block, int index, int v, string where, List<string> errors)
    {
        if (!f.ValueExists(v))
        {
            errors.Add($"{where}: uses v{v}, which is not defined");
            return;
        }
        ValueData d = f.Value(v);
        int defBlock = d.IsParam ? d.Owner : f.Inst(d.Owner).Block;
        bool dominates = defBlock == block
            ? d.IsParam || position[d.Owner] < index
            : dom.Dominates(defBlock, block);
        if (!dominates)
        {
            errors.Add($"{where}: uses v{v}, whose definition does not dominate the use");
        }
    }

    private static void CheckTypes(IrFunction f, int inst, string where, List<string> errors)
    {
        InstData d = f.Inst(inst);
        int[] args = f.Args(inst).ToArray();
        int targets = d.Op switch { Op.Jump => 1, Op.Brif => 2, Op.BrTable => -1, _ => 0 };
        if (targets >= 0 ? d.TargetCount != targets : d.TargetCount == 0)
        {
            errors.Add($"{where}: has {d.TargetCount} branch target(s), {OpInfo.Name(d.Op)} needs {(targets >= 0 ? targets.ToString(System.Globalization.CultureInfo.InvariantCulture) : "at least one (the default)")}");
            return;
        }
        if (d.Op is Op.Call or Op.CallIndirect && (uint)d.Aux >= (uint)f.Signatures.Count)
        {
            errors.Add($"{where}: signature {d.Aux} does not exist");
            return;
        }
        IrType[] resultTypes = d.Op is Op.Call or Op.CallIndirect ? f.Signatures[d.Aux].Results : OpInfo.ResultType(d.Op, d.Type) is IrType rt ? [rt] : [];
        Span<int> results = f.ResultValues(inst);
        if (results.Length != resultTypes.Length)
        {
            errors.Add($"{where}: defines {results.Length} value(s), {OpInfo.Name(d.Op)} defines {resultTypes.Length}");
            return;
        }
        for (int i = 0; i < results.Length; i++)
        {
            if (f.Value(results[i]).Type != resultTypes[i])
            {
                errors.Add($"{where}: result v{results[i]} is {f.Value(results[i]).Type.ToText()}, {OpInfo.Name(d.Op)} produces {resultTypes[i].ToText()}");
            }
        }
        int want = OpInfo.OperandCount(d.Op);
        if (want >= 0 && args.Length != want)
        {
            errors.Add($"{where}: takes {want} operand(s), has {args.Length}");
            return;
        }
        foreach (int a in args)
        {
            if (!f.ValueExists(a))
            {
                return; // reported by the dominance check (or unreachable code that uses nothing defined)
            }
        }
        IrType T(int i) => f.Value(args[i]).Type;
        void Need(int i, IrType type)
        {
            if (T(i) != type)
            {
                errors.Add($"{where}: operand {i + 1} (v{args[i]}) is {T(i).ToText()}, expected {type.ToText()}");
            }
        }
        void NeedClass(bool ok, string what)
        {
            if (!ok)
            {
                errors.Add($"{where}: {what}");
            }
        }
        Op op = d.Op;
        switch (op)
        {
            case Op.Iconst:
                NeedClass(d.Type.IsInt(), "iconst needs an integer type");
                break;
            case Op.Fconst:
                NeedClass(d.Type.IsFloat(), "fconst needs a float type");
                break;
            case >= Op.Iadd and <= Op.Rotr:
            case >= Op.Ieq and <= Op.Iuge:
                NeedClass(d.Type.IsInt(), $"{OpInfo.Name(op)} needs an integer type");
                Need(0, d.Type);
                Need(1, d.Type);
                break;
            case Op.Clz or Op.Ctz or Op.Popcnt or Op.Eqz or Op.Sextend8 or Op.Sextend16:
                NeedClass(d.Type.IsInt(), $"{OpInfo.Name(op)} needs an integer type");
                Need(0, d.Type);
                break;
            case Op.Sextend32:
                NeedClass(d.Type == IrType.I64, "sextend32 needs i64");
                Need(0, d.Type);
                break;
            case >= Op.Fadd and <= Op.Fcopysign:
            case >= Op.Feq and <= Op.Fge:
                NeedClass(d.Type.IsFloat(), $"{OpInfo.Name(op)} needs a float type");
                Need(0, d.Type);
                Need(1, d.Type);
                break;
            case >= Op.Fabs and <= Op.Fsqrt:
                NeedClass(d.Type.IsFloat(), $"{OpInfo.Name(op)} needs a float type");
                Need(0, d.Type);
                break;
            case Op.Wrap:
                NeedClass(d.Type == IrType.I32, "wrap produces i32");
                Need(0, IrType.I64);
                break;
            case Op.Sextend or Op.Uextend:
                NeedClass(d.Type == IrType.I64, $"{OpInfo.Name(op)} produces i64");
                Need(0, IrType.I32);
                break;
            case Op.TruncS or Op.TruncU or Op.TruncSatS or Op.TruncSatU:
                NeedClass(d.Type.IsInt() && T(0).IsFloat(), $"{OpInfo.Name(op)} converts a float to an integer");
                break;
            case Op.ConvertS or Op.ConvertU:
                NeedClass(d.Type.IsFloat() && T(0).IsInt(), $"{OpInfo.Name(op)} converts an integer to a float");
                break;
            case Op.Demote:
                NeedClass(d.Type == IrType.F32, "demote produces f32");
                Need(0, IrType.F64);
                break;
            case Op.Promote:
                NeedClass(d.Type == IrType.F64, "promote produces f64");
                Need(0, IrType.F32);
                break;
            case Op.Bitcast:
                NeedClass(Width(d.Type) == Width(T(0)) && d.Type.IsInt() != T(0).IsInt(), "bitcast reinterprets between an integer and a float of one width");
                break;
            case Op.Select:
                Need(0, IrType.I32);
                Need(1, d.Type);
                Need(2, d.Type);
                break;
            case >= Op.Load and <= Op.Uload32:
                Need(0, IrType.I32);
                NeedClass(!d.Type.IsRef(), "memory holds no references");
                NeedClass(op == Op.Load || d.Type.IsInt(), "extending loads produce integers");
                NeedClass(op is not (Op.Sload32 or Op.Uload32) || d.Type == IrType.I64, "32-bit extending loads produce i64");
                break;
            case >= Op.Store and <= Op.Store32:
                Need(0, IrType.I32);
                Need(1, d.Type);
                NeedClass(!d.Type.IsRef(), "memory holds no references");
                NeedClass(op == Op.Store || d.Type.IsInt(), "narrow stores take integers");
                NeedClass(op != Op.Store32 || d.Type == IrType.I64, "store32 takes i64");
                break;
            case Op.GlobalSet:
                Need(0, d.Type);
                break;
            case Op.MemoryGrow:
                Need(0, IrType.I32);
                NeedClass(d.Type == IrType.I32, "memory_grow is i32");
                break;
            case Op.MemorySize:
                NeedClass(d.Type == IrType.I32, "memory_size is i32");
                break;
            case Op.Call:
            {
                IrSignature sig = f.Signatures[d.Aux];
                if (args.Length != sig.Params.Length)
                {
                    errors.Add($"{where}: passes {args.Length} argument(s), the signature takes {sig.Params.Length}");
                    break;
                }
                for (int i = 0; i < args.Length; i++)
                {
                    Need(i, sig.Params[i]);
                }
                break;
            }
            case Op.CallIndirect:
            {
                IrSignature sig = f.Signatures[d.Aux];
                if (args.Length != sig.Params.Length + 1)
                {
                    errors.Add($"{where}: passes {args.Length - 1} argument(s), the signature takes {sig.Params.Length}");
                    break;
                }
                for (int i = 0; i < sig.Params.Length; i++)
                {
                    Need(i, sig.Params[i]);
                }
                Need(args.Length - 1, IrType.I32);
                break;
            }
            case Op.RefNull:
                NeedClass(d.Type.IsRef(), "ref_null needs a reference type");
                break;
            case Op.RefIsNull:
                NeedClass(d.Type.IsRef(), "ref_is_null needs a reference type");
                Need(0, d.Type);
                break;
            case Op.RefFunc:
                NeedClass(d.Type == IrType.Funcref, "ref_func is funcref");
                break;
            case Op.CallIndirectGuard:
                NeedClass(d.Type == IrType.I32, "call_indirect_guard is i32");
                Need(0, IrType.I32);
                break;
            case Op.TableGet or Op.TableSize:
                NeedClass(d.Type.IsRef(), $"{OpInfo.Name(op)} names the table's element type, a reference type");
                if (op == Op.TableGet)
                {
                    Need(0, IrType.I32);
                }
                break;
            case Op.TableSet:
                NeedClass(d.Type.IsRef(), "table_set names the table's element type, a reference type");
                Need(0, IrType.I32);
                Need(1, d.Type);
                break;
            case Op.TableGrow:
                NeedClass(d.Type.IsRef(), "table_grow names the table's element type, a reference type");
                Need(0, d.Type);
                Need(1, IrType.I32);
                break;
            case Op.TableFill:
                NeedClass(d.Type.IsRef(), "table_fill names the table's element type, a reference type");
                Need(0, IrType.I32);
                Need(1, d.Type);
                Need(2, IrType.I32);
                break;
            case Op.TableCopy or Op.TableInit or Op.MemoryFill or Op.MemoryCopy or Op.MemoryInit:
                Need(0, IrType.I32);
                Need(1, IrType.I32);
                Need(2, IrType.I32);
                break;
            case Op.Vconst:
                NeedClass(d.Type == IrType.V128, "vconst is v128");
                NeedClass((ulong)d.Imm < (ulong)f.Constants.Count, $"constant #{d.Imm} does not exist");
                break;
            case Op.Simd or Op.SimdLoad or Op.SimdStore:
                CheckSimd(f, d, args, where, errors);
                break;
            case Op.Brif or Op.BrTable:
                Need(0, IrType.I32);
                break;
            case Op.Return:
                if (args.Length != f.Results.Length)
                {
                    errors.Add($"{where}: returns {args.Length} value(s), the function returns {f.Results.Length}");
                    break;
                }
                for (int i = 0; i < args.Length; i++)
                {
                    Need(i, f.Results[i]);
                }
                break;
        }
        foreach (ref BlockCall call in f.Targets(inst))
        {
            List<int> ps = f.Block(call.Block).Params;
            Span<int> ca = f.CallArgs(call);
            if (ca.Length != ps.Count)
            {
                errors.Add($"{where}: passes {ca.Length} argument(s) to block{call.Block}, which takes {ps.Count}");
                continue;
            }
            for (int i = 0; i < ca.Length; i++)
            {
                if (f.ValueExists(ca[i]) && f.Value(ca[i]).Type != f.Value(ps[i]).Type)
                {
                    errors.Add($"{where}: argument {i + 1} to block{call.Block} (v{ca[i]}) is {f.Value(ca[i]).Type.ToText()}, the parameter is {f.Value(ps[i]).Type.ToText()}");
                }
            }
        }
    }

    /// <summary>A SIMD instruction against the Wasm opcode table: operand and result types, lane index, shuffle lanes.</summary>
    private static void CheckSimd(IrFunction f, in InstData d, int[] args, string where, List<string> errors)
    {
        Wasm.Model.OpcodeInfo? info = SimdInfo.TryGet(d.Aux);
        if (info is null || info.Opcode is Wasm.Model.Opcode.V128Load or Wasm.Model.Opcode.V128Store || SimdInfo.IrOp(info) != d.Op)
        {
            errors.Add($"{where}: {IrPrinter.SimdName(d.Aux)} is not a SIMD instruction of {OpInfo.Name(d.Op)}");
            return;
        }
        if (args.Length != info.Params.Length)
        {
            errors.Add($"{where}: takes {info.Params.Length} operand(s), has {args.Length}");
            return;
        }
        for (int i = 0; i < args.Length; i++)
        {
            IrType want = IrTypes.FromWasm(info.Params[i]);
            if (f.Value(args[i]).Type != want)
            {
                errors.Add($"{where}: operand {i + 1} (v{args[i]}) is {f.Value(args[i]).Type.ToText()}, {info.Name} takes {want.ToText()}");
            }
        }
        // simd and simd_load are typed by their result, simd_store by the value it stores (always v128).
        IrType controlling = info.Results.Length == 1 ? IrTypes.FromWasm(info.Results[0]) : IrType.V128;
        if (d.Type != controlling)
        {
            errors.Add($"{where}: {info.Name} is {OpInfo.Name(d.Op)}.{controlling.ToText()}, not .{d.Type.ToText()}");
        }
        long lane = d.Op == Op.Simd ? d.Imm : d.Imm2;
        if (SimdInfo.HasLane(info) && (ulong)lane >= info.LaneCount)
        {
            errors.Add($"{where}: lane {lane} is out of range for {info.Name} ({info.LaneCount} lanes)");
        }
        if (info.Immediate == Wasm.Model.ImmediateKind.Shuffle)
        {
            if ((ulong)d.Imm >= (ulong)f.Constants.Count)
            {
                errors.Add($"{where}: constant #{d.Imm} does not exist");
                return;
            }
            UInt128 lanes = f.Constants[(int)d.Imm];
            for (int i = 0; i < 16; i++)
            {
                if ((byte)(lanes >> (8 * i)) >= 32)
                {
                    errors.Add($"{where}: shuffle lane {i} selects {(byte)(lanes >> (8 * i))}, not below 32");
                }
            }
        }
    }

    private static int Width(IrType t) => t is IrType.I32 or IrType.F32 ? 32 : 64;
}

/// <summary>An IR function breaks an invariant of <see cref="IrVerifier"/>: a bug in a pass or in the builder.</summary>
internal sealed class IrVerifierException(string message) : Exception(message);
