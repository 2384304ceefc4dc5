namespace Kiln.Wasm.Model;

/// <summary>
/// A decoded WebAssembly 2.0 module, the same whether it came from the binary reader or the text
/// parser. It holds structure only; function bodies and constant expressions stay encoded and are
/// read with <see cref="Binary.InstructionReader"/>. A model is not known valid until
/// <see cref="Validation.ModuleValidator"/> accepts it.
/// </summary>
public sealed partial class WasmModule
{
    public List<FuncType> Types { get; } = [];

    public List<Import> Imports { get; } = [];

    /// <summary>Type index of each defined (not imported) function, in order.</summary>
    public List<uint> FunctionTypeIndices { get; } = [];

    /// <summary>Defined tables (imported ones are in <see cref="Imports"/>).</summary>
    public List<TableType> Tables { get; } = [];

    public List<MemoryType> Memories { get; } = [];

    public List<Global> Globals { get; } = [];

    public List<Export> Exports { get; } = [];

    public uint? StartFunction { get; set; }

    public List<ElementSegment> Elements { get; } = [];

    /// <summary>The data count section's value, when present (required by memory.init/data.drop).</summary>
    public uint? DataCount { get; set; }

    /// <summary>Bodies of the defined functions, parallel to <see cref="FunctionTypeIndices"/>.</summary>
    public List<FunctionBody> Bodies { get; } = [];

    public List<DataSegment> Data { get; } = [];

    public NameSection Names { get; } = new();

    public List<CustomSection> CustomSections { get; } = [];

    public int ImportedFunctionCount => CountImports(ExternKind.Function);

    public int ImportedTableCount => CountImports(ExternKind.Table);

    public int ImportedMemoryCount => CountImports(ExternKind.Memory);

    public int ImportedGlobalCount => CountImports(ExternKind.Global);

    public int TotalFunctionCount => ImportedFunctionCount + FunctionTypeIndices.Count;

    /// <summary>The type index of any function in the function index space.</summary>
    public uint GetFunctionTypeIndex(FuncIndex index)
    {
        uint i = index.Value;
        foreach (Import import in Imports)
        {
            if (import.Kind != ExternKind.Function)
            {
                continue;
            }
            if (i == 0)
            {
                return import.FunctionTypeIndex;
            }
            i--;
        }
        return FunctionTypeIndices[checked((int)i)];
    }

    public FuncType GetFunctionType(FuncIndex index) => Types[checked((int)GetFunctionTypeIndex(index))];

    /// <summary>The name of a function for backtraces: the name section's, else <c>func[N]</c>.</summary>
    public string GetFunctionName(FuncIndex index) =>
        Names.FunctionNames.TryGetValue(index.Value, out string? name) ? name : $"func[{index.Value}]";

    private int CountImports(ExternKind kind)
    {
        int n = 0;
        foreach (Import import in Imports)
        {
            if (import.Kind == kind)
            {
                n++;
            }
        }
        return n;
    }
}
