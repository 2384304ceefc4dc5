using System.Runtime.InteropServices;
using Kiln.Jit.Interop;

namespace Kiln.Jit.Diagnostics;

/// <summary>
/// The process's jitdump file (perf's tools/perf/Documentation/jitdump-specification.txt): a 40-byte header, then
/// per function a JIT_CODE_UNWINDING_INFO record (its <c>.eh_frame</c> and <c>.eh_frame_hdr</c>), a
/// JIT_CODE_DEBUG_INFO record when the compiler gave a line table, and the JIT_CODE_LOAD record with the code bytes,
/// all stamped with <c>CLOCK_MONOTONIC</c>. <c>perf inject --jit</c> turns each LOAD into a small ELF file; it finds
/// the dump through the executable mapping this type makes of it, so the mapping stays for the life of the process.
/// </summary>
/// <remarks>
/// The file is <c>jit-PID.dump</c> in a directory of its own (<c>$KILN_JITDUMP_DIR</c>, else a fresh
/// <c>~/.debug/jit/kiln-XXXXXX</c>): perf inject writes <c>jitted-PID-N.so</c> beside the dump, and the .NET runtime's
/// own jitdump (<c>DOTNET_PerfMapEnabled</c>) uses the same names in its directory. Records are written whole, one
/// <c>write</c> each, under a lock. Unwinding data is laid out as perf's reader expects (genelf.c): the
/// <c>.eh_frame</c> first, the <c>.eh_frame_hdr</c> after it, although the specification's prose says the reverse.
/// </remarks>
internal sealed unsafe class JitDump
{
    /// <summary>The environment variable that picks the dump's directory.</summary>
    public const string DirectoryEnvironmentVariable = "KILN_JITDUMP_DIR";

    private const uint Magic = 0x4A695444; // "JiTD"
    private const uint Version = 1;
    private const uint HeaderSize = 40;
    private const uint ElfMachineX86_64 = 62;
    private const uint ElfMachineAArch64 = 183;

    private const uint RecordLoad = 0;
    private const uint RecordDebugInfo = 2;
    private const uint RecordUnwindingInfo = 4;

    private static readonly object s_openLock = new();
    private static JitDump? s_shared;

    private readonly object _writeLock = new();
    private readonly int _fd;
    private readonly ByteWriter _record = new(4096);
    private int _recordStart;
    private readonly nint _marker;
    private ulong _nextCodeIndex;

    private JitDump(string path, int fd, nint marker)
    {
        FilePath = path;
        _fd = fd;
        _marker = marker;
    }

    /// <summary>Where the executable marker mapping of the file lies (it stays until the process ends).</summary>
    public nint MarkerAddress => _marker;

    /// <summary>The dump file, <c>.../jit-PID.dump</c>.</summary>
    public string FilePath { get; }

    /// <summary>The process's dump, created on first use in <paramref name="directory"/> (or as the remarks say).</summary>
    public static JitDump Open(string? directory = null)
    {
        lock (s_openLock)
        {
            if (s_shared is not null)
            {
                // One dump per process: asking for another directory later would silently write elsewhere.
                if (directory is not null && Path.GetFullPath(directory) != Path.GetDirectoryName(s_shared.FilePath))
                {
                    throw new JitDiagnosticsException(
                        $"This process already writes its jitdump to {s_shared.FilePath}; perf expects one jit-PID.dump per process, so {directory} cannot be used too.");
                }
                return s_shared;
            }
            string dir = ChooseDirectory(directory);
            string path = Path.Combine(dir, $"jit-{Environment.ProcessId}.dump");
            int fd = LibC.Open(path, LibC.ORdwr | LibC.OCreat | LibC.OTrunc | LibC.OCloexec | LibC.ONofollow, 0x180 /* 0600 */);
            if (fd < 0)
            {
                throw new JitDiagnosticsException($"Cannot create the jitdump file {path}: {Errno.Describe(Marshal.GetLastPInvokeError())}.");
            }
            var header = new ByteWriter(40);
            header.U32(Magic);
            header.U32(Version);
            header.U32(HeaderSize);
            header.U32(RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? ElfMachineAArch64 : ElfMachineX86_64);
            header.U32(0); // pad1
            header.U32((uint)Environment.ProcessId);
            header.U64(LibC.MonotonicNanoseconds());
            header.U64(0); // flags: timestamps are CLOCK_MONOTONIC, not the TSC
            int errno = LibC.WriteAll(fd, header.Written);
            if (errno != 0)
            {
                LibC.Close(fd);
                throw new JitDiagnosticsException($"Cannot write the jitdump header to {path}: {Errno.Describe(errno)}.");
            }
            // perf notices a dump only through an executable mapping of it by the same process (perf's jit_detect).
            // W^X: the mapping is private and read-execute, of a file nothing executes; it is a marker, never written.
            nint marker = LibC.Mmap(0, LibC.PageSize, LibC.ProtRead | LibC.ProtExec, LibC.MapPrivate, fd, 0);
            if (marker == LibC.MapFailed)
            {
                int mmapErrno = Marshal.GetLastPInvokeError();
                LibC.Close(fd);
                throw new JitDiagnosticsException(
                    $"Cannot map the jitdump file {path} executable, which perf needs to find it: {Errno.Describe(mmapErrno)} (a noexec file system? set {DirectoryEnvironmentVariable}).");
            }
            s_shared = new JitDump(path, fd, marker);
            return s_shared;
        }
    }

