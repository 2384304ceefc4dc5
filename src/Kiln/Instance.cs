using System.Runtime.InteropServices;
using Kiln.Vm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln;

/// <summary>
/// An instantiated module: its functions, tables, memory and globals, and its native context block
/// (vmctx, laid out by <see cref="VmOffsets"/>) that compiled code reaches everything through. The
/// interpreter uses the same native tables, memories and global cells, so instances of any tier
/// can import from each other.
/// </summary>
public sealed unsafe partial class Instance
{
    private readonly Dictionary<string, Extern> _exports = new(StringComparer.Ordinal);

    private Instance(Store store, Module module)
    {
        Store = store;
        Module = module;
        WasmModule m = module.Model;
        Offsets = VmOffsets.For(m);
        Vmctx = (byte*)store.AllocateNative(Offsets.Size);
        GlobalCells = (ulong**)(Vmctx + Offsets.GlobalsStart);
        TableDefinitions = (VmTableDefinition**)(Vmctx + Offsets.TablesStart);
        FuncRefs = (VmFuncRef**)(Vmctx + Offsets.FuncRefsStart);
        Functions = new Func[m.TotalFunctionCount];
        Tables = new Table[Offsets.TableCount];
        Globals = new Global[Offsets.GlobalCount];
        ElementSegments = new nint[m.Elements.Count][];
        DataSegments = new ReadOnlyMemory<byte>[m.Data.Count];
    }

    public Store Store { get; }

    public Module Module { get; }

    /// <summary>Every export by name.</summary>
    public IReadOnlyDictionary<string, Extern> Exports => _exports.AsReadOnly();

    internal VmOffsets Offsets { get; }

    internal byte* Vmctx { get; }

    internal Func[] Functions { get; }

    internal Table[] Tables { get; }

    internal Global[] Globals { get; }

    internal Memory? Memory { get; private set; }

    internal byte* MemoryBase { get; private set; }

    internal VmMemoryDefinition* MemoryDefinition { get; private set; }

    /// <summary>vmctx's array of global cell pointers.</summary>
    internal ulong** GlobalCells { get; }

    /// <summary>vmctx's array of table definition pointers.</summary>
    internal VmTableDefinition** TableDefinitions { get; }

    /// <summary>vmctx's array of function reference pointers (what ref.func yields).</summary>
    internal VmFuncRef** FuncRefs { get; }

    /// <summary>Element segments as slot values; a dropped segment is empty.</summary>
    internal nint[][] ElementSegments { get; }

    /// <summary>Data segments; a dropped segment is empty.</summary>
    internal ReadOnlyMemory<byte>[] DataSegments { get; }

    public Extern? GetExport(string name) => _exports.GetValueOrDefault(name);

    public Func? GetFunction(string name) => _exports.GetValueOrDefault(name) as Func;

    public Memory? GetMemory(string name) => _exports.GetValueOrDefault(name) as Memory;

    public Table? GetTable(string name) => _exports.GetValueOrDefault(name) as Table;

    public Global? GetGlobal(string name) => _exports.GetValueOrDefault(name) as Global;

    /// <summary>The exported function <paramref name="name"/> of type [] -&gt; [] as a typed handle.</summary>
    public TypedAction GetAction(string name) => new(GetTypedExport(name, TypedAction.Signature));

    internal Func GetTypedExport(string name, FuncType signature)
    {
        foreach (ValType t in signature.Params.Concat(signature.Results))
        {
            if (t == 0)
            {
                throw new NotSupportedException("typed functions take int, uint, long, ulong, float, double, Func (funcref) or object (externref)");
            }
        }
        Func func = GetFunction(name) ?? throw new KeyNotFoundException($"no exported function \"{name}\"");
        if (!func.Type.Equals(signature))
        {
            throw new InvalidCastException($"export \"{name}\" has type {func.Type}, not {signature}");
        }
        return func;
    }

