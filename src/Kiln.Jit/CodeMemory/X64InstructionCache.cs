namespace Kiln.Jit;

/// <summary>
/// The x86-64 flush, which is nothing: the instruction cache snoops stores (Intel SDM vol. 3, 11.6), and a
/// batch's code is published only after it was written, on pages no thread has executed, so no core can hold
/// stale instructions for it. The call stays so the life cycle reads the same on every architecture.
/// </summary>
internal sealed class X64InstructionCache : IInstructionCache
{
    public static readonly X64InstructionCache Instance = new();

    private X64InstructionCache()
    {
    }

    public void Flush(nint executableAddress, nuint length)
    {
    }
}
