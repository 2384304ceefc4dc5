using System.Runtime.InteropServices;

namespace Kiln.Jit.Interop;

/// <summary>
/// Entry points of libgcc_s: <c>__clear_cache</c>, the portable way to make freshly written instructions visible to
/// instruction fetch on AArch64 (only <see cref="Arm64InstructionCache"/> calls it), and
/// <c>__register_frame</c>/<c>__deregister_frame</c>, which add a whole <c>.eh_frame</c> (ending in a zero word) to
/// the unwinder that glibc's <c>backtrace</c> and C++ exceptions use.
/// </summary>
internal static partial class LibGcc
{
    private const string Library = "libgcc_s.so.1";

    [LibraryImport(Library, EntryPoint = "__clear_cache")]
    public static partial void ClearCache(nint start, nint end);

    [LibraryImport(Library, EntryPoint = "__register_frame")]
    public static partial void RegisterFrame(nint ehFrame);

    [LibraryImport(Library, EntryPoint = "__deregister_frame")]
    public static partial void DeregisterFrame(nint ehFrame);
}
