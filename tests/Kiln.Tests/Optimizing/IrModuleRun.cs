using Kiln.FrontEnd;
using Kiln.Optimizing;
using Kiln.Optimizing.Ir;
using Kiln.Optimizing.Passes;
using Kiln.Vm;
using Kiln.Wasm.Model;
using Kiln.Wasm.Validation;

namespace Kiln.Tests.Optimizing;

/// <summary>
/// One module's IR (as built and after <see cref="PassPipeline.Default"/>) compared call by call with Kiln's
/// interpreter running the same module: before each call the evaluator takes the interpreter instance's state
/// (memory, globals, tables, element and data segments), then results, trap kinds, logged values, memory, globals and
/// tables must agree. Imports other than binaryen's log functions are not modelled: a call reaching one is not
/// compared. Used by <see cref="IrDifferentialTests"/> (random modules) and <see cref="SpecSuiteIrTests"/>.
/// </summary>
internal sealed class IrModuleRun
{
    private readonly WasmModule _model;
    private readonly IrFunction?[] _raw;
    private readonly IrFunction?[] _optimized;
    private readonly bool[] _evaluable;
    private readonly ValType?[] _logType;
    private readonly IrSignature[] _functionTypes;
    private readonly ValType[] _globalTypes;

    public IrModuleRun(WasmModule model)
    {
        _model = model;
        var spaces = new IndexSpaces(ModuleValidator.Validate(_model));
        int imported = spaces.ImportedFunctionCount;
        int total = spaces.FunctionTypes.Length;
        _functionTypes = [.. spaces.FunctionTypes.Select(t => new IrSignature([.. t.Params.AsSpan().ToArray().Select(IrTypes.FromWasm)], [.. t.Results.AsSpan().ToArray().Select(IrTypes.FromWasm)]))];
        _globalTypes = spaces.GlobalTypes;
        _raw = new IrFunction?[total];
        _optimized = new IrFunction?[total];
        _logType = new ValType?[total];
        var builder = new SsaBuilder(spaces);
        int k = 0;
        foreach (Import import in _model.Imports.Where(i => i.Kind == ExternKind.Function))
        {
            FuncType t = spaces.FunctionTypes[k];
            if (import.Module == "fuzzing-support" && import.Name.StartsWith("log-", StringComparison.Ordinal) && t.Params.Length == 1 && (t.Params[0].IsNumeric() || t.Params[0] == ValType.V128))
            {
                _logType[k] = t.Params[0];
            }
            k++;
        }
        for (int i = 0; i < total - imported; i++)
        {
            try
            {
                IrFunction f = builder.Build(i);
                IrVerifier.VerifyOrThrow(f);
                _raw[imported + i] = f;
                IrFunction g = builder.Build(i);
                PassPipeline.Run(g, PassPipeline.Default);
                _optimized[imported + i] = g;
                Built++;
            }
            catch (UnsupportedFeatureException)
            {
                Refused++;
            }
        }
        _evaluable = Evaluable(total);
    }

    public WasmModule Model => _model;

    public int Built { get; }

    public int Refused { get; }

