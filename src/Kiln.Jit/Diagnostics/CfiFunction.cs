namespace Kiln.Jit.Diagnostics;

/// <summary>One function for the CFI generator: its address (absolute, or relative to the same origin as the section), length and frame.</summary>
internal readonly record struct CfiFunction(long Address, int Length, FrameLayout Frame);
