using System.Runtime.InteropServices;

namespace Kiln.Vm;

/// <summary>
/// The native backing of a linear memory. The whole maximum is reserved as inaccessible address
/// space up front and pages are committed read-write as the memory grows, so the base never moves
/// and compiled code may cache it. Pages past the length stay inaccessible, which later lets guard
/// pages replace some bounds checks.
/// </summary>
internal sealed unsafe class LinearMemory : IDisposable
{
    private const ulong PageSize = 65536;

    private byte* _base;
    private readonly ulong _reservedBytes;

    public LinearMemory(uint initialPages, uint maximumPages)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            throw new PlatformNotSupportedException("Kiln's linear memory needs mmap (Linux, macOS, FreeBSD)");
        }
        MaximumPages = maximumPages;
        // Reserve at least one OS page so a zero-page memory still has a distinct, valid base.
        _reservedBytes = Math.Max((ulong)maximumPages * PageSize, 4096);
        nint p = NativeMethods.Mmap(0, (nuint)_reservedBytes, NativeMethods.ProtNone,
            NativeMethods.MapPrivate | NativeMethods.MapAnonymous | NativeMethods.MapNoReserve, -1, 0);
        if (p == NativeMethods.MapFailed || p == 0)
        {
            throw new ResourceLimitException($"cannot reserve {_reservedBytes} bytes of address space for a linear memory (errno {Marshal.GetLastPInvokeError()})");
        }
        _base = (byte*)p;
        Definition = (VmMemoryDefinition*)NativeMemory.AllocZeroed((nuint)sizeof(VmMemoryDefinition));
        Definition->Base = _base;
        Definition->Length = 0;
        if (initialPages > 0 && !TryGrow(initialPages, out _))
        {
            Dispose();
            throw new ResourceLimitException($"cannot commit {initialPages} pages of linear memory");
        }
    }

    public VmMemoryDefinition* Definition { get; private set; }

    public byte* Base => _base;

    public ulong Length => Definition->Length;

    public uint Pages => (uint)(Definition->Length / PageSize);

    public uint MaximumPages { get; }

    /// <summary>Spec 4.2.8 (grow): adds pages; false when the maximum (or the OS) refuses.</summary>
    public bool TryGrow(uint deltaPages, out uint previousPages)
    {
        previousPages = Pages;
        ulong newPages = (ulong)previousPages + deltaPages;
        if (newPages > MaximumPages)
        {
            return false;
        }
        if (deltaPages == 0)
        {
            return true;
        }
        ulong oldBytes = Definition->Length;
        ulong newBytes = newPages * PageSize;
        if (NativeMethods.Mprotect((nint)(_base + oldBytes), (nuint)(newBytes - oldBytes), NativeMethods.ProtRead | NativeMethods.ProtWrite) != 0)
        {
            return false;
        }
        Definition->Length = newBytes;
        return true;
    }

    public Span<byte> Span => new(_base, checked((int)Math.Min(Definition->Length, int.MaxValue)));

    public void Dispose()
    {
        if (_base != null)
        {
            NativeMethods.Munmap((nint)_base, (nuint)_reservedBytes);
            _base = null;
        }
        if (Definition != null)
        {
            NativeMemory.Free(Definition);
            Definition = null;
        }
    }
}
