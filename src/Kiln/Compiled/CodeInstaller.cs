using Kiln.Jit;
using Kiln.Jit.Linking;
using Kiln.Jit.Traps;

namespace Kiln.Compiled;

/// <summary>
/// Puts compiled chunks into the engine's code memory, read top to bottom as asmjit does it: size one batch exactly,
/// copy each chunk's code and read-only data through the writable view, apply its relocations and frame sizes, seal
/// once, register trap sites before any entry point is published, then tell the engine's code observer. Every tier's
/// output and every stub goes through here, so the W^X and trap-site rules live in one place.
/// </summary>
internal static class CodeInstaller
{
    /// <summary>The batch just sealed and the trap-site registrations tied to it (withdrawn before its pages are unmapped).</summary>
    public readonly record struct Installed(CodeBatch Batch, IReadOnlyList<TrapSiteRegistration> TrapSites);

    /// <summary>
    /// Installs <paramref name="chunks"/> as one batch and sets each chunk's <see cref="CompiledChunk.Address"/>.
    /// <paramref name="functionName"/> names a defined function for the observer; <paramref name="sourceFile"/> is the
    /// file its line tables refer to.
    /// </summary>
    public static unsafe Installed Install(Engine engine, IReadOnlyList<CompiledChunk> chunks, System.Func<int, string> functionName, string sourceFile)
    {
        // Exact capacities (items are 16-byte aligned), so the seal leaves no unused page behind.
        int codeCapacity = 0, dataCapacity = 0;
        foreach (CompiledChunk c in chunks)
        {
            if (c.Code.Length > 0)
            {
                codeCapacity = ((codeCapacity + 15) & ~15) + c.Code.Length;
            }
            if (c.Code.Length > 0 && c.ReadOnlyData.Length > 0)
            {
                dataCapacity = ((dataCapacity + 15) & ~15) + c.ReadOnlyData.Length;
            }
        }
        using CodeBatchBuilder builder = engine.CodeMemory.CreateBatch(codeCapacity, dataCapacity);
        var symbols = new List<CodeSymbol>();
        foreach (CompiledChunk c in chunks)
        {
            if (c.Code.Length == 0)
            {
                continue;
            }
            CodeItem codeItem = builder.AddFunction(c.Code);
            nint codeAddress = builder.GetExecutableAddress(codeItem);
            nint dataAddress = 0;
            Span<byte> writableData = default;
            if (c.ReadOnlyData.Length > 0)
            {
                CodeItem dataItem = builder.AddReadOnlyData(c.ReadOnlyData, 16);
                dataAddress = builder.GetExecutableAddress(dataItem);
                writableData = builder.GetWritableSpan(dataItem);
            }
            // W^X: code is only written through the writable view, before the batch is sealed.
            Span<byte> writableCode = builder.GetWritableSpan(codeItem);
            Relocator.Apply(writableCode, writableData, c.Relocations, new RelocationContext((ulong)codeAddress, (ulong)dataAddress, [], null));
            foreach (CompiledFunction f in c.Functions)
            {
                if (f.FrameSizePatch >= 0)
                {
                    BitConverter.TryWriteBytes(writableCode.Slice(f.FrameSizePatch, 4), f.FrameSize);
                }
                CodeLineTable? lines = f.Lines is null ? null : new CodeLineTable(sourceFile, f.Lines);
                // An on-stack-replacement entry is a second code range of its function (Tier.Auto).
                string name = f.OsrLoop >= 0 ? $"{functionName(f.DefinedIndex)}[osr{f.OsrLoop}]" : functionName(f.DefinedIndex);
                symbols.Add(new CodeSymbol(name, codeAddress + f.Start, f.End - f.Start, lines, f.Frame));
            }
            foreach ((string name, int start, int end) in c.Stubs)
            {
                symbols.Add(new CodeSymbol(name, codeAddress + start, end - start));
            }
            c.Address = codeAddress;
        }
        // One permission change for the whole batch: the code is never writable and executable at once.
        CodeBatch batch = builder.Seal();
        // Before any entry point is published: a fault at a site must find its range.
        var sites = new List<TrapSiteRegistration>();
        foreach (CompiledChunk c in chunks)
        {
            if (c.TrapSites.Length > 0)
            {
                sites.Add(TrapHandler.Register(batch, c.Address, c.Code.Length, c.TrapSites, c.Address + c.TrapRecovery));
            }
        }
        // The engine's observer: the embedder's own, behind perf map / jitdump / GDB registration when those are on.
        if (engine.CodeObserver is { } observer)
        {
            observer.OnCodeSealed(symbols);
            // Retired code is freed while the engine lives (Tier.Auto): GDB objects and unwind info go first.
            batch.DisposeBeforeFree(new FreedNotice(observer, symbols));
        }
        return new Installed(batch, sites);
    }

    /// <summary>Tells the observer, when the batch is freed, that the symbols it was told about are gone.</summary>
    private sealed class FreedNotice(ICodeObserver observer, IReadOnlyList<CodeSymbol> symbols) : IDisposable
    {
        public void Dispose() => observer.OnCodeFreed(symbols);
    }
}