    /// <summary>
    /// Spec 4.5.4 instantiation, with imports already resolved in import order: check the import
    /// types, allocate everything, then apply active element segments, then active data segments
    /// (a trap stops there, leaving earlier writes to imported tables and memories in place),
    /// then run the start function.
    /// </summary>
    internal static Instance Instantiate(Store store, Module module, IReadOnlyList<Extern> imports)
    {
        store.ThrowIfDisposed();
        if (module.Engine != store.Engine)
        {
            throw new ArgumentException("the module was compiled by a different engine than the store's");
        }
        WasmModule m = module.Model;
        if (imports.Count != m.Imports.Count)
        {
            throw new ArgumentException($"the module has {m.Imports.Count} imports, {imports.Count} were given");
        }
        var instance = new Instance(store, module);
        instance.BindImports(imports);
        instance.AllocateDefinitions();
        instance.FillContext();
        instance.CollectExports();
        instance.InitializeSegments();
        if (m.StartFunction is { } start)
        {
            instance.Functions[start].Invoke(ReadOnlySpan<Value>.Empty, Span<Value>.Empty);
        }
        return instance;
    }

    private void BindImports(IReadOnlyList<Extern> imports)
    {
        WasmModule m = Module.Model;
        int functions = 0, tables = 0, globals = 0;
        for (int i = 0; i < imports.Count; i++)
        {
            Import import = m.Imports[i];
            Extern value = imports[i];
            if (value.Store != Store)
            {
                throw new LinkException("incompatible import type", import.Module, import.Name, "the value belongs to a different store");
            }
            switch (import.Kind)
            {
                case ExternKind.Function:
                {
                    FuncType expected = m.Types[(int)import.FunctionTypeIndex];
                    if (value is not Func f || !f.Type.Equals(expected))
                    {
                        throw LinkException.Incompatible(import.Module, import.Name, $"expected function {expected}, got {Describe(value)}");
                    }
                    Functions[functions++] = f;
                    break;
                }
                case ExternKind.Table:
                {
                    TableType expected = import.Table!;
                    if (value is not Table t || t.ElementType != expected.ElementType || !LimitsMatch(t.Size, t.Type.Limits.Max, expected.Limits))
                    {
                        throw LinkException.Incompatible(import.Module, import.Name, $"expected table {expected.ElementType.ToText()} {expected.Limits}, got {Describe(value)}");
                    }
                    Tables[tables++] = t;
                    break;
                }
                case ExternKind.Memory:
                {
                    MemoryType expected = import.Memory!;
                    if (value is not Memory mem || !LimitsMatch(mem.Pages, mem.Type.Limits.Max, expected.Limits))
                    {
                        throw LinkException.Incompatible(import.Module, import.Name, $"expected memory {expected.Limits}, got {Describe(value)}");
                    }
                    Memory = mem;
                    break;
                }
                case ExternKind.Global:
                {
                    GlobalType expected = import.Global!;
                    if (value is not Global g || g.Type != expected)
                    {
                        throw LinkException.Incompatible(import.Module, import.Name, $"expected global {(expected.Mutable ? "mut " : "")}{expected.ValueType.ToText()}, got {Describe(value)}");
                    }
                    Globals[globals++] = g;
                    break;
                }
                default:
                    throw new LinkException("incompatible import type", import.Module, import.Name, $"unknown import kind {import.Kind}");
            }
        }
    }

    // Spec 4.5.2 import matching (limits): the actual size is at least the declared minimum, and
    // when a maximum is declared the actual one exists and is no larger.
    private static bool LimitsMatch(uint actualMin, uint? actualMax, Limits expected) =>
        actualMin >= expected.Min && (expected.Max is not { } max || (actualMax is { } am && am <= max));

    private static string Describe(Extern value) => value switch
    {
        Func f => $"function {f.Type}",
        Table t => $"table {t.ElementType.ToText()} {t.Size} {t.Type.Limits.Max?.ToString() ?? ""}".TrimEnd(),
        Memory mem => $"memory {mem.Pages} {mem.Type.Limits.Max?.ToString() ?? ""}".TrimEnd(),
        Global g => $"global {(g.Type.Mutable ? "mut " : "")}{g.Type.ValueType.ToText()}",
        _ => value.GetType().Name,
    };

