using Kiln.Compiled;

namespace Kiln.Baseline;

/// <summary>The baseline tier as an <see cref="IFunctionCompiler"/>: a batch of functions in one assembler, as one chunk.</summary>
internal sealed partial class BaselineCompiler : IFunctionCompiler
{
    /// <summary>
    /// Compiles <paramref name="definedIndices"/> into one chunk: one assembler, so they share the trap stubs and the
    /// constant pool. The chunk owns copies of the code and data, so the compiler can be reused at once.
    /// </summary>
    public CompiledChunk Compile(ReadOnlySpan<int> definedIndices)
    {
        BeginBatch();
        // The compiler may be reused after a failed batch, which can leave sites behind.
        ResetTrapSites();
        var functions = new List<CompiledFunction>(definedIndices.Length);
        foreach (int i in definedIndices)
        {
            int start = CompileFunction(i, out int patch, out int frame);
            int end = _asm.Position;
            functions.Add(new CompiledFunction(i, start, end, patch, frame, TakeLines(end - start), LastFrame(end - start)));
        }
        EndBatch();
        int[] sites = TakeTrapSites(out int recovery);
        var chunk = new CompiledChunk(_asm.ToAssembledCode())
        {
            TrapSites = sites,
            TrapRecovery = recovery,
        };
        chunk.Functions.AddRange(functions);
        return chunk;
    }
}
