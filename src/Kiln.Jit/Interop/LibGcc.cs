using System.Runtime.InteropServices;

namespace Kiln.Jit.Interop;

/// <summary>
/// <c>__clear_cache</c> from libgcc_s, the portable way to make freshly written instructions visible to
/// instruction fetch on AArch64 (it cleans the data cache to the point of unification and invalidates
/// the instruction cache for the range). Only <see cref="Arm64InstructionCache"/> calls it.
/// </summary>
internal static partial class LibGcc
{
    [LibraryImport("libgcc_s.so.1", EntryPoint = "__clear_cache")]
    public static partial void ClearCache(nint start, nint end);
}
