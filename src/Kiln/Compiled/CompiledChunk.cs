using Kiln.Jit.Linking;
using Kiln.Jit.X64;

namespace Kiln.Compiled;

/// <summary>
/// The output of a compiling tier, before installation: the assembler's standalone output (machine code and
/// read-only data at offset 0, the relocations between them), the functions it holds and the trap sites of its unchecked memory accesses. Nothing in
/// it depends on the engine, the process or an instance (helpers, signature ids and callees are reached through
/// vmctx), so the same bytes could be installed at any address, in any engine, or stored in a code cache.
/// </summary>
internal sealed class CompiledChunk
{
    public CompiledChunk(AssembledCode assembled) => Assembled = assembled;

    public AssembledCode Assembled { get; }

    public byte[] Code => Assembled.Code;

    /// <summary>Constants the code addresses relative to itself (placed after the code by the installer).</summary>
    public byte[] ReadOnlyData => Assembled.ReadOnlyData;

    /// <summary>Offsets in <see cref="Code"/> or <see cref="ReadOnlyData"/> to fix once the final addresses are known.</summary>
    public Relocation[] Relocations => Assembled.Relocations;

    /// <summary>The Wasm functions of the chunk, in the order compiled.</summary>
    public List<CompiledFunction> Functions { get; } = [];

    /// <summary>Named stubs (trampolines, lazy stubs) for profilers and debuggers: name, start, end.</summary>
    public List<(string Name, int Start, int End)> Stubs { get; } = [];

    /// <summary>Code offsets of unchecked memory accesses (guard pages), ascending: a fault there is the out-of-bounds trap.</summary>
    public int[] TrapSites { get; init; } = [];

    /// <summary>Offset of the stub a fault at one of <see cref="TrapSites"/> resumes at; -1 when there are none.</summary>
    public int TrapRecovery { get; init; } = -1;

    /// <summary>CPU time the compiling thread spent on the chunk.</summary>
    public TimeSpan CpuTime { get; set; }

    /// <summary>call_indirect sites compiled to speculate on their profiled target (<see cref="CallSiteProfiles"/>).</summary>
    public int SpeculatedCallSites { get; init; }

    /// <summary>Executable address of <see cref="Code"/>'s byte 0, set by <see cref="CodeInstaller"/>.</summary>
    public nint Address { get; set; }
}

/// <summary>
/// One compiled function of a chunk: its defined index, its code range, where the installer writes its frame size
/// (a compiler that learns the frame size only at the end leaves a 4-byte field in the prologue; -1 when none), the
/// line table (code offset to bytecode offset, null when not recorded) and where its frame is set up and torn down.
/// <see cref="OsrLoop"/> is -1 for a function's entry, or, for an on-stack-replacement entry (<see cref="Tier.Auto"/>),
/// the module-wide number of the loop it enters (<see cref="Tiering.OsrLoops"/>).
/// </summary>
internal readonly record struct CompiledFunction(int DefinedIndex, int Start, int End, int FrameSizePatch, int FrameSize, CodeLine[]? Lines, CodeFrame? Frame)
{
    public int OsrLoop { get; init; } = -1;
}
