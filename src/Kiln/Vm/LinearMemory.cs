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

    /// <summary>
    /// Most address space the linear memories of the process reserve together: 96 TiB of the 128 TiB a process has.
    /// Past it a new memory is refused with <see cref="ResourceLimitException"/> rather than reserved, because the
    /// .NET runtime's own next reservation (a GC region, a thread stack) would otherwise fail and abort the process:
    /// measured with about 30,000 memories of 4 GiB each. About 16,000 guarded memories fit.
    /// </summary>
    internal static ulong AddressSpaceBudget { get; set; } = 96UL << 40;

    /// <summary>
    /// Most linear memories the process keeps live: a quarter of the kernel's <c>vm.max_map_count</c> (16,382 of the
    /// default 65,530). A committed memory is two mappings (its pages and the rest of its reservation) and an
    /// interpreter store's value stack a third; the .NET runtime aborts the process when its own next mapping is
    /// refused, which about 21,800 interpreter stores caused before this limit (measured), so memories stop well short.
    /// </summary>
    internal static long MemoryCountBudget { get; set; } = ReadMaxMapCount() / 4;

    private static long s_reservedTotal;
    private static long s_liveMemories;
    [ThreadStatic] private static string? s_refusal;
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
        nint p = TryReserveWithinBudget(_reservedBytes);
        if (p == NativeMethods.MapFailed)
        {
            // Stores that were dropped without Dispose still hold their memories until their finalizers run: run
            // them, then try again once.
            Interlocked.Increment(ref s_reservationRetries);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            p = TryReserveWithinBudget(_reservedBytes);
        }
        if (p == NativeMethods.MapFailed)
        {
            throw new ResourceLimitException($"cannot reserve {_reservedBytes} bytes of address space for a linear memory " +
                $"({s_refusal}; {Volatile.Read(ref s_liveGuarded)} guarded memories and {Volatile.Read(ref s_reservedTotal) >> 30} GiB " +
                "of memory reservations are live: dispose stores that are done)");
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

    /// <summary>Address space all live memories hold, in bytes.</summary>
    public static long ReservedBytes => Volatile.Read(ref s_reservedTotal);

    // Reserves when the budget allows, else returns MapFailed and says why in s_refusal.
    private static nint TryReserveWithinBudget(ulong bytes)
    {
        if (Interlocked.Increment(ref s_liveMemories) > MemoryCountBudget)
        {
            Interlocked.Decrement(ref s_liveMemories);
            s_refusal = $"the process's budget of {MemoryCountBudget} live memories, a quarter of vm.max_map_count, is spent";
            return NativeMethods.MapFailed;
        }
        if ((ulong)Interlocked.Add(ref s_reservedTotal, (long)bytes) > AddressSpaceBudget)
        {
            Release(bytes);
            s_refusal = $"the process's budget of {AddressSpaceBudget >> 30} GiB of address space for memory reservations is spent";
            return NativeMethods.MapFailed;
        }
        nint p = Reserve(bytes);
        if (p == NativeMethods.MapFailed)
        {
            s_refusal = $"mmap: errno {Marshal.GetLastPInvokeError()}";
            Release(bytes);
        }
        return p;
    }

    private static void Release(ulong bytes)
    {
        Interlocked.Add(ref s_reservedTotal, -(long)bytes);
        Interlocked.Decrement(ref s_liveMemories);
    }

    private static long ReadMaxMapCount()
    {
        try
        {
            return long.Parse(File.ReadAllText("/proc/sys/vm/max_map_count").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return 65530; // Linux's default
        }
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
            Release(_reservedBytes);
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
