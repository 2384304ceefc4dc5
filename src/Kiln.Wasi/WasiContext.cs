using System.Runtime.InteropServices;
using System.Text;
using Kiln.Wasi.Abi;
using Kiln.Wasi.Native;

namespace Kiln.Wasi;

/// <summary>
/// The state of one WASI guest: its descriptor table, arguments and environment. The
/// <c>wasi_snapshot_preview1</c> functions are methods of this type, grouped in partial files by
/// concern; <see cref="AddToLinker"/> binds them to a <see cref="Linker"/>. Each reads and writes
/// guest memory through <see cref="GuestMemory"/> (bounds-checked) and reports failures as WASI
/// errnos, never as exceptions, except <c>proc_exit</c> (<see cref="WasiExitException"/>).
/// </summary>
public sealed partial class WasiContext : IDisposable
{
    /// <summary>The import module name of WASI preview1.</summary>
    public const string ModuleName = "wasi_snapshot_preview1";

    private readonly FdTable _fds = new();
    private readonly byte[][] _args;
    private readonly byte[][] _env;
    private readonly CancellationToken _interrupt;

    internal WasiContext(WasiConfiguration config)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw new PlatformNotSupportedException("Kiln.Wasi uses Linux x86-64 system calls for its sandbox");
        }
        _args = [.. config.Arguments.Select(a => Encoding.UTF8.GetBytes(a))];
        _env = [.. config.Environment.Select(kv => Encoding.UTF8.GetBytes(kv.Key + "=" + kv.Value))];
        _interrupt = config.InterruptToken;
        try
        {
            AddStdio(config.Stdin, Rights.FdRead);
            AddStdio(config.Stdout, Rights.FdWrite);
            AddStdio(config.Stderr, Rights.FdWrite);
            foreach (WasiConfiguration.Preopen p in config.Preopens)
            {
                AddPreopen(p);
            }
        }
        catch
        {
            _fds.Dispose();
            throw;
        }
    }

    /// <summary>The descriptor numbers of the preopened directories, in configuration order.</summary>
    public IReadOnlyList<uint> PreopenDescriptors =>
        [.. _fds.Entries().Where(e => e.Entry.PreopenPath is not null).Select(e => e.Fd)];

    public void Dispose() => _fds.Dispose();

    private void AddStdio(StdioSource source, Rights direction)
    {
        if (source.Stream is { } stream)
        {
            _fds.Add(FdEntry.ForStream(stream, (Rights.Stream & ~(Rights.FdRead | Rights.FdWrite)) | direction));
            return;
        }
        int fd = LibC.Fcntl(source.HostFd, LibC.FDupfdCloexec, 3);
        if (fd < 0)
        {
            // The host has no such descriptor (started with it closed): the guest gets an empty stream.
            _fds.Add(FdEntry.ForStream(Stream.Null, direction));
            return;
        }
        Filetype type = LibC.FStat(fd, out Stat st) == 0 ? FiletypeOf(st.Format) : Filetype.Unknown;
        // wasi-libc's isatty() is "a character device without seek/tell rights"; files keep them.
        Rights rights = type == Filetype.RegularFile
            ? (Rights.RegularFile & ~(Rights.FdRead | Rights.FdWrite)) | direction
            : (Rights.Stream & ~(Rights.FdRead | Rights.FdWrite)) | direction;
        _fds.Add(FdEntry.ForHost(fd, type, rights, Rights.None));
    }

    private void AddPreopen(WasiConfiguration.Preopen p)
    {
        int fd = LibC.OpenAt(-100 /* AT_FDCWD */, p.HostPath, LibC.ORdonly | LibC.ODirectory | LibC.OCloexec, 0);
        if (fd < 0)
        {
            throw new DirectoryNotFoundException($"cannot open the directory '{p.HostPath}' to preopen it as '{p.GuestPath}': {HostErrno.Last()}");
        }
        Rights withheld = p.ReadOnly ? Rights.Mutating : Rights.None;
        _fds.Add(FdEntry.ForHost(fd, Filetype.Directory, Rights.Directory & ~withheld,
            (Rights.Directory | Rights.RegularFile) & ~withheld, p.GuestPath, p.ReadOnly));
    }

    internal static Filetype FiletypeOf(uint format) => format switch
    {
        LibC.SIfreg => Filetype.RegularFile,
        LibC.SIfdir => Filetype.Directory,
        LibC.SIflnk => Filetype.SymbolicLink,
        LibC.SIfchr => Filetype.CharacterDevice,
        LibC.SIfblk => Filetype.BlockDevice,
        LibC.SIfsock => Filetype.SocketStream,
        _ => Filetype.Unknown,
    };

    /// <summary>Writes a 64-byte filestat (witx layout) at <paramref name="ptr"/>.</summary>
    private static void WriteFilestat(GuestMemory memory, uint ptr, in Stat st)
    {
        Span<byte> b = memory.Slice(ptr, WasiFlags.FilestatSize);
        b.Clear();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b, st.Dev);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b[8..], st.Ino);
        b[16] = (byte)FiletypeOf(st.Format);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b[24..], st.Nlink);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b[32..], (ulong)st.Size);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b[40..], st.Atime.ToNanoseconds());
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b[48..], st.Mtime.ToNanoseconds());
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b[56..], st.Ctime.ToNanoseconds());
    }
}
