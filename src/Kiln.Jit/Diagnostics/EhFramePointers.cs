namespace Kiln.Jit.Diagnostics;

/// <summary>How the FDEs of an <c>.eh_frame</c> give their function's address.</summary>
internal enum EhFramePointers
{
    /// <summary>
    /// <c>DW_EH_PE_absptr</c>: 8-byte absolute addresses. For <c>__register_frame</c> and the GDB objects, whose
    /// <c>.eh_frame</c> lives on the native heap, possibly more than 2 GiB away from the code.
    /// </summary>
    Absolute,

    /// <summary>
    /// <c>DW_EH_PE_pcrel|DW_EH_PE_sdata4</c>: 4-byte offsets from the field itself, for the ELF files perf inject
    /// writes, where the section sits right after the code.
    /// </summary>
    PcRelative,
}
