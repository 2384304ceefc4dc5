using System.Runtime.InteropServices;

namespace Kiln.Jit;

/// <summary>
/// Makes freshly written instructions visible to instruction fetch before their entry points are published
/// (step 4 of the W^X life cycle). x86-64 needs nothing; AArch64 needs a cache clean and invalidate. The
/// macOS (<c>sys_icache_invalidate</c>) and Windows (<c>FlushInstructionCache</c>) implementations would sit
/// behind the same call but are not written yet.
/// </summary>
internal interface IInstructionCache
{
    /// <summary>Flushes <paramref name="length"/> bytes of code at its executable address.</summary>
    void Flush(nint executableAddress, nuint length);
}

/// <summary>Chooses the <see cref="IInstructionCache"/> for the process architecture.</summary>
internal static class InstructionCache
{
    public static IInstructionCache ForCurrentProcess() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => X64InstructionCache.Instance,
        Architecture.Arm64 => Arm64InstructionCache.Instance,
        var other => throw new PlatformNotSupportedException(
            $"Kiln code memory supports x86-64 (built and tested) and AArch64 (written, not run); not {other}."),
    };
}
