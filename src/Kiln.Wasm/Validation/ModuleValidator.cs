using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Wasm.Validation;

/// <summary>
/// Decides whether a decoded module is valid (spec chapter 3): the module-level rules here
/// (limits, constant expressions, segments, start function, exports), then every function body
/// through one reused <see cref="FunctionValidator"/>. Rules are checked in the reference
/// interpreter's order, and messages use the spec test suite's words.
/// </summary>
public static partial class ModuleValidator
{
    /// <summary>Validates <paramref name="module"/> and returns the context the tiers can reuse.</summary>
    /// <param name="module">The decoded module.</param>
    /// <param name="maxDegreeOfParallelism">
    /// Threads for the function bodies: 1 validates on the calling thread; null (the default) uses
    /// every core once the code is large enough to pay for it. The outcome, and which error is
    /// reported, never depend on it.
    /// </param>
    /// <exception cref="InvalidModuleException">A validation rule is broken.</exception>
    /// <exception cref="MalformedModuleException">A body or constant expression is not well encoded (found by its first full decode, here).</exception>
    public static ValidationContext Validate(WasmModule module, int? maxDegreeOfParallelism = null) =>
        Validate(module, null, maxDegreeOfParallelism);

    /// <summary>
    /// Validates <paramref name="module"/> as <see cref="Validate(WasmModule, int?)"/> does, except the bodies of the
    /// defined functions (by defined index) for which <paramref name="skipBody"/> returns true, which are not even
    /// decoded: for a runtime that holds code already compiled from those bodies under an integrity check (Kiln's
    /// code cache) and never reads them. Whatever reads a skipped body later must validate it first.
    /// </summary>
    public static ValidationContext ValidateExceptBodies(WasmModule module, Func<int, bool> skipBody, int? maxDegreeOfParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(skipBody);
        return Validate(module, skipBody, maxDegreeOfParallelism);
    }

    private static ValidationContext Validate(WasmModule module, Func<int, bool>? skipBody, int? maxDegreeOfParallelism)
    {
        // The binary reader guarantees this; a model built another way must too.
        if (module.FunctionTypeIndices.Count != module.Bodies.Count)
        {
            throw new MalformedModuleException("function and code section have inconsistent lengths", -1);
        }
        var context = new ValidationContext(module);
        ValidateImports(module);
        int tableIndex = context.TableCount - module.Tables.Count;
        int memoryIndex = context.MemoryCount - module.Memories.Count;
        foreach (Global global in module.Globals)
        {
            ValidateConstExpr(context, global.Init, global.Type.ValueType);
        }
        foreach (TableType table in module.Tables)
        {
            ValidateTableLimits(table.Limits, $"table {tableIndex++}");
        }
        foreach (MemoryType memory in module.Memories)
        {
            ValidateMemoryLimits(memory.Limits, $"memory {memoryIndex++}");
        }
        foreach (ElementSegment segment in module.Elements)
        {
            ValidateElement(context, segment);
        }
        foreach (DataSegment segment in module.Data)
        {
            ValidateData(context, segment);
        }
        ValidateBodies(context, skipBody, maxDegreeOfParallelism);
        ValidateStart(context, module.StartFunction);
        ValidateExports(context, module.Exports);
        // Spec 3.4.10 (2.0): at most one memory, imported or defined.
        if (context.MemoryCount > 1)
        {
            throw new InvalidModuleException("multiple memories", $"{context.MemoryCount} memories");
        }
        return context;
    }

    private static void ValidateImports(WasmModule module)
    {
        foreach (Import import in module.Imports)
        {
            switch (import.Kind)
            {
                case ExternKind.Table:
                    ValidateTableLimits(import.Table!.Limits, $"import {import.Module}.{import.Name}");
                    break;
                case ExternKind.Memory:
                    ValidateMemoryLimits(import.Memory!.Limits, $"import {import.Module}.{import.Name}");
                    break;
            }
        }
    }

    /// <summary>Spec 3.2.4: table sizes are u32 already; only min ≤ max remains.</summary>
    private static void ValidateTableLimits(Limits limits, string item)
    {
        if (limits.Max is { } max && limits.Min > max)
        {
            throw new InvalidModuleException("size minimum must not be greater than maximum", item);
        }
    }

    /// <summary>Spec 3.2.5: at most 65536 pages (4 GiB), then min ≤ max.</summary>
    private static void ValidateMemoryLimits(Limits limits, string item)
    {
        if (limits.Min > MemoryType.MaxPages || limits.Max > MemoryType.MaxPages)
        {
            throw new InvalidModuleException("memory size must be at most 65536 pages (4GiB)", item);
        }
        ValidateTableLimits(limits, item);
    }