    /// <summary>Functions whose IR exists and that call only such functions or log imports, to a fixpoint.</summary>
    private bool[] Evaluable(int total)
    {
        var ok = new bool[total];
        for (int i = 0; i < total; i++)
        {
            ok[i] = _raw[i] is not null || _logType[i] is not null;
        }
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int i = 0; i < total; i++)
            {
                if (ok[i] && _raw[i] is IrFunction f && Callees(f).Any(c => !ok[c]))
                {
                    ok[i] = false;
                    changed = true;
                }
            }
        }
        return ok;
    }

    private static IEnumerable<int> Callees(IrFunction f)
    {
        foreach (int b in f.Layout)
        {
            foreach (int inst in f.Block(b).Insts)
            {
                if (f.Inst(inst).Op == Op.Call)
                {
                    yield return (int)f.Inst(inst).Imm;
                }
            }
        }
    }

    private sealed record Outcome(string Result, List<string> Logs, byte[] Memory, UInt128[] Globals, string Tables);

    /// <summary>
    /// Runs export <paramref name="export"/> as IR (raw and optimized) from the instance's current state, then on
    /// the instance; adds any difference. False when the call was not compared: the IR cannot run it (an import),
    /// it involves host references, or the interpreter ran out of stack.
    /// </summary>
    public bool CompareCall(Instance instance, List<string> interpLogs, string export, Value[] arguments, List<string> differences, string where)
    {
        uint index = _model.Exports.First(e => e.Kind == ExternKind.Function && e.Name == export).Index;
        var args = new UInt128[arguments.Length];
        for (int i = 0; i < args.Length; i++)
        {
            if (!TryBits(instance, arguments[i], out args[i]))
            {
                return false;
            }
        }
        Outcome? raw = null, optimized = null;
        if (_evaluable[index])
        {
            try
            {
                raw = Evaluate(instance, _raw, index, args);
                optimized = Evaluate(instance, _optimized, index, args);
            }
            catch (UnmodelledReferenceException)
            {
                // Host references in a table or global: the interpreter still runs the call, to stay in step.
            }
        }
        interpLogs.Clear();
        string result;
        try
        {
            var parts = new List<string>();
            foreach (Value v in instance.GetFunction(export)!.Invoke(arguments))
            {
                if (!TryBits(instance, v, out UInt128 bits))
                {
                    return false;
                }
                parts.Add(bits.ToString("x"));
            }
            result = "result " + string.Join(" ", parts);
        }
        catch (TrapException e)
        {
            result = "trap " + e.Code;
        }
        if (raw is null || optimized is null || result == "trap " + TrapCode.CallStackExhausted)
        {
            return false;
        }
        IrInstanceState after;
        try
        {
            after = Snapshot(instance);
        }
        catch (UnmodelledReferenceException)
        {
            return false;
        }
        var interp = new Outcome(result, [.. interpLogs], after.Memory, after.Globals, TablesText(after));
        Diff(differences, $"{where} (function {index}), IR as built", raw, interp);
        Diff(differences, $"{where} (function {index}), IR after passes", optimized, interp);
        return true;
    }

    /// <summary>How a log import's value is written, the same for both sides.</summary>
    public static string LogText(Value v) => v.Type switch
    {
        ValType.I32 => ((uint)v.AsI32()).ToString("x"),
        ValType.I64 => ((ulong)v.AsI64()).ToString("x"),
        ValType.F32 => v.AsF32Bits().ToString("x"),
        ValType.F64 => v.AsF64Bits().ToString("x"),
        _ => new UInt128(v.AsV128().High, v.AsV128().Low).ToString("x"),
    };

    /// <summary>A value's bits in the evaluator's terms; false for a host reference (an externref that is not null).</summary>
    private static bool TryBits(Instance instance, Value v, out UInt128 bits)
    {
        bits = 0;
        switch (v.Type)
        {
            case ValType.I32: bits = (uint)v.AsI32(); return true;
            case ValType.I64: bits = (ulong)v.AsI64(); return true;
            case ValType.F32: bits = v.AsF32Bits(); return true;
            case ValType.F64: bits = v.AsF64Bits(); return true;
            case ValType.V128: bits = new UInt128(v.AsV128().High, v.AsV128().Low); return true;
            case ValType.FuncRef:
            {
                Func? f = v.AsFuncRef();
                int k = f is null ? -1 : Array.IndexOf(instance.Functions, f);
                bits = f is null ? 0 : (ulong)IrInstanceState.FuncRef((uint)k);
                return f is null || k >= 0;
            }
            default:
                return v.AsExternRef() is null;
        }
    }

    private static void Diff(List<string> differences, string where, Outcome ir, Outcome interp)
    {
        if (ir.Result == "limit")
        {
            return;
        }
        if (ir.Result != interp.Result)
        {
            differences.Add($"{where}: {ir.Result}, interpreter {interp.Result}");
        }
        else if (!ir.Logs.SequenceEqual(interp.Logs))
        {
            differences.Add($"{where}: logs [{string.Join(", ", ir.Logs)}], interpreter [{string.Join(", ", interp.Logs)}]");
        }
        else if (!ir.Memory.AsSpan().SequenceEqual(interp.Memory))
        {
            differences.Add($"{where}: memory differs");
        }
        else if (!ir.Globals.AsSpan().SequenceEqual(interp.Globals))
        {
            differences.Add($"{where}: globals [{string.Join(", ", ir.Globals)}], interpreter [{string.Join(", ", interp.Globals)}]");
        }
        else if (ir.Tables != interp.Tables)
        {
            differences.Add($"{where}: tables {ir.Tables}, interpreter {interp.Tables}");
        }
    }

    private Outcome Evaluate(Instance instance, IrFunction?[] functions, uint index, UInt128[] args)
    {
        IrInstanceState state = Snapshot(instance);
        var logs = new List<string>();
        var evaluator = new IrEvaluator(
            i => functions[i],
            (i, a) =>
            {
                // call_indirect can reach any import in a table; only the log functions are modelled.
                ValType type = _logType[i] ?? throw new IrEvaluationLimitException($"import {i} is not a log function");
                logs.Add(type.ToText() + " " + ((type is ValType.I32 or ValType.F32) ? (uint)a[0] : a[0]).ToString("x"));
                return [];
            },
            state, fuel: 50_000_000, maxDepth: 200);
        string result;
        try
        {
            result = "result " + string.Join(" ", evaluator.Call(index, args).Select(b => b.ToString("x")));
        }
        catch (TrapException e)
        {
            result = "trap " + e.Code;
        }
        catch (IrEvaluationLimitException)
        {
            result = "limit";
        }
        return new Outcome(result, logs, evaluator.Memory, evaluator.Globals, TablesText(state));
    }

    private static string TablesText(IrInstanceState state) =>
        string.Join(" | ", state.Tables.Select(t => string.Join(",", t.Elements)));

    /// <summary>The interpreter instance's state in the evaluator's terms (a funcref becomes its function index plus one).</summary>
    private unsafe IrInstanceState Snapshot(Instance instance)
    {
        var funcRefs = new Dictionary<nint, nint> { [0] = 0 };
        for (uint k = 0; k < _functionTypes.Length; k++)
        {
            funcRefs[(nint)instance.FuncRefs[k]] = IrInstanceState.FuncRef(k);
        }
        nint Ref(nint slot) => funcRefs.TryGetValue(slot, out nint r) ? r : throw new UnmodelledReferenceException();
        var globals = new UInt128[_globalTypes.Length];
        for (int i = 0; i < globals.Length; i++)
        {
            ulong* cell = instance.GlobalCells[i];
            globals[i] = _globalTypes[i] switch
            {
                ValType.V128 => new UInt128(cell[1], cell[0]),
                ValType.FuncRef or ValType.ExternRef => (ulong)Ref((nint)cell[0]),
                ValType.I32 or ValType.F32 => (uint)cell[0],
                _ => cell[0],
            };
        }
        var tables = new IrTable[instance.Tables.Length];
        for (int t = 0; t < tables.Length; t++)
        {
            VmTableDefinition* def = instance.TableDefinitions[t];
            tables[t] = new IrTable(new Span<nint>(def->Elements, (int)def->Length).ToArray().Select(Ref).ToArray(), instance.Tables[t].MaximumElements);
        }
        return new IrInstanceState
        {
            Memory = instance.Memory?.Span.ToArray() ?? [],
            MaxPages = instance.Memory?.MaximumPages ?? 0,
            Globals = globals,
            Tables = tables,
            ElementSegments = [.. instance.ElementSegments.Select(e => e.Select(Ref).ToArray())],
            DataSegments = [.. instance.DataSegments.Select(d => d.ToArray())],
            FunctionTypes = _functionTypes,
        };
    }
}

/// <summary>A table or global holds a host reference, which the evaluator does not model.</summary>
internal sealed class UnmodelledReferenceException() : Exception("host reference in the instance state");
