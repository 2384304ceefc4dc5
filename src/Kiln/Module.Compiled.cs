namespace Kiln;

/// <summary>What a compiling tier produced for the module, for listings, profilers and benchmarks.</summary>
public sealed partial class Module
{
    /// <summary>The compiled functions (<c>module!function</c>, address, size); empty on the interpreter tier, and in lazy mode only those compiled so far.</summary>
    public IReadOnlyList<CodeSymbol> CompiledFunctions => Code is { } c ? c.GetCompiledFunctions().ToList() : [];

    /// <summary>Time the compiler spent on this module's function bodies.</summary>
    public TimeSpan CompileTime => Code?.CompileTime ?? TimeSpan.Zero;

    /// <summary>CPU time the compiling thread spent on this module's function bodies (less noisy than <see cref="CompileTime"/> on a busy machine).</summary>
    public TimeSpan CompileCpuTime => Code?.CompileCpuTime ?? TimeSpan.Zero;

    /// <summary>Bytes of Wasm function bodies compiled to machine code.</summary>
    public long CompiledBodyBytes => Code?.BodyBytes ?? 0;

    /// <summary>
    /// A copy of the machine code of <paramref name="function"/> (one of <see cref="CompiledFunctions"/>). On
    /// <see cref="Tier.Auto"/> a function that moved up since the list was taken is no longer one of them (its old
    /// code may be freed): the call throws.
    /// </summary>
    public byte[] GetMachineCode(CodeSymbol function)
    {
        Compiled.ModuleCode b = Code ?? throw new InvalidOperationException("the interpreter tier produces no machine code");
        // Same range, whatever line table the caller's copy carries (observers get symbols with one).
        if (b.CopyCurrentCode(function) is { } code)
        {
            return code;
        }
        throw new ArgumentException($"{function.Name} is not a compiled function of this module", nameof(function));
    }
}
