using System.Runtime.InteropServices;

namespace Kiln.Jit.Interop;

/// <summary>
/// The file and clock calls the diagnostics need: perf map lines must be appended with <c>O_APPEND</c> (which
/// <see cref="FileStream"/> does not use), the jitdump file must be mapped executable for perf to notice it, and
/// jitdump timestamps must come from <c>CLOCK_MONOTONIC</c>, the clock <c>perf record -k 1</c> uses.
/// </summary>
internal static unsafe partial class LibC
{
    public const int OWronly = 0x1;
    public const int ORdwr = 0x2;
    public const int OCreat = 0x40;
    public const int OTrunc = 0x200;
    public const int OAppend = 0x400;
    public const int ONofollow = 0x20000;
    public const int OCloexec = 0x80000;

    private const int ClockMonotonic = 1;

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, uint mode);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "gettid")]
    public static partial int GetTid();

    [LibraryImport(Library, EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clock, TimeSpec* time);

    /// <summary>Nanoseconds of <c>CLOCK_MONOTONIC</c>.</summary>
    public static ulong MonotonicNanoseconds()
    {
        TimeSpec time;
        if (ClockGetTime(ClockMonotonic, &time) != 0)
        {
            throw new InvalidOperationException($"clock_gettime(CLOCK_MONOTONIC) failed: {Errno.Describe(Marshal.GetLastPInvokeError())}");
        }
        return (ulong)time.Seconds * 1_000_000_000UL + (ulong)time.Nanoseconds;
    }

    /// <summary>Writes all of <paramref name="bytes"/>, retrying short writes and EINTR; returns 0 or the errno.</summary>
    public static int WriteAll(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            int done = 0;
            while (done < bytes.Length)
            {
                nint written = Write(fd, start + done, (nuint)(bytes.Length - done));
                if (written < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }
                    return errno;
                }
                done += (int)written;
            }
        }
        return 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
