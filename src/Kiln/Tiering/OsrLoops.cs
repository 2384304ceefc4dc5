using Kiln.Wasm.Model;

namespace Kiln.Tiering;

/// <summary>
/// The module-wide numbering of Wasm loops that on-stack replacement uses (<see cref="Tier.Auto"/>): the loops of
/// defined function <c>i</c> are numbered from <see cref="First"/>(i) in the order of
/// <see cref="FunctionBody.LoopOffsets"/> (bytecode order, as validation records them), so the baseline compiler, the
/// OSR data after the code table and the optimizing tier's OSR entries all name a loop by one integer.
/// </summary>
internal sealed class OsrLoops
{
    private readonly int[] _first;
    private readonly WasmModule _module;

    public OsrLoops(WasmModule module)
    {
        _module = module;
        int n = module.Bodies.Count;
        _first = new int[n + 1];
        for (int i = 0; i < n; i++)
        {
            _first[i + 1] = _first[i] + (module.Bodies[i].LoopOffsets?.Length ?? 0);
        }
    }

    /// <summary>Loops of all defined functions.</summary>
    public int Count => _first[^1];

    /// <summary>The number of defined function <paramref name="definedIndex"/>'s first loop.</summary>
    public int First(int definedIndex) => _first[definedIndex];

    /// <summary>The number of the loop at body byte offset <paramref name="offset"/> of the function, or -1 when validation did not record it.</summary>
    public int Find(int definedIndex, int offset)
    {
        int[]? offsets = _module.Bodies[definedIndex].LoopOffsets;
        int k = offsets is null ? -1 : Array.BinarySearch(offsets, offset);
        return k < 0 ? -1 : _first[definedIndex] + k;
    }

    /// <summary>The bytecode offset of loop <paramref name="loop"/> of defined function <paramref name="definedIndex"/>.</summary>
    public int Offset(int definedIndex, int loop) => _module.Bodies[definedIndex].LoopOffsets![loop - _first[definedIndex]];
}
