using Kiln.Jit.X64;

namespace Kiln.Jit.Diagnostics;

/// <summary>A callee-saved register stored by a prologue: where the save ends and where, below the CFA, the value lies.</summary>
public readonly record struct SavedRegister(Gpr Register, int AfterSave, int CfaOffset);
