namespace Kiln.Compiled;

/// <summary>
/// What every compiling tier implements: turn validated function bodies into a tier-neutral
/// <see cref="CompiledChunk"/> that follows <see cref="CompiledAbi"/> and reaches the engine only through vmctx. The
/// runtime installs chunks with <see cref="CodeInstaller"/> and publishes them in the module's
/// <see cref="ModuleCode"/>, without knowing which tier produced them. The engine picks the implementation by
/// <see cref="Tier"/> (<see cref="Engine.CreateCompiler"/>). One instance is used by one thread at a time.
/// </summary>
internal interface IFunctionCompiler
{
    /// <summary>
    /// Compiles defined functions <paramref name="definedIndices"/> (ascending, none interpreted) into one chunk: they
    /// may share out-of-line stubs and a constant pool. Throws <see cref="UnsupportedFeatureException"/> for what the
    /// tier or the CPU cannot compile; a compiler stays usable after a failed call.
    /// </summary>
    CompiledChunk Compile(ReadOnlySpan<int> definedIndices);
}

/// <summary>What a compiler is given besides the bodies: the engine's choices that shape the code.</summary>
/// <param name="Spaces">The validated module's index spaces, shared by every tier (the only model a compiler ever sees).</param>
/// <param name="Interpreted">Per defined function: true when it runs on the interpreter (called through its slot, never the code table).</param>
/// <param name="ConsumeFuel">Count fuel at function entries and loop headers.</param>
/// <param name="InterruptChecks">Check the store's interrupt flag at function entries and loop headers.</param>
/// <param name="GuardPages">Leave memory bounds checks to guard pages (record trap sites instead).</param>
/// <param name="RecordsLines">Record a line table per function (someone observes the code).</param>
internal sealed record CompilerSetup(
    Kiln.FrontEnd.IndexSpaces Spaces,
    bool[] Interpreted,
    bool ConsumeFuel,
    bool InterruptChecks,
    bool GuardPages,
    bool RecordsLines)
{
    /// <summary><see cref="Tier.Auto"/>: the module's call_indirect profile entries (baseline code records, optimized code reads).</summary>
    public CallSiteProfiles? Profiles { get; init; }
}