    private void AllocateDefinitions()
    {
        WasmModule m = Module.Model;
        if (Module.Code is { } code)
        {
            // Registered and read under the module's install lock: no code installed meanwhile is missed.
            Store.UsesModuleCode(code);
            code.Register(this, () => CreateFunctions(code));
        }
        else
        {
            CreateFunctions(null);
        }
        int importedTables = m.ImportedTableCount;
        for (int i = 0; i < m.Tables.Count; i++)
        {
            Tables[importedTables + i] = Table.CreateFromSlot(Store, m.Tables[i], 0);
        }
        if (m.Memories.Count > 0)
        {
            Memory = Memory.Create(Store, m.Memories[0]);
        }
        if (Memory is not null)
        {
            MemoryBase = Memory.Native.Base;
            MemoryDefinition = Memory.Definition;
        }
        int importedGlobals = m.ImportedGlobalCount;
        for (int i = 0; i < m.Globals.Count; i++)
        {
            // Spec 3.4.10: initializers may read imported globals (and earlier ones) only.
            V128 value = ConstEval.EvaluateCell(this, m.Globals[i].Init, importedGlobals + i);
            Globals[importedGlobals + i] = Global.CreateFromCell(Store, m.Globals[i].Type, value);
        }
    }

    private void CreateFunctions(Compiled.ModuleCode? code)
    {
        WasmModule m = Module.Model;
        int importedFunctions = m.ImportedFunctionCount;
        for (int i = 0; i < m.FunctionTypeIndices.Count; i++)
        {
            FuncType type = m.Types[(int)m.FunctionTypeIndices[i]];
            if (Module.Functions[i] is { } interpreted)
            {
                Functions[importedFunctions + i] = Func.CreateWasm(Store, type, this, interpreted);
            }
            else
            {
                string name = m.GetFunctionName(new FuncIndex((uint)(importedFunctions + i)));
                Functions[importedFunctions + i] = Func.CreateCompiled(Store, type, this, code!.GetEntry(i), code.GetTrampoline(m.FunctionTypeIndices[i]), name);
            }
        }
    }

    private void FillContext()
    {
        var header = (VmContextHeader*)Vmctx;
        header->Store = Store.Context;
        header->MemoryBase = MemoryBase;
        header->Memory = MemoryDefinition;
        header->InstanceHandle = Store.AllocateWeakHandle(this);
        // Compiled code reaches the runtime helpers, its module's code and the signature ids only through these,
        // so its bytes depend on neither the engine nor the process.
        header->HelperTable = (nint*)Compiled.HelperTable.Address;
        header->CodeTable = Module.Code is { } code ? code.CodeTable : null;
        var signatureIds = (int*)(Vmctx + Offsets.SignatureIdsStart);
        for (int t = 0; t < Offsets.TypeCount; t++)
        {
            signatureIds[t] = Module.SignatureIds[t];
        }
        for (int i = 0; i < Globals.Length; i++)
        {
            GlobalCells[i] = Globals[i].Cell;
        }
        for (int i = 0; i < Tables.Length; i++)
        {
            TableDefinitions[i] = Tables[i].Definition;
        }
        var slots = (VmFunctionSlot*)(Vmctx + Offsets.FunctionSlotsStart);
        for (int i = 0; i < Functions.Length; i++)
        {
            Func f = Functions[i];
            // Imported and interpreted functions are called through their slot. Compiled callers reach a defined
            // compiled function through the module's code table instead and never read its slot.
            slots[i].Code = f.FuncRef->Code;
            slots[i].Vmctx = f.FuncRef->Vmctx;
            FuncRefs[i] = f.FuncRef;
        }
        for (int i = 0; i < Module.Model.ImportedFunctionCount; i++)
        {
            // An imported function compiled by another module moves up there: its module rewrites this slot too, so
            // the slot never keeps code that is retired and freed (Tier.Auto).
            Func f = Functions[i];
            if (f.Instance is { Module.Code: { } owner } definer && !ReferenceEquals(definer, this))
            {
                owner.RegisterImporter(this, i, definer, f);
            }
        }
    }

