namespace Kiln;

/// <summary>When the baseline tier compiles a module's functions.</summary>
public enum CompilationMode
{
    /// <summary>All functions when the module is created, as one batch.</summary>
    Eager,
    /// <summary>Each function on its first call: its slot starts at a stub that compiles it and installs the code.</summary>
    Lazy,
}
