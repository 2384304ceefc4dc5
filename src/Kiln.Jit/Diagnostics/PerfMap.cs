using System.Runtime.InteropServices;
using Kiln.Jit.Interop;

namespace Kiln.Jit.Diagnostics;

/// <summary>
/// The process's perf map, <c>/tmp/perf-PID.map</c>: one line <c>START SIZE NAME</c> (hexadecimal without 0x) per
/// piece of generated code, which <c>perf report</c> reads to name samples in anonymous executable memory. One file
/// per process, shared by every <see cref="JitDiagnostics"/>: opened once with <c>O_APPEND</c>, and each batch's
/// lines go out in one <c>write</c> under a lock, so lines from concurrent batches never interleave.
/// </summary>
/// <remarks>
/// The .NET runtime writes the same file when <c>DOTNET_PerfMapEnabled</c> is 1 or 3, through its own file offset
/// rather than <c>O_APPEND</c>, so it overwrites lines appended by anyone else. Rather than lose names silently,
/// <c>Open</c> refuses in that case and says to use jitdump (which has no such conflict) or
/// <c>DOTNET_PerfMapEnabled=2</c> (the runtime's jitdump only).
/// </remarks>
internal sealed class PerfMap
{
    private static readonly object s_openLock = new();
    // One open file per path for the life of the process: the perf map's, and any other a test or tool asked for.
    private static readonly Dictionary<string, PerfMap> s_open = [];

    private readonly object _writeLock = new();
    private readonly int _fd;
    private readonly ByteWriter _line = new(1024);

    private PerfMap(string path, int fd)
    {
        Path = path;
        _fd = fd;
    }

    /// <summary>Where the lines go.</summary>
    public string Path { get; }

    /// <summary>The file perf looks for: <c>/tmp/perf-PID.map</c>.</summary>
    public static string DefaultPath => $"/tmp/perf-{Environment.ProcessId}.map";

    /// <summary>
    /// Why Kiln cannot own the perf map (the runtime's own perf map is on), or null when it can. Reads
    /// <c>DOTNET_PerfMapEnabled</c> (and the older <c>COMPlus_</c> prefix): 1 and 3 turn on the runtime's perf map.
    /// </summary>
    public static string? RuntimeConflict(Func<string, string?> environment)
    {
        foreach (string name in (string[])["DOTNET_PerfMapEnabled", "COMPlus_PerfMapEnabled"])
        {
            string? value = environment(name)?.Trim();
            if (value is "1" or "3")
            {
                return $"{name}={value}: the .NET runtime writes /tmp/perf-{Environment.ProcessId}.map itself through its own file offset and " +
                       "overwrites lines that others append. Use the jitdump profiler instead (perf record -k 1, then perf inject --jit), " +
                       "or set DOTNET_PerfMapEnabled=2 to keep only the runtime's jitdump.";
            }
        }
        return null;
    }

    /// <summary>The process's perf map, opened on first use.</summary>
    public static PerfMap Open(string? pathOverride = null) =>
        // The default file is ours alone in this process (the runtime's own map is refused below), so a file already
        // there was left by an earlier process with the same PID: truncating drops its stale lines.
        Open(pathOverride ?? DefaultPath, checkRuntime: pathOverride is null, truncate: pathOverride is null);

    internal static PerfMap Open(string path, bool checkRuntime, bool truncate)
    {
        lock (s_openLock)
        {
            if (s_open.TryGetValue(path, out PerfMap? open))
            {
                return open;
            }
            string? conflict = checkRuntime ? RuntimeConflict(Environment.GetEnvironmentVariable) : null;
            if (conflict is not null)
            {
                throw new JitDiagnosticsException($"Cannot write the perf map: {conflict}");
            }
            // SECURITY: /tmp is shared; O_NOFOLLOW keeps a planted symlink from redirecting our writes.
            int flags = LibC.OWronly | LibC.OCreat | LibC.OAppend | LibC.OCloexec | LibC.ONofollow | (truncate ? LibC.OTrunc : 0);
            int fd = LibC.Open(path, flags, 0x1A4 /* 0644 */);
            if (fd < 0)
            {
                throw new JitDiagnosticsException($"Cannot open the perf map {path}: {Errno.Describe(Marshal.GetLastPInvokeError())}.");
            }
            var map = new PerfMap(path, fd);
            s_open[path] = map;
            return map;
        }
    }

    /// <summary>Appends one line per symbol in a single write.</summary>
    public void Append(ReadOnlySpan<(long Address, int Size, string Name)> symbols)
    {
        lock (_writeLock)
        {
            _line.Clear();
            foreach ((long address, int size, string name) in symbols)
            {
                AppendLine(_line, address, size, name);
            }
            int errno = LibC.WriteAll(_fd, _line.Written);
            if (errno != 0)
            {
                throw new JitDiagnosticsException($"Cannot append to the perf map {Path}: {Errno.Describe(errno)}.");
            }
        }
    }

    /// <summary>Formats <c>START SIZE NAME\n</c>; line breaks in a name would start a bogus line, so they become spaces.</summary>
    internal static void AppendLine(ByteWriter line, long address, int size, string name)
    {
        Span<byte> number = stackalloc byte[16];
        WriteHex(line, (ulong)address, number);
        line.U8((byte)' ');
        WriteHex(line, (ulong)size, number);
        line.U8((byte)' ');
        line.Utf8(name.AsSpan().IndexOfAny('\n', '\r') < 0 ? name : name.Replace('\n', ' ').Replace('\r', ' '));
        line.U8((byte)'\n');
    }

    private static void WriteHex(ByteWriter line, ulong value, Span<byte> scratch)
    {
        value.TryFormat(scratch, out int count, "x");
        line.Bytes(scratch[..count]);
    }
}