    /// <summary>
    /// The module installed <paramref name="code"/> for function <paramref name="index"/> (a defined one): this
    /// instance's funcref and slot point at it from now on. Called by <see cref="Compiled.ModuleCode"/> under its
    /// install lock, possibly from another store's thread: each is one aligned pointer store, so a concurrent
    /// caller sees the old entry or the new one, both valid.
    /// </summary>
    /// <summary>
    /// The module of imported function <paramref name="index"/> installed <paramref name="code"/> for it: this
    /// instance's slot calls it from now on (under that module's install lock, like <see cref="SetEntry"/>).
    /// </summary>
    internal void SetImportEntry(int index, nint code)
    {
        var slot = (VmFunctionSlot*)(Vmctx + Offsets.FunctionSlot(index));
        Volatile.Write(ref slot->Code, code);
    }

    internal void SetEntry(int index, nint code)
    {
        if (Functions[index] is not { } f)
        {
            // Not created yet: the instance reads the entry when it creates the function, under the same lock.
            return;
        }
        Volatile.Write(ref f.FuncRef->Code, code);
        var slot = (VmFunctionSlot*)(Vmctx + Offsets.FunctionSlot(index));
        Volatile.Write(ref slot->Code, code);
    }

    private void CollectExports()
    {
        WasmModule m = Module.Model;
        foreach (Export e in m.Exports)
        {
            Extern value = e.Kind switch
            {
                ExternKind.Function => Functions[e.Index],
                ExternKind.Table => Tables[e.Index],
                ExternKind.Memory => Memory ?? throw new InternalErrorException("export of a missing memory"),
                ExternKind.Global => Globals[e.Index],
                _ => throw new InternalErrorException($"export kind {e.Kind}"),
            };
            _exports[e.Name] = value;
        }
    }

    private void InitializeSegments()
    {
        WasmModule m = Module.Model;
        for (int i = 0; i < m.Elements.Count; i++)
        {
            ElementSegment seg = m.Elements[i];
            var items = new nint[seg.Items.Count];
            for (int k = 0; k < items.Length; k++)
            {
                items[k] = (nint)ConstEval.Evaluate(this, seg.Items[k], Globals.Length);
            }
            ElementSegments[i] = items;
        }
        for (int i = 0; i < m.Data.Count; i++)
        {
            DataSegments[i] = m.Data[i].Bytes;
        }
        // Spec 4.5.4 steps 14-15 (2.0): active element segments in order, each followed by
        // elem.drop; declarative segments are dropped too.
        for (int i = 0; i < m.Elements.Count; i++)
        {
            ElementSegment seg = m.Elements[i];
            if (seg.Mode == SegmentMode.Active)
            {
                uint offset = (uint)ConstEval.Evaluate(this, seg.Offset!, Globals.Length);
                Interpreter.BulkOps.TableInit(Tables[seg.TableIndex].Definition, ElementSegments[i], offset, 0, (uint)ElementSegments[i].Length);
            }
            if (seg.Mode != SegmentMode.Passive)
            {
                ElementSegments[i] = [];
            }
        }
        for (int i = 0; i < m.Data.Count; i++)
        {
            DataSegment seg = m.Data[i];
            if (seg.Mode == SegmentMode.Active)
            {
                uint offset = (uint)ConstEval.Evaluate(this, seg.Offset!, Globals.Length);
                if (Memory is null)
                {
                    throw new InternalErrorException("active data segment without a memory");
                }
                Interpreter.BulkOps.MemoryInit(MemoryBase, MemoryDefinition->Length, seg.Bytes.Span, offset, 0, (uint)seg.Bytes.Length);
                DataSegments[i] = ReadOnlyMemory<byte>.Empty;
            }
        }
    }
}
