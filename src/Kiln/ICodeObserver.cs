namespace Kiln;

/// <summary>
/// Told about machine code when it is installed, so profilers and debuggers can name it (perf map,
/// jitdump, the GDB JIT interface, unwind registration). Set <see cref="EngineOptions.CodeObserver"/>;
/// <see cref="OnCodeSealed"/> runs once per sealed batch (a module, or one lazily compiled function),
/// after the code is executable and before any of it runs, on the thread that compiled it.
/// </summary>
public interface ICodeObserver
{
    /// <summary>The functions and stubs of a batch just sealed; each symbol's range stays valid as long as the engine.</summary>
    void OnCodeSealed(IReadOnlyList<CodeSymbol> symbols);
}

/// <summary>One named range of machine code: <c>module!function</c> (names from the name section), its address and size in bytes.</summary>
public readonly record struct CodeSymbol(string Name, nint Address, int Size);
