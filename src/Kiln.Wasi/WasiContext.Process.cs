using System.Security.Cryptography;
using Kiln.Wasi.Abi;
using Kiln.Wasi.Native;

namespace Kiln.Wasi;

// Arguments, environment, clocks, randomness and process control.
public sealed partial class WasiContext
{
    internal Errno ArgsSizesGet(GuestMemory memory, uint argcPtr, uint bufSizePtr) => SizesGet(memory, _args, argcPtr, bufSizePtr);

    internal Errno ArgsGet(GuestMemory memory, uint argvPtr, uint bufPtr) => StringsGet(memory, _args, argvPtr, bufPtr);

    internal Errno EnvironSizesGet(GuestMemory memory, uint countPtr, uint bufSizePtr) => SizesGet(memory, _env, countPtr, bufSizePtr);

    internal Errno EnvironGet(GuestMemory memory, uint environPtr, uint bufPtr) => StringsGet(memory, _env, environPtr, bufPtr);

    private static Errno SizesGet(GuestMemory memory, byte[][] strings, uint countPtr, uint bufSizePtr)
    {
        uint size = 0;
        foreach (byte[] s in strings)
        {
            size += (uint)s.Length + 1;
        }
        memory.WriteU32(countPtr, (uint)strings.Length);
        memory.WriteU32(bufSizePtr, size);
        return Errno.Success;
    }

    /// <summary>Writes one pointer per string at <paramref name="pointersPtr"/> and the NUL-terminated strings at <paramref name="bufPtr"/>.</summary>
    private static Errno StringsGet(GuestMemory memory, byte[][] strings, uint pointersPtr, uint bufPtr)
    {
        uint cursor = bufPtr;
        for (int i = 0; i < strings.Length; i++)
        {
            byte[] s = strings[i];
            Span<byte> dest = memory.Slice(cursor, (uint)s.Length + 1);
            s.CopyTo(dest);
            dest[^1] = 0;
            memory.WriteU32(pointersPtr + (uint)i * 4, cursor);
            cursor += (uint)s.Length + 1;
        }
        return Errno.Success;
    }

    internal static Errno ClockResGet(GuestMemory memory, uint clockId, uint resultPtr)
    {
        WasiErrnoException.ThrowIf(clockId > WasiFlags.ClockThreadCputime, Errno.Inval);
        // WASI clock ids 0..3 are Linux's CLOCK_REALTIME, _MONOTONIC, _PROCESS_CPUTIME_ID, _THREAD_CPUTIME_ID.
        if (LibC.ClockGetRes((int)clockId, out Timespec res) != 0)
        {
            return HostErrno.Last();
        }
        memory.WriteU64(resultPtr, Math.Max(1UL, res.ToNanoseconds()));
        return Errno.Success;
    }

    internal static Errno ClockTimeGet(GuestMemory memory, uint clockId, ulong precision, uint resultPtr)
    {
        _ = precision; // Linux gives the finest resolution anyway.
        memory.WriteU64(resultPtr, Now(clockId));
        return Errno.Success;
    }

    /// <summary>Nanoseconds on the WASI clock <paramref name="clockId"/> (EINVAL for an unknown clock).</summary>
    internal static ulong Now(uint clockId)
    {
        WasiErrnoException.ThrowIf(clockId > WasiFlags.ClockThreadCputime, Errno.Inval);
        if (LibC.ClockGetTime((int)clockId, out Timespec t) != 0)
        {
            throw new WasiErrnoException(HostErrno.Last());
        }
        return t.ToNanoseconds();
    }

    internal static Errno RandomGet(GuestMemory memory, uint bufPtr, uint len)
    {
        RandomNumberGenerator.Fill(memory.Slice(bufPtr, len));
        return Errno.Success;
    }

    internal static Errno SchedYield()
    {
        Thread.Yield();
        return Errno.Success;
    }

    /// <summary>Spec proc_exit: never returns; unwinds every Wasm frame through <see cref="WasiExitException"/>.</summary>
    internal void ProcExit(uint code)
    {
        FlushStreams();
        throw new WasiExitException((int)code);
    }

    /// <summary>Signals are not part of the sandbox: wasi-libc's raise() sees ENOSYS.</summary>
    internal static Errno ProcRaise(uint signal)
    {
        _ = signal;
        return Errno.NoSys;
    }

    /// <summary>Flushes the embedder's stdio streams (at proc_exit and when the embedder wants the output).</summary>
    public void FlushStreams()
    {
        foreach ((_, FdEntry e) in _fds.Entries())
        {
            e.Stream?.Flush();
        }
    }
}
