using Kiln.Vm;
using Kiln.Wasm.Model;
using Kiln.Wasm.Validation;

namespace Kiln.FrontEnd;

/// <summary>
/// A module's index spaces as every tier reads them while it walks a body: the type of each function by function
/// index, each global's value type, each table's element type, whether there is a memory, imports first as the spec
/// numbers them (2.5.1). Resolved once per module from the <see cref="ValidationContext"/>, so the per-instruction
/// path is an array lookup and no tier builds its own copy.
/// </summary>
/// <remarks>
/// The arrays are handed out as they are for the tiers' hot paths; SECURITY: callers only read them (they are never
/// exposed outside the runtime), so the facts a tier compiles against are the validated ones.
/// </remarks>
internal sealed class IndexSpaces
{
    /// <summary>One-element type arrays by type code, for the block types <c>(result t)</c>.</summary>
    private static readonly ValType[][] s_singles = BuildSingles();

    public IndexSpaces(ValidationContext context)
    {
        Context = context;
        Module = context.Module;
        ImportedFunctionCount = context.ImportedFunctionCount;
        FunctionTypes = new FuncType[context.FunctionCount];
        for (int i = 0; i < FunctionTypes.Length; i++)
        {
            FunctionTypes[i] = context.GetFunctionType((uint)i);
        }
        GlobalTypes = new ValType[context.GlobalCount];
        for (int i = 0; i < GlobalTypes.Length; i++)
        {
            GlobalTypes[i] = context.GetGlobal((uint)i).ValueType;
        }
        TableElementTypes = new ValType[context.TableCount];
        for (int i = 0; i < TableElementTypes.Length; i++)
        {
            TableElementTypes[i] = context.GetTableType((uint)i);
        }
        HasMemory = context.MemoryCount > 0;
    }

    public ValidationContext Context { get; }

    public WasmModule Module { get; }

    /// <summary>Functions before the first defined one in the function index space.</summary>
    public int ImportedFunctionCount { get; }

    /// <summary>The signature of every function by function index (imports first). Read only.</summary>
    public FuncType[] FunctionTypes { get; }

    /// <summary>The value type of every global by global index (imports first). Read only.</summary>
    public ValType[] GlobalTypes { get; }

    /// <summary>The element type of every table by table index (imports first). Read only.</summary>
    public ValType[] TableElementTypes { get; }

    /// <summary>Whether the module imports or defines a memory (at most one in 2.0).</summary>
    public bool HasMemory { get; }

    /// <summary>The signature of defined function <paramref name="definedIndex"/> (counted after the imports).</summary>
    public FuncType DefinedFunctionType(int definedIndex) => FunctionTypes[ImportedFunctionCount + definedIndex];

    /// <summary>Parameters plus declared locals of defined function <paramref name="definedIndex"/>: what a tier checks against its limit before <see cref="LocalTypes"/>.</summary>
    public long LocalCount(int definedIndex) => DefinedFunctionType(definedIndex).Params.Length + Module.Bodies[definedIndex].LocalCount;

    /// <summary>
    /// Writes the type of every local of defined function <paramref name="definedIndex"/> (parameters first, then the
    /// declared locals) into <paramref name="buffer"/>, growing it when it is too small; returns the count.
    /// </summary>
    /// <exception cref="InternalErrorException">More than <see cref="int.MaxValue"/> locals: the tier should have refused the function by <see cref="LocalCount"/>.</exception>
    public int LocalTypes(int definedIndex, ref ValType[] buffer)
    {
        FuncType type = DefinedFunctionType(definedIndex);
        LocalGroup[] groups = Module.Bodies[definedIndex].Locals;
        long total = type.Params.Length;
        foreach (LocalGroup g in groups)
        {
            total += g.Count;
        }
        if (total > Array.MaxLength)
        {
            throw new InternalErrorException($"function {ImportedFunctionCount + definedIndex} has {total} locals");
        }
        int count = (int)total;
        if (buffer.Length < count)
        {
            buffer = new ValType[Math.Max(count, buffer.Length * 2)];
        }
        type.Params.CopyTo(buffer, 0);
        int k = type.Params.Length;
        foreach (LocalGroup g in groups)
        {
            buffer.AsSpan(k, (int)g.Count).Fill(g.Type);
            k += (int)g.Count;
        }
        return count;
    }

    /// <summary>
    /// A block type as its parameter and result types (spec 3.2.2: empty, one value type, or a type index). The
    /// arrays are shared (the function type's own, or one per value type), so nothing is allocated; callers only read them.
    /// </summary>
    public void BlockTypes(BlockType bt, out ValType[] parameters, out ValType[] results)
    {
        if (bt.IsEmpty)
        {
            parameters = [];
            results = [];
        }
        else if (bt.IsValue)
        {
            parameters = [];
            results = s_singles[(byte)bt.ValueType];
        }
        else
        {
            FuncType t = Module.Types[(int)bt.TypeIndex];
            parameters = t.Params.ReadOnlyArray();
            results = t.Results.ReadOnlyArray();
        }
    }

    private static ValType[][] BuildSingles()
    {
        var singles = new ValType[256][];
        for (int i = 0; i < singles.Length; i++)
        {
            singles[i] = [(ValType)i];
        }
        return singles;
    }
}
