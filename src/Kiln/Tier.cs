namespace Kiln;

/// <summary>Which execution tier compiles a module's functions.</summary>
public enum Tier
{
    /// <summary>Pre-translated code run by a C# loop; no native code, the reference semantics.</summary>
    Interpreter,
    /// <summary>One-pass x86-64 compiler (not available yet).</summary>
    Baseline,
}
