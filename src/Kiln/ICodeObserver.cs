namespace Kiln;

/// <summary>
/// Told about machine code when it is installed, so profilers and debuggers can name it (perf map,
/// jitdump, the GDB JIT interface, unwind registration). Set <see cref="EngineOptions.CodeObserver"/>;
/// <see cref="OnCodeSealed"/> runs once per sealed batch (a module, or one lazily compiled function),
/// after the code is executable and before any of it runs, on the thread that compiled it; <see cref="OnCodeFreed"/>
/// once per such batch before it is unmapped.
/// </summary>
public interface ICodeObserver
{
    /// <summary>The functions and stubs of a batch just sealed; each symbol's range stays valid as long as the engine.</summary>
    void OnCodeSealed(IReadOnlyList<CodeSymbol> symbols);

    /// <summary>
    /// The symbols of one earlier <see cref="OnCodeSealed"/> call, whose batch is about to be unmapped: the code was
    /// replaced by <see cref="Tier.Auto"/>'s tier-up and no thread can run it any more, or the engine is being
    /// disposed. Runs before the pages go, on the thread that frees them.
    /// </summary>
    void OnCodeFreed(IReadOnlyList<CodeSymbol> symbols)
    {
    }
}
