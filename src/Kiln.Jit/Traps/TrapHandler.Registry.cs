using System.Runtime.InteropServices;

namespace Kiln.Jit.Traps;

/// <summary>
/// The trap-site tables. Writers (register, unregister) take a lock, build a complete new table, publish it with
/// one atomic pointer exchange and free the old one only after a grace period: the handler counts itself in
/// <see cref="State.Readers"/> (a locked increment, so it happens before its table load) and out again when it is
/// done, so once the writer has exchanged the pointer and then seen the count at zero, no handler on any thread
/// can still hold the old table. A range's site array is shared by every table that lists it and freed the same
/// way after the range is withdrawn.
/// </summary>
public static unsafe partial class TrapHandler
{
    private static readonly object s_registryLock = new();
    private static readonly List<TrapSiteRegistration> s_registrations = [];

    /// <summary>Registered ranges, for diagnostics and tests.</summary>
    public static int RegisteredRanges
    {
        get
        {
            lock (s_registryLock)
            {
                return s_registrations.Count;
            }
        }
    }

    /// <summary>
    /// Registers the code range [<paramref name="codeStart"/>, + <paramref name="codeLength"/>): a fault at exactly
    /// <c>codeStart + offset</c> for an offset in <paramref name="siteOffsets"/> (strictly increasing) resumes at
    /// <paramref name="recoveryAddress"/> with every register as it was at the fault. Installs the handler if needed.
    /// Dispose the registration before the code is freed (or use the <see cref="CodeBatch"/> overload, which does).
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">The handler cannot be installed here (the message says why).</exception>
    /// <exception cref="ArgumentException">Unsorted or out-of-range offsets, or a range that overlaps a registered one.</exception>
    public static TrapSiteRegistration Register(nint codeStart, int codeLength, ReadOnlySpan<int> siteOffsets, nint recoveryAddress)
    {
        if (!TryInstall(out string? failure))
        {
            throw new PlatformNotSupportedException(failure);
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(codeLength);
        if (codeStart == 0 || recoveryAddress == 0)
        {
            throw new ArgumentException("the code range and the recovery address must be real addresses");
        }
        for (int i = 0; i < siteOffsets.Length; i++)
        {
            // SECURITY: the handler's binary search is only exact on a sorted array, and a site outside the range
            // would redirect faults in someone else's code.
            if (siteOffsets[i] < 0 || siteOffsets[i] >= codeLength || (i > 0 && siteOffsets[i] <= siteOffsets[i - 1]))
            {
                throw new ArgumentException($"site offset {siteOffsets[i]} at {i} is outside [0, {codeLength}) or not above the previous one", nameof(siteOffsets));
            }
        }
        int* sites = (int*)NativeMemory.Alloc((nuint)Math.Max(siteOffsets.Length, 1), sizeof(int));
        siteOffsets.CopyTo(new Span<int>(sites, siteOffsets.Length));
        var registration = new TrapSiteRegistration(codeStart, codeLength, sites, siteOffsets.Length, recoveryAddress);
        lock (s_registryLock)
        {
            int at = 0;
            while (at < s_registrations.Count && s_registrations[at].CodeStart < codeStart)
            {
                at++;
            }
            bool overlapsBefore = at > 0 && s_registrations[at - 1].CodeEnd > codeStart;
            bool overlapsAfter = at < s_registrations.Count && s_registrations[at].CodeStart < registration.CodeEnd;
            if (overlapsBefore || overlapsAfter)
            {
                NativeMemory.Free(sites);
                throw new ArgumentException($"the range 0x{codeStart:x}+{codeLength} overlaps a registered range");
            }
            s_registrations.Insert(at, registration);
            PublishLocked();
        }
        return registration;
    }

    /// <summary>
    /// Registers a range inside <paramref name="batch"/>'s code and ties it to the batch: it is withdrawn before the
    /// batch's pages are unmapped, so a later mapping at the same address can never be mistaken for it.
    /// </summary>
    public static TrapSiteRegistration Register(CodeBatch batch, nint codeStart, int codeLength, ReadOnlySpan<int> siteOffsets, nint recoveryAddress)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(batch.IsDisposed, batch);
        nint end = batch.CodeAddress + batch.CodeBytes;
        if (codeStart < batch.CodeAddress || codeLength <= 0 || codeStart + codeLength > end || recoveryAddress < batch.CodeAddress || recoveryAddress >= end)
        {
            throw new ArgumentException("the range and its recovery address must lie inside the batch's code");
        }
        TrapSiteRegistration registration = Register(codeStart, codeLength, siteOffsets, recoveryAddress);
        try
        {
            batch.DisposeBeforeFree(registration);
        }
        catch
        {
            registration.Dispose();
            throw;
        }
        return registration;
    }

    internal static void Unregister(TrapSiteRegistration registration)
    {
        lock (s_registryLock)
        {
            if (!s_registrations.Remove(registration))
            {
                return;
            }
            PublishLocked();
            // After the grace period in PublishLocked no table the handler can see lists the range any more.
            NativeMemory.Free(registration.Sites);
        }
    }

    /// <summary>Publishes a table of the current registrations and frees the previous one after the grace period.</summary>
    private static void PublishLocked()
    {
        TableHeader* table = null;
        if (s_registrations.Count > 0)
        {
            table = (TableHeader*)NativeMemory.Alloc((nuint)(sizeof(TableHeader) + (s_registrations.Count * sizeof(TrapRange))));
            table->Count = s_registrations.Count;
            var ranges = (TrapRange*)(table + 1);
            for (int i = 0; i < s_registrations.Count; i++)
            {
                TrapSiteRegistration r = s_registrations[i];
                ranges[i] = new TrapRange { Start = r.CodeStart, End = r.CodeEnd, Sites = r.Sites, SiteCount = r.SiteCount, Recovery = r.RecoveryAddress };
            }
        }
        nint old = Interlocked.Exchange(ref s_state->Table, (nint)table);
        WaitForReaders();
        if (old != 0)
        {
            NativeMemory.Free((void*)old);
        }
    }

    /// <summary>
    /// The grace period: the exchange above is a full barrier, so a handler that has not yet counted itself in will
    /// load the new table; one that has is visible here and is waited for. Handlers take well under a microsecond.
    /// </summary>
    private static void WaitForReaders()
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref s_state->Readers) != 0)
        {
            spin.SpinOnce();
        }
    }
}