    private static void ValidateElement(ValidationContext context, ElementSegment segment)
    {
        foreach (ConstExpr item in segment.Items)
        {
            ValidateConstExpr(context, item, segment.ElementType);
        }
        if (segment.Mode != SegmentMode.Active)
        {
            return;
        }
        int at = segment.Offset?.Offset ?? -1;
        if (segment.TableIndex >= (uint)context.TableCount)
        {
            throw new InvalidModuleException($"unknown table {segment.TableIndex}", at);
        }
        ValType table = context.GetTableType(segment.TableIndex);
        if (table != segment.ElementType)
        {
            throw new InvalidModuleException($"type mismatch: element segment of {segment.ElementType.ToText()} for a table of {table.ToText()}", at);
        }
        ValidateConstExpr(context, segment.Offset!, ValType.I32);
    }

    private static void ValidateData(ValidationContext context, DataSegment segment)
    {
        if (segment.Mode != SegmentMode.Active)
        {
            return;
        }
        if (segment.MemoryIndex >= (uint)context.MemoryCount)
        {
            throw new InvalidModuleException($"unknown memory {segment.MemoryIndex}", segment.Offset?.Offset ?? -1);
        }
        ValidateConstExpr(context, segment.Offset!, ValType.I32);
    }

    /// <summary>Spec 3.4.4: the start function takes and returns nothing.</summary>
    private static void ValidateStart(ValidationContext context, uint? start)
    {
        if (start is not { } index)
        {
            return;
        }
        if (index >= (uint)context.FunctionCount)
        {
            throw new InvalidModuleException($"unknown function {index}", "start function");
        }
        FuncType type = context.GetFunctionType(index);
        if (type.Params.Length != 0 || type.Results.Length != 0)
        {
            throw new InvalidModuleException("start function must not have parameters or results", $"function {index}: {type}");
        }
    }

    /// <summary>Spec 3.4.8 and 3.4.10: exports name existing things, under distinct names.</summary>
    private static void ValidateExports(ValidationContext context, List<Export> exports)
    {
        var names = new HashSet<string>(exports.Count, StringComparer.Ordinal);
        foreach (Export export in exports)
        {
            (int count, string kind) = export.Kind switch
            {
                ExternKind.Function => (context.FunctionCount, "function"),
                ExternKind.Table => (context.TableCount, "table"),
                ExternKind.Memory => (context.MemoryCount, "memory"),
                _ => (context.GlobalCount, "global"),
            };
            if (export.Index >= (uint)count)
            {
                throw new InvalidModuleException($"unknown {kind} {export.Index}", $"export \"{export.Name}\"");
            }
            if (!names.Add(export.Name))
            {
                throw new InvalidModuleException("duplicate export name", $"export \"{export.Name}\"");
            }
        }
    }

    /// <summary>
    /// Spec 3.3.10: a constant expression is a single constant, <c>ref.null</c>, <c>ref.func</c> or
    /// <c>global.get</c> of an imported immutable global (2.0), producing exactly <paramref name="expected"/>.
    /// </summary>
    public static void ValidateConstExpr(ValidationContext context, ConstExpr expr, ValType expected)
    {
        var reader = new InstructionReader(expr.Code.Span, expr.Offset);
        int depth = 0;
        ValType produced = default;
        while (!reader.AtEnd)
        {
            Instruction ins = reader.Read();
            ValType type;
            switch (ins.Opcode)
            {
                case Opcode.I32Const:
                    type = ValType.I32;
                    break;
                case Opcode.I64Const:
                    type = ValType.I64;
                    break;
                case Opcode.F32Const:
                    type = ValType.F32;
                    break;
                case Opcode.F64Const:
                    type = ValType.F64;
                    break;
                case Opcode.V128Const:
                    type = ValType.V128;
                    break;
                case Opcode.RefNull:
                    type = ins.Type;
                    break;
                case Opcode.RefFunc:
                    if (ins.Index >= (uint)context.FunctionCount)
                    {
                        throw new InvalidModuleException($"unknown function {ins.Index}", ins.Offset);
                    }
                    type = ValType.FuncRef;
                    break;
                case Opcode.GlobalGet:
                {
                    if (ins.Index >= (uint)context.ImportedGlobalCount)
                    {
                        throw new InvalidModuleException($"unknown global {ins.Index}", ins.Offset);
                    }
                    GlobalType global = context.GetGlobal(ins.Index);
                    if (global.Mutable)
                    {
                        throw new InvalidModuleException("constant expression required", ins.Offset);
                    }
                    type = global.ValueType;
                    break;
                }
                case Opcode.End:
                    if (depth != 1 || produced != expected)
                    {
                        string found = depth == 1 ? produced.ToText() : $"{depth} values";
                        throw new InvalidModuleException($"type mismatch: constant expression of {found} where {expected.ToText()} is expected", expr.Offset);
                    }
                    return;
                default:
                    throw new InvalidModuleException("constant expression required", ins.Offset);
            }
            depth++;
            produced = type;
        }
        throw new MalformedModuleException("END opcode expected", expr.Offset + expr.Code.Length);
    }
}
