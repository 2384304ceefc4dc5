using System.Runtime.InteropServices;

namespace Kiln.Compiled;

/// <summary>
/// The current thread's stack bounds (pthread_getattr_np), which set the limit compiled code may
/// push to, and the thread's CPU time (clock_gettime), for compile-speed figures.
/// </summary>
internal static unsafe partial class NativeStack
{
    public static bool TryGetBounds(out nint low, out nint size)
    {
        low = 0;
        size = 0;
        byte* attr = stackalloc byte[128];
        try
        {
            if (pthread_getattr_np(pthread_self(), attr) != 0)
            {
                return false;
            }
            nint addr;
            nuint sz;
            int rc = pthread_attr_getstack(attr, &addr, &sz);
            pthread_attr_destroy(attr);
            if (rc != 0)
            {
                return false;
            }
            low = addr;
            size = (nint)sz;
            return true;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>CPU time consumed by the calling thread (CLOCK_THREAD_CPUTIME_ID), for honest compile-speed figures on a busy machine.</summary>
    public static TimeSpan ThreadCpuTime()
    {
        long* ts = stackalloc long[2];
        return clock_gettime(3, ts) == 0 ? TimeSpan.FromTicks((ts[0] * TimeSpan.TicksPerSecond) + (ts[1] / 100)) : TimeSpan.Zero;
    }

    [LibraryImport("libc")]
    private static partial int clock_gettime(int clock, long* timespec);

    [LibraryImport("libc")]
    private static partial nint pthread_self();

    [LibraryImport("libc")]
    private static partial int pthread_getattr_np(nint thread, byte* attr);

    [LibraryImport("libc")]
    private static partial int pthread_attr_getstack(byte* attr, nint* stackAddr, nuint* stackSize);

    [LibraryImport("libc")]
    private static partial int pthread_attr_destroy(byte* attr);
}
