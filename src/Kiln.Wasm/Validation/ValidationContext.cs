using Kiln.Wasm.Model;

namespace Kiln.Wasm.Validation;

/// <summary>
/// The spec's context C (3.1.1) for one module: the types of every function, table, memory,
/// global and segment in its index space, flattened into arrays once so that checking an
/// instruction is an array lookup. The tiers reuse it for the same facts when they translate.
/// </summary>
public sealed class ValidationContext
{
    private readonly FuncType[] _functionTypes;
    private readonly ValType[] _tableTypes;
    private readonly GlobalType[] _globals;
    private readonly ValType[] _elementTypes;
    private readonly bool[] _declaredFunctions;

    /// <exception cref="InvalidModuleException">A function refers to an unknown type.</exception>
    public ValidationContext(WasmModule module)
    {
        Module = module;
        int functionCount = module.TotalFunctionCount;
        _functionTypes = new FuncType[functionCount];
        var tables = new List<ValType>(module.Tables.Count + 1);
        var globals = new List<GlobalType>(module.Globals.Count + 4);
        int f = 0;
        foreach (Import import in module.Imports)
        {
            switch (import.Kind)
            {
                case ExternKind.Function:
                    _functionTypes[f] = LookUpType(import.FunctionTypeIndex, f);
                    f++;
                    break;
                case ExternKind.Table:
                    tables.Add(Require(import.Table).ElementType);
                    break;
                case ExternKind.Memory:
                    MemoryCount++;
                    break;
                case ExternKind.Global:
                    globals.Add(Require(import.Global));
                    break;
            }
        }
        ImportedGlobalCount = globals.Count;
        ImportedFunctionCount = f;
        foreach (uint typeIndex in module.FunctionTypeIndices)
        {
            _functionTypes[f] = LookUpType(typeIndex, f);
            f++;
        }
        foreach (TableType table in module.Tables)
        {
            tables.Add(table.ElementType);
        }
        MemoryCount += module.Memories.Count;
        foreach (Global global in module.Globals)
        {
            globals.Add(global.Type);
        }
        _tableTypes = [.. tables];
        _globals = [.. globals];
        _elementTypes = new ValType[module.Elements.Count];
        for (int i = 0; i < _elementTypes.Length; i++)
        {
            _elementTypes[i] = module.Elements[i].ElementType;
        }
        _declaredFunctions = new bool[functionCount];
        DeclaredReferences.Collect(module, _declaredFunctions);
    }

    public WasmModule Module { get; }

    public int FunctionCount => _functionTypes.Length;

    /// <summary>Functions before the first defined one in the function index space.</summary>
    public int ImportedFunctionCount { get; }

    public int TableCount => _tableTypes.Length;

    /// <summary>Imported plus defined memories (at most one in a valid 2.0 module).</summary>
    public int MemoryCount { get; }

    public int GlobalCount => _globals.Length;

    /// <summary>Globals a constant expression may read (spec 3.4.10: the imported ones, in 2.0).</summary>
    public int ImportedGlobalCount { get; }

    public int ElementCount => _elementTypes.Length;

    /// <summary>The data count section's value; null when the section is absent.</summary>
    public uint? DataCount => Module.DataCount;

    public IReadOnlyList<FuncType> Types => Module.Types;

    public FuncType GetFunctionType(uint functionIndex) => _functionTypes[functionIndex];

    public ValType GetTableType(uint tableIndex) => _tableTypes[tableIndex];

    public GlobalType GetGlobal(uint globalIndex) => _globals[globalIndex];

    public ValType GetElementType(uint elementIndex) => _elementTypes[elementIndex];

    /// <summary>Spec 3.4.10 (C.refs): may <c>ref.func</c> name this function inside a body?</summary>
    public bool IsDeclaredFunction(uint functionIndex) => functionIndex < (uint)_declaredFunctions.Length && _declaredFunctions[functionIndex];

    private FuncType LookUpType(uint index, int function)
    {
        if (index >= (uint)Module.Types.Count)
        {
            throw new InvalidModuleException($"unknown type {index}", $"type of function {function}");
        }
        return Module.Types[(int)index];
    }

    private static T Require<T>(T? descriptor)
        where T : class =>
        descriptor ?? throw new ArgumentException("an import lacks the descriptor of its kind");
}
