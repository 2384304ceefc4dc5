using System.Buffers.Binary;
using Kiln.Wasi.Abi;
using Kiln.Wasi.Native;

namespace Kiln.Wasi;

// poll_oneoff: clock subscriptions (sleeps) and descriptor readiness.
public sealed unsafe partial class WasiContext
{
    private struct Subscription
    {
        public ulong UserData;
        public byte Type;
        public Errno Error;
        public long DeadlineNs; // monotonic, for clocks
        public uint Fd;
        public FdEntry? Entry;
        public bool Ready;
        public ulong NBytes;
        public ushort Flags;
    }

    /// <summary>
    /// Spec poll_oneoff: waits until at least one subscription is ready and writes one 32-byte event
    /// per ready subscription. Clocks become deadlines on the monotonic clock; host descriptors are
    /// polled with poll(2); regular files and the embedder's streams are always ready.
    /// </summary>
    internal Errno PollOneoff(GuestMemory memory, uint inPtr, uint outPtr, uint count, uint neventsPtr)
    {
        WasiErrnoException.ThrowIf(count == 0, Errno.Inval);
        WasiErrnoException.ThrowIf(count > 4096, Errno.Inval);
        Span<byte> input = memory.Slice(inPtr, count * WasiFlags.SubscriptionSize);
        memory.Slice(outPtr, count * WasiFlags.EventSize);
        var subs = new Subscription[count];
        long nowMono = (long)Now(WasiFlags.ClockMonotonic);
        for (int i = 0; i < subs.Length; i++)
        {
            ReadOnlySpan<byte> s = input.Slice(i * WasiFlags.SubscriptionSize, WasiFlags.SubscriptionSize);
            ref Subscription sub = ref subs[i];
            sub.UserData = BinaryPrimitives.ReadUInt64LittleEndian(s);
            sub.Type = s[8];
            switch (sub.Type)
            {
                case WasiFlags.EventClock:
                    PrepareClock(ref sub, s, nowMono);
                    break;
                case WasiFlags.EventFdRead or WasiFlags.EventFdWrite:
                    sub.Fd = BinaryPrimitives.ReadUInt32LittleEndian(s[16..]);
                    PrepareFd(ref sub);
                    break;
                default:
                    throw new WasiErrnoException(Errno.Inval);
            }
        }

        while (true)
        {
            bool anyReady = false;
            long earliest = long.MaxValue;
            var polled = new List<int>();
            for (int i = 0; i < subs.Length; i++)
            {
                if (subs[i].Error != Errno.Success || subs[i].Ready)
                {
                    anyReady = true;
                }
                else if (subs[i].Type == WasiFlags.EventClock)
                {
                    earliest = Math.Min(earliest, subs[i].DeadlineNs);
                }
                else
                {
                    polled.Add(i);
                }
            }
            nowMono = (long)Now(WasiFlags.ClockMonotonic);
            if (anyReady || earliest <= nowMono)
            {
                MarkExpiredClocks(subs, nowMono);
                break;
            }
            int timeoutMs = earliest == long.MaxValue ? -1 : (int)Math.Min(int.MaxValue, (earliest - nowMono + 999_999) / 1_000_000);
            if (polled.Count == 0)
            {
                WasiErrnoException.ThrowIf(timeoutMs < 0, Errno.Inval);
                // Wakes early when the embedder cancels (its timeout), so the next check in Wasm code traps.
                if (_interrupt.WaitHandle.WaitOne(timeoutMs))
                {
                    MarkExpiredClocks(subs, long.MaxValue);
                    break;
                }
                continue;
            }
            PollHost(subs, polled, timeoutMs);
        }

        uint written = 0;
        foreach (Subscription sub in subs)
        {
            if (sub.Error == Errno.Success && !sub.Ready)
            {
                continue;
            }
            Span<byte> ev = memory.Slice(outPtr + written * WasiFlags.EventSize, WasiFlags.EventSize);
            ev.Clear();
            BinaryPrimitives.WriteUInt64LittleEndian(ev, sub.UserData);
            BinaryPrimitives.WriteUInt16LittleEndian(ev[8..], (ushort)sub.Error);
            ev[10] = sub.Type;
            if (sub.Type != WasiFlags.EventClock)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(ev[16..], sub.NBytes);
                BinaryPrimitives.WriteUInt16LittleEndian(ev[24..], sub.Flags);
            }
            written++;
        }
        memory.WriteU32(neventsPtr, written);
        return Errno.Success;
    }

    private static void PrepareClock(ref Subscription sub, ReadOnlySpan<byte> s, long nowMono)
    {
        uint clockId = BinaryPrimitives.ReadUInt32LittleEndian(s[16..]);
        ulong timeout = BinaryPrimitives.ReadUInt64LittleEndian(s[24..]);
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(s[40..]);
        if (clockId > WasiFlags.ClockThreadCputime)
        {
            sub.Error = Errno.Inval;
            return;
        }
        ulong relative = timeout;
        if ((flags & WasiFlags.SubclockAbstime) != 0)
        {
            ulong now = Now(clockId);
            relative = timeout > now ? timeout - now : 0;
        }
        // Saturate: a timeout of years is a deadline that never comes, not an overflow.
        sub.DeadlineNs = relative > (ulong)(long.MaxValue - nowMono) ? long.MaxValue - 1 : nowMono + (long)relative;
    }

    private void PrepareFd(ref Subscription sub)
    {
        if (!_fds.TryGet(sub.Fd, out FdEntry? e))
        {
            sub.Error = Errno.BadF;
            return;
        }
        sub.Entry = e;
        Rights needed = sub.Type == WasiFlags.EventFdRead ? Rights.FdRead : Rights.FdWrite;
        if ((e!.RightsBase & needed) == 0)
        {
            sub.Error = Errno.NotCapable;
            return;
        }
        if (e.Stream is { } stream)
        {
            sub.Ready = true;
            sub.NBytes = sub.Type == WasiFlags.EventFdRead && stream.CanSeek ? (ulong)Math.Max(0, stream.Length - stream.Position) : 0;
            return;
        }
        if (e.Filetype == Filetype.RegularFile)
        {
            // Regular files are always ready (POSIX poll semantics); report the bytes left to read.
            sub.Ready = true;
            if (sub.Type == WasiFlags.EventFdRead && LibC.FStat(e.HostFd, out Stat st) == 0)
            {
                long pos = LibC.LSeek(e.HostFd, 0, LibC.SeekCur);
                sub.NBytes = pos >= 0 && st.Size > pos ? (ulong)(st.Size - pos) : 0;
            }
        }
    }

    private static void PollHost(Subscription[] subs, List<int> indices, int timeoutMs)
    {
        PollFd* fds = stackalloc PollFd[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Subscription s = subs[indices[i]];
            fds[i] = new PollFd { Fd = s.Entry!.HostFd, Events = s.Type == WasiFlags.EventFdRead ? LibC.PollIn : LibC.PollOut };
        }
        int rc = LibC.Poll(fds, (nuint)indices.Count, timeoutMs);
        if (rc < 0)
        {
            Errno error = HostErrno.Last();
            if (error == Errno.Intr)
            {
                return;
            }
            throw new WasiErrnoException(error);
        }
        for (int i = 0; i < indices.Count; i++)
        {
            ref Subscription s = ref subs[indices[i]];
            short revents = fds[i].Revents;
            if (revents == 0)
            {
                continue;
            }
            s.Ready = true;
            if ((revents & LibC.PollHup) != 0)
            {
                s.Flags = WasiFlags.EventFdReadwriteHangup;
            }
            if ((revents & LibC.PollNval) != 0)
            {
                s.Error = Errno.BadF;
            }
            if (s.Type == WasiFlags.EventFdRead && LibC.Ioctl(fds[i].Fd, LibC.FionRead, out int available) == 0 && available > 0)
            {
                s.NBytes = (ulong)available;
            }
        }
    }

    private static void MarkExpiredClocks(Subscription[] subs, long nowMono)
    {
        foreach (ref Subscription s in subs.AsSpan())
        {
            if (s.Type == WasiFlags.EventClock && s.Error == Errno.Success && s.DeadlineNs <= nowMono)
            {
                s.Ready = true;
            }
        }
    }
}
