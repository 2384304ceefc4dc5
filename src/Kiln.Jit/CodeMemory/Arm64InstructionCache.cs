using Kiln.Jit.Interop;

namespace Kiln.Jit;

/// <summary>
/// The AArch64 flush: <c>__clear_cache</c> from libgcc_s cleans the data cache to the point of unification and
/// invalidates the instruction cache over the range (AArch64 caches are not coherent for instruction fetch).
/// It is given the executable address; the data cache is physically tagged, so the clean reaches the lines
/// written through a dual-mapping's other view. Written for Linux on AArch64 but NOT run here: Kiln is built
/// and tested on x86-64 only, so treat this path as untested until an AArch64 CI machine runs the tests.
/// </summary>
internal sealed class Arm64InstructionCache : IInstructionCache
{
    public static readonly Arm64InstructionCache Instance = new();

    private Arm64InstructionCache()
    {
    }

    public void Flush(nint executableAddress, nuint length)
    {
        if (length != 0)
        {
            LibGcc.ClearCache(executableAddress, executableAddress + (nint)length);
        }
    }
}
