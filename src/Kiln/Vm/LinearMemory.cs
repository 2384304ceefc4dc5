using System.Runtime.InteropServices;

namespace Kiln.Vm;

/// <summary>
/// The native backing of a linear memory. Address space is reserved inaccessible up front and pages are
/// committed read-write as the memory grows, so the base never moves and compiled code may cache it.
/// Without guard pages the reservation is the maximum; with them (<see cref="BoundsCheckStrategy.GuardPages"/>)
/// it is the whole 32-bit index space plus <see cref="GuardRegionBytes"/>, so any i32 index plus an offset
/// below the guard region lands inside the reservation and an access past the length faults instead of
/// reaching another mapping.
/// </summary>
internal sealed unsafe class LinearMemory : IDisposable
{
    private const ulong PageSize = 65536;

    /// <summary>Inaccessible space after the 4 GiB index space: accesses whose offset + size fit in it need no check.</summary>
    public const ulong GuardRegionBytes = 2UL << 30;

    /// <summary>What a guarded memory reserves: 4 GiB (every i32 index) plus the guard region.</summary>
    public const ulong GuardedReservationBytes = (4UL << 30) + GuardRegionBytes;

    private static long s_liveGuarded;
    private static long s_reservationRetries;

    private byte* _base;
    private readonly ulong _reservedBytes;
    private readonly bool _guarded;

    public LinearMemory(uint initialPages, uint maximumPages, bool guarded = false)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            throw new PlatformNotSupportedException("Kiln's linear memory needs mmap (Linux, macOS, FreeBSD)");
        }
        MaximumPages = maximumPages;
        _guarded = guarded;
        // Reserve at least one OS page so a zero-page memory still has a distinct, valid base.
        _reservedBytes = guarded ? GuardedReservationBytes : Math.Max((ulong)maximumPages * PageSize, 4096);
        nint p = Reserve(_reservedBytes);
        if (p == NativeMethods.MapFailed && guarded)
        {
            // 6 GiB a memory exhausts the 128 TiB address space after about 21,000 live memories. Stores that
            // were dropped without Dispose still hold theirs until their finalizers run: run them, then try again.
            Interlocked.Increment(ref s_reservationRetries);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            p = Reserve(_reservedBytes);
        }
        if (p == NativeMethods.MapFailed)
        {
            throw new ResourceLimitException($"cannot reserve {_reservedBytes} bytes of address space for a linear memory " +
                $"(errno {Marshal.GetLastPInvokeError()}; {Volatile.Read(ref s_liveGuarded)} guarded memories are live: dispose stores that are done)");
        }
        if (guarded)
        {
            Interlocked.Increment(ref s_liveGuarded);
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

    /// <summary>Guarded memories not yet disposed in this process (each holds <see cref="GuardedReservationBytes"/> of address space).</summary>
    public static long LiveGuardedReservations => Volatile.Read(ref s_liveGuarded);

    /// <summary>Guarded reservations that failed and were retried after running finalizers, in this process.</summary>
    public static long ReservationRetries => Volatile.Read(ref s_reservationRetries);

    public VmMemoryDefinition* Definition { get; private set; }

    /// <summary>True when the reservation covers the 32-bit index space and the guard region.</summary>
    public bool IsGuarded => _guarded;

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

    /// <summary>
    /// Whether this process may reserve a guarded memory at all (an address-space limit, RLIMIT_AS, can forbid
    /// 6 GiB): tried once with a reservation released at once. Null when it may, else why not.
    /// </summary>
    public static string? ProbeGuardedReservation()
    {
        ulong bytes = GuardedReservationBytes;
        nint p = Reserve(bytes);
        if (p == NativeMethods.MapFailed)
        {
            return $"cannot reserve {bytes >> 30} GiB of address space for a memory (errno {Marshal.GetLastPInvokeError()}; an address-space limit?)";
        }
        NativeMethods.Munmap(p, (nuint)bytes);
        return null;
    }

    private static nint Reserve(ulong bytes)
    {
        nint p = NativeMethods.Mmap(0, (nuint)bytes, NativeMethods.ProtNone,
            NativeMethods.MapPrivate | NativeMethods.MapAnonymous | NativeMethods.MapNoReserve, -1, 0);
        return p == 0 ? NativeMethods.MapFailed : p;
    }

    public Span<byte> Span => new(_base, checked((int)Math.Min(Definition->Length, int.MaxValue)));

    public void Dispose()
    {
        if (_base != null)
        {
            NativeMethods.Munmap((nint)_base, (nuint)_reservedBytes);
            _base = null;
            if (_guarded)
            {
                Interlocked.Decrement(ref s_liveGuarded);
            }
        }
        if (Definition != null)
        {
            NativeMemory.Free(Definition);
            Definition = null;
        }
    }
}