    /// <summary>
    /// Writes the records of a batch's functions, per function unwinding info, debug info (when it has a line table),
    /// then the load, all in one <c>write</c>: a reader never sees half a record, and a batch costs one system call.
    /// </summary>
    public void WriteFunctions(ReadOnlySpan<(string Name, long Address, int Size, FrameLayout Frame, IReadOnlyList<SourceLocation> Lines)> functions)
    {
        lock (_writeLock)
        {
            _record.Clear();
            foreach (var f in functions)
            {
                WriteUnwindingInfo(f.Size, f.Frame);
                if (f.Lines.Count > 0)
                {
                    WriteDebugInfo(f.Address, f.Lines);
                }
                WriteLoad(f.Name, f.Address, new ReadOnlySpan<byte>((void*)f.Address, f.Size));
            }
            int errno = LibC.WriteAll(_fd, _record.Written);
            if (errno != 0)
            {
                throw new JitDiagnosticsException($"Cannot append to the jitdump file {FilePath}: {Errno.Describe(errno)}.");
            }
        }
    }

    private void WriteUnwindingInfo(int codeSize, FrameLayout frame)
    {
        // perf places .eh_frame at ALIGN_8(text + code size) and .eh_frame_hdr right after it; its text offset is a
        // multiple of 16, so the distances below hold whatever that offset is. Addresses here are relative to the code.
        long ehFrameAddress = (codeSize + 7) & ~7L;
        byte[] ehFrame = EhFrame.Build([new CfiFunction(0, codeSize, frame)], EhFramePointers.PcRelative, ehFrameAddress);
        byte[] header = EhFrame.BuildHeader(ehFrame, ehFrameAddress, ehFrameAddress + ehFrame.Length);
        int unwindSize = ehFrame.Length + header.Length;
        BeginRecord(RecordUnwindingInfo);
        _record.U64((ulong)unwindSize);
        _record.U64((ulong)header.Length);
        _record.U64(0); // mapped_size: the process keeps no copy of this data next to the code
        _record.Bytes(ehFrame);
        _record.Bytes(header);
        EndRecord();
    }

    private void WriteDebugInfo(long address, IReadOnlyList<SourceLocation> lines)
    {
        BeginRecord(RecordDebugInfo);
        _record.U64((ulong)address);
        _record.U64((ulong)lines.Count);
        foreach (SourceLocation line in lines)
        {
            _record.U64((ulong)(address + line.CodeOffset));
            _record.U32((uint)line.Line);
            _record.U32(0); // discriminator
            _record.CString(line.File);
        }
        EndRecord();
    }

    private void WriteLoad(string name, long address, ReadOnlySpan<byte> code)
    {
        BeginRecord(RecordLoad);
        _record.U32((uint)Environment.ProcessId);
        _record.U32((uint)LibC.GetTid());
        _record.U64((ulong)address); // vma
        _record.U64((ulong)address); // code_addr
        _record.U64((ulong)code.Length);
        _record.U64(_nextCodeIndex++);
        _record.CString(name);
        _record.Bytes(code);
        EndRecord();
    }

    private void BeginRecord(uint id)
    {
        _recordStart = _record.Length;
        _record.U32(id);
        _record.U32(0); // total_size, patched
        _record.U64(LibC.MonotonicNanoseconds());
    }

    private void EndRecord() => _record.PatchU32(_recordStart + 4, (uint)(_record.Length - _recordStart));

    private static string ChooseDirectory(string? requested)
    {
        string? dir = requested ?? Environment.GetEnvironmentVariable(DirectoryEnvironmentVariable);
        try
        {
            if (!string.IsNullOrEmpty(dir))
            {
                Directory.CreateDirectory(dir);
                return Path.GetFullPath(dir);
            }
            string home = Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h : Path.GetTempPath();
            string parent = Path.Combine(home, ".debug", "jit");
            Directory.CreateDirectory(parent);
            // A fresh directory per process (like perf's java-jit-* ones), so inject output never mixes runs.
            for (int attempt = 0; ; attempt++)
            {
                string candidate = Path.Combine(parent, $"kiln-{DateTime.UtcNow:yyyyMMdd}-{Random.Shared.Next():x8}");
                if (!Directory.Exists(candidate) && OperatingSystem.IsLinux())
                {
                    Directory.CreateDirectory(candidate, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                    return candidate;
                }
                if (attempt > 100)
                {
                    throw new IOException($"no free directory name under {parent}");
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JitDiagnosticsException($"Cannot create the jitdump directory ({dir ?? "~/.debug/jit"}): {e.Message}", e);
        }
    }
}
