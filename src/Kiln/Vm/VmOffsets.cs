namespace Kiln.Vm;

/// <summary>
/// The one definition of the instance context (vmctx) layout. Every tier reads field positions from
/// here: a fixed <see cref="VmContextHeader"/>, then one pointer per global (to its 16-byte cell), one
/// pointer per table (to its <see cref="VmTableDefinition"/>), one <see cref="VmFunctionSlot"/> per
/// function index, one <see cref="VmFuncRef"/> pointer per function index, and one 4-byte signature id per type
/// index of the module (what <c>call_indirect</c> compares, so no engine-wide id is baked into code).
/// </summary>
internal sealed class VmOffsets
{
    public const int StoreContext = 0;
    public const int MemoryBase = 8;
    public const int MemoryDefinition = 16;
    public const int InstanceHandle = 24;
    /// <summary>The process-wide table of runtime helper entry points (<c>Compiled.HelperTable</c>).</summary>
    public const int HelperTable = 32;
    /// <summary>The module's code table: one code pointer per defined function, shared by all its instances.</summary>
    public const int CodeTable = 40;
    public const int HeaderSize = 48;

    public const int StoreFuel = 0;
    public const int StoreInterrupt = 8;
    /// <summary>
    /// Byte 1 of the interrupt word: the on-stack-replacement poll (<see cref="Tier.Auto"/>). The interrupt itself is
    /// byte 0, which every interrupt check reads alone; only baseline loop headers with an OSR path compare the whole
    /// word, so a poll diverts them into that path and costs the hot path nothing.
    /// </summary>
    public const int StoreOsrPoll = 9;
    public const int StoreTrapCode = 12;
    public const int StoreStackLimit = 16;
    public const int StorePendingException = 24;
    public const int StoreEntryStackPointer = 32;
    public const int StoreContextSize = 40;

    public const int MemoryDefinitionBase = 0;
    public const int MemoryDefinitionLength = 8;
    public const int MemoryDefinitionSize = 16;

    public const int TableDefinitionElements = 0;
    public const int TableDefinitionLength = 8;
    public const int TableDefinitionSize = 16;

    public const int FunctionSlotCode = 0;
    public const int FunctionSlotVmctx = 8;
    public const int FunctionSlotSize = 16;

    public const int FuncRefCode = 0;
    public const int FuncRefVmctx = 8;
    public const int FuncRefTypeId = 16;
    public const int FuncRefFuncId = 20;
    public const int FuncRefSize = 24;

    /// <summary>Size of a global's cell: room for a v128.</summary>
    public const int GlobalCellSize = 16;

    public VmOffsets(int globalCount, int tableCount, int functionCount, int typeCount)
    {
        GlobalCount = globalCount;
        TableCount = tableCount;
        FunctionCount = functionCount;
        TypeCount = typeCount;
        GlobalsStart = HeaderSize;
        TablesStart = GlobalsStart + (8 * globalCount);
        FunctionSlotsStart = TablesStart + (8 * tableCount);
        FuncRefsStart = FunctionSlotsStart + (FunctionSlotSize * functionCount);
        SignatureIdsStart = FuncRefsStart + (8 * functionCount);
        Size = SignatureIdsStart + (4 * typeCount);
    }

    /// <summary>The layout of <paramref name="module"/>'s instances.</summary>
    public static VmOffsets For(Kiln.Wasm.Model.WasmModule module) =>
        new(module.ImportedGlobalCount + module.Globals.Count, module.ImportedTableCount + module.Tables.Count, module.TotalFunctionCount, module.Types.Count);

    public int GlobalCount { get; }

    public int TableCount { get; }

    public int FunctionCount { get; }

    public int TypeCount { get; }

    public int GlobalsStart { get; }

    public int TablesStart { get; }

    public int FunctionSlotsStart { get; }

    public int FuncRefsStart { get; }

    public int SignatureIdsStart { get; }

    /// <summary>Total size of the context block in bytes.</summary>
    public int Size { get; }

    /// <summary>Offset of the pointer to global <paramref name="index"/>'s cell.</summary>
    public int Global(int index) => GlobalsStart + (8 * index);

    /// <summary>Offset of the pointer to table <paramref name="index"/>'s definition.</summary>
    public int Table(int index) => TablesStart + (8 * index);

    public int FunctionSlot(int index) => FunctionSlotsStart + (FunctionSlotSize * index);

    public int FuncRef(int index) => FuncRefsStart + (8 * index);

    /// <summary>Offset of the 4-byte signature id of type index <paramref name="typeIndex"/>, filled at instantiation from the engine's registry.</summary>
    public int SignatureId(int typeIndex) => SignatureIdsStart + (4 * typeIndex);
}
