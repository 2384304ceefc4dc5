using System.Buffers.Binary;
using System.Text;
using Kiln.Wasi.Abi;
using Kiln.Wasi.Native;

namespace Kiln.Wasi;

// The fd_* functions: reading, writing, seeking and describing open descriptors.
public sealed unsafe partial class WasiContext
{
    internal Errno FdRead(GuestMemory memory, uint fd, uint iovs, uint iovsLen, uint nreadPtr)
    {
        FdEntry e = _fds.Get(fd);
        e.Require(Rights.FdRead);
        ulong total = Transfer(memory, iovs, iovsLen, (buf, _) => e.Stream is { } s ? s.Read(buf) : HostRead(e.HostFd, buf, offset: -1));
        memory.WriteU32(nreadPtr, (uint)total);
        return Errno.Success;
    }

    internal Errno FdPread(GuestMemory memory, uint fd, uint iovs, uint iovsLen, ulong offset, uint nreadPtr)
    {
        FdEntry e = _fds.Get(fd);
        ThrowIfNotSeekable(e);
        e.Require(Rights.FdRead | Rights.FdSeek);
        int host = e.RequireHostFd(Errno.SPipe);
        WasiErrnoException.ThrowIf(offset > long.MaxValue, Errno.Inval);
        ulong total = Transfer(memory, iovs, iovsLen, (buf, done) => HostRead(host, buf, (long)(offset + done)));
        memory.WriteU32(nreadPtr, (uint)total);
        return Errno.Success;
    }

    internal Errno FdWrite(GuestMemory memory, uint fd, uint iovs, uint iovsLen, uint nwrittenPtr)
    {
        FdEntry e = _fds.Get(fd);
        e.Require(Rights.FdWrite);
        ulong total = Transfer(memory, iovs, iovsLen, (buf, _) =>
        {
            if (e.Stream is { } s)
            {
                s.Write(buf);
                return buf.Length;
            }
            return HostWrite(e.HostFd, buf, offset: -1);
        });
        e.Stream?.Flush();
        memory.WriteU32(nwrittenPtr, (uint)total);
        return Errno.Success;
    }

    internal Errno FdPwrite(GuestMemory memory, uint fd, uint iovs, uint iovsLen, ulong offset, uint nwrittenPtr)
    {
        FdEntry e = _fds.Get(fd);
        ThrowIfNotSeekable(e);
        e.Require(Rights.FdWrite | Rights.FdSeek);
        int host = e.RequireHostFd(Errno.SPipe);
        WasiErrnoException.ThrowIf(offset > long.MaxValue, Errno.Inval);
        ulong total = Transfer(memory, iovs, iovsLen, (buf, done) => HostWrite(host, buf, (long)(offset + done)));
        memory.WriteU32(nwrittenPtr, (uint)total);
        return Errno.Success;
    }

    /// <summary>Moves bytes between the guest's buffers and a descriptor; <paramref name="done"/> is the count so far.</summary>
    private delegate int IovecTransfer(Span<byte> buffer, ulong done);

    /// <summary>
    /// The scatter/gather loop of fd_read/pread/write/pwrite: each guest buffer in turn (bounds-checked by
    /// <see cref="GuestMemory"/>), stopping at the first short transfer as POSIX readv/writev do. Returns the total.
    /// </summary>
    private static ulong Transfer(GuestMemory memory, uint iovs, uint iovsLen, IovecTransfer transfer)
    {
        IovecList list = memory.ReadIovecs(iovs, iovsLen);
        ulong total = 0;
        for (int i = 0; i < list.Count; i++)
        {
            (uint ptr, uint len) = list[i];
            Span<byte> buf = memory.Slice(ptr, len);
            int n = transfer(buf, total);
            total += (uint)n;
            if (n < buf.Length)
            {
                break;
            }
        }
        return total;
    }

    /// <summary>One read (or pread when <paramref name="offset"/> ≥ 0), retried on EINTR; errors become errnos.</summary>
    private static int HostRead(int fd, Span<byte> buffer, long offset)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = offset < 0 ? LibC.Read(fd, p, (nuint)buffer.Length) : LibC.PRead(fd, p, (nuint)buffer.Length, offset);
                if (n >= 0)
                {
                    return (int)n;
                }
                Errno error = HostErrno.Last();
                if (error != Errno.Intr)
                {
                    throw new WasiErrnoException(error);
                }
            }
        }
    }

    /// <summary>Writes all of <paramref name="buffer"/> unless the host writes less (a full disk, a non-blocking pipe).</summary>
    private static int HostWrite(int fd, Span<byte> buffer, long offset)
    {
        int done = 0;
        fixed (byte* p = buffer)
        {
            while (done < buffer.Length)
            {
                nint n = offset < 0
                    ? LibC.Write(fd, p + done, (nuint)(buffer.Length - done))
                    : LibC.PWrite(fd, p + done, (nuint)(buffer.Length - done), offset + done);
                if (n > 0)
                {
                    done += (int)n;
                    continue;
                }
                Errno error = n == 0 ? Errno.Io : HostErrno.Last();
                if (error == Errno.Intr)
                {
                    continue;
                }
                if (done > 0)
                {
                    break;
                }
                throw new WasiErrnoException(error);
            }
        }
        return done;
    }

    internal Errno FdSeek(GuestMemory memory, uint fd, long offset, uint whence, uint newOffsetPtr)
    {
        FdEntry e = _fds.Get(fd);
        ThrowIfNotSeekable(e);
        // Spec: a seek of 0 from the current position is a tell, which needs only fd_tell.
        e.Require(offset == 0 && whence == WasiFlags.WhenceCur ? Rights.FdTell : Rights.FdSeek);
        int hostWhence = whence switch
        {
            WasiFlags.WhenceSet => LibC.SeekSet,
            WasiFlags.WhenceCur => LibC.SeekCur,
            WasiFlags.WhenceEnd => LibC.SeekEnd,
            _ => throw new WasiErrnoException(Errno.Inval),
        };
        int host = e.RequireHostFd(Errno.SPipe);
        WasiErrnoException.ThrowIf(e.IsDirectory, Errno.BadF);
        long position = LibC.LSeek(host, offset, hostWhence);
        if (position < 0)
        {
            return HostErrno.Last();
        }
        memory.WriteU64(newOffsetPtr, (ulong)position);
        return Errno.Success;
    }

    /// <summary>Streams, pipes and terminals have no position: ESPIPE, as POSIX lseek says (not a rights error).</summary>
    private static void ThrowIfNotSeekable(FdEntry e) =>
        WasiErrnoException.ThrowIf(e.Stream is not null || e.Filetype is not (Filetype.RegularFile or Filetype.Directory or Filetype.BlockDevice), Errno.SPipe);

    internal Errno FdTell(GuestMemory memory, uint fd, uint offsetPtr)
    {
        FdEntry e = _fds.Get(fd);
        ThrowIfNotSeekable(e);
        e.Require(Rights.FdTell);
        int host = e.RequireHostFd(Errno.SPipe);
        long position = LibC.LSeek(host, 0, LibC.SeekCur);
        if (position < 0)
        {
            return HostErrno.Last();
        }
        memory.WriteU64(offsetPtr, (ulong)position);
        return Errno.Success;
    }

    internal Errno FdClose(uint fd)
    {
        _fds.Close(fd);
        return Errno.Success;
    }

    internal Errno FdSync(uint fd) => Sync(fd, Rights.FdSync, LibC.FSync);

    internal Errno FdDatasync(uint fd) => Sync(fd, Rights.FdDatasync, LibC.FDataSync);

    private Errno Sync(uint fd, Rights right, Func<int, int> sync)
    {
        FdEntry e = _fds.Get(fd);
        e.Require(right);
        if (e.Stream is { } s)
        {
            s.Flush();
            return Errno.Success;
        }
        if (sync(e.HostFd) != 0)
        {
            Errno error = HostErrno.Last();
            // Terminals and pipes cannot be synced; there is nothing to lose.
            return error == Errno.Inval ? Errno.Success : error;
        }
        return Errno.Success;
    }

    internal Errno FdFdstatGet(GuestMemory memory, uint fd, uint statPtr)
    {
        FdEntry e = _fds.Get(fd);
        ushort flags = e.StreamFlags;
        if (e.HostFd >= 0)
        {
            int fl = LibC.Fcntl(e.HostFd, LibC.FGetfl, 0);
            if (fl < 0)
            {
                return HostErrno.Last();
            }
            flags = 0;
            if ((fl & LibC.OAppend) != 0)
            {
                flags |= WasiFlags.FdAppend;
            }
            if ((fl & LibC.ONonblock) != 0)
            {
                flags |= WasiFlags.FdNonblock;
            }
            if ((fl & LibC.OSync) == LibC.OSync)
            {
                flags |= WasiFlags.FdSync;
            }
            else if ((fl & LibC.ODsync) != 0)
            {
                flags |= WasiFlags.FdDsync;
            }
        }
        Span<byte> b = memory.Slice(statPtr, WasiFlags.FdstatSize);
        b.Clear();
        b[0] = (byte)e.Filetype;
        BinaryPrimitives.WriteUInt16LittleEndian(b[2..], flags);
        BinaryPrimitives.WriteUInt64LittleEndian(b[8..], (ulong)e.RightsBase);
        BinaryPrimitives.WriteUInt64LittleEndian(b[16..], (ulong)e.RightsInheriting);
        return Errno.Success;
    }

    internal Errno FdFdstatSetFlags(uint fd, uint flags)
    {
        FdEntry e = _fds.Get(fd);
        e.Require(Rights.FdFdstatSetFlags);
        WasiErrnoException.ThrowIf(flags > 0x1F, Errno.Inval);
        // Linux cannot change the sync flags of an open file (fcntl ignores them): refuse rather than pretend.
        WasiErrnoException.ThrowIf((flags & (WasiFlags.FdDsync | WasiFlags.FdRsync | WasiFlags.FdSync)) != 0, Errno.NotSup);
        if (e.Stream is not null)
        {
            e.StreamFlags = (ushort)flags;
            return Errno.Success;
        }
        int fl = LibC.Fcntl(e.HostFd, LibC.FGetfl, 0);
        if (fl < 0)
        {
            return HostErrno.Last();
        }
        int wanted = FlagsToHost(flags);
        if ((fl & (LibC.OAppend | LibC.ONonblock)) == wanted)
        {
            return Errno.Success;
        }
        // SECURITY: an inherited stdio descriptor shares its open file description with the host's
        // process (and the shell that started it): O_NONBLOCK or O_APPEND set there would outlive the guest.
        WasiErrnoException.ThrowIf(e.InheritedStdio, Errno.NotSup);
        fl = (fl & ~(LibC.OAppend | LibC.ONonblock)) | wanted;
        return LibC.Fcntl(e.HostFd, LibC.FSetfl, fl) == 0 ? Errno.Success : HostErrno.Last();
    }

    private static int FlagsToHost(uint flags) =>
        ((flags & WasiFlags.FdAppend) != 0 ? LibC.OAppend : 0) | ((flags & WasiFlags.FdNonblock) != 0 ? LibC.ONonblock : 0);

    internal Errno FdFdstatSetRights(uint fd, ulong rightsBase, ulong rightsInheriting)
    {
        FdEntry e = _fds.Get(fd);
        // SECURITY: rights can only be dropped, never gained.
        WasiErrnoException.ThrowIf(((Rights)rightsBase & ~e.RightsBase) != 0 || ((Rights)rightsInheriting & ~e.RightsInheriting) != 0, Errno.NotCapable);
        e.RightsBase = (Rights)rightsBase;
        e.RightsInheriting = (Rights)rightsInheriting;
        return Errno.Success;
    }

    internal Errno FdFilestatGet(GuestMemory memory, uint fd, uint statPtr)
    {
        FdEntry e = _fds.Get(fd);
        e.Require(Rights.FdFilestatGet);
        if (e.Stream is not null)
        {
            Span<byte> b = memory.Slice(statPtr, WasiFlags.FilestatSize);
            b.Clear();
            b[16] = (byte)e.Filetype;
            b[24] = 1;
            return Errno.Success;
        }
        if (LibC.FStat(e.HostFd, out Stat st) != 0)
        {
            return HostErrno.Last();
        }
        WriteFilestat(memory, statPtr, st);
        return Errno.Success;
    }

    internal Errno FdFilestatSetSize(uint fd, ulong size)
    {
        FdEntry e = _fds.Get(fd);
        e.Require(Rights.FdFilestatSetSize);
        int host = e.RequireHostFd(Errno.Inval);
        WasiErrnoException.ThrowIf(size > long.MaxValue, Errno.FBig);
        return LibC.FTruncate(host, (long)size) == 0 ? Errno.Success : HostErrno.Last();
    }

    internal Errno FdFilestatSetTimes(uint fd, ulong atim, ulong mtim, uint fstFlags)
    {
        FdEntry e = _fds.Get(fd);
        e.Require(Rights.FdFilestatSetTimes);
        int host = e.RequireHostFd(Errno.Inval);
        Timespec* times = stackalloc Timespec[2];
        FillTimes(times, atim, mtim, fstFlags);
        return LibC.FUtimens(host, times) == 0 ? Errno.Success : HostErrno.Last();
    }

    /// <summary>Spec fstflags: ATIM and ATIM_NOW (or MTIM and MTIM_NOW) together are EINVAL; neither leaves the time alone.</summary>
    private static void FillTimes(Timespec* times, ulong atim, ulong mtim, uint fstFlags)
    {
        WasiErrnoException.ThrowIf(fstFlags > 0xF, Errno.Inval);
        WasiErrnoException.ThrowIf((fstFlags & (WasiFlags.FstAtim | WasiFlags.FstAtimNow)) == (WasiFlags.FstAtim | WasiFlags.FstAtimNow), Errno.Inval);
        WasiErrnoException.ThrowIf((fstFlags & (WasiFlags.FstMtim | WasiFlags.FstMtimNow)) == (WasiFlags.FstMtim | WasiFlags.FstMtimNow), Errno.Inval);
        times[0] = (fstFlags & WasiFlags.FstAtimNow) != 0 ? new Timespec { Nanoseconds = LibC.UtimeNow }
            : (fstFlags & WasiFlags.FstAtim) != 0 ? Timespec.FromNanoseconds(atim)
            : new Timespec { Nanoseconds = LibC.UtimeOmit };
        times[1] = (fstFlags & WasiFlags.FstMtimNow) != 0 ? new Timespec { Nanoseconds = LibC.UtimeNow }
            : (fstFlags & WasiFlags.FstMtim) != 0 ? Timespec.FromNanoseconds(mtim)
            : new Timespec { Nanoseconds = LibC.UtimeOmit };
    }

    internal Errno FdAdvise(uint fd, ulong offset, ulong len, uint advice)
    {
        FdEntry e = _fds.Get(fd);
        e.Require(Rights.FdAdvise);
        WasiErrnoException.ThrowIf(advice > WasiFlags.AdviceNoReuse || offset > long.MaxValue || len > long.MaxValue, Errno.Inval);
        int host = e.RequireHostFd(Errno.SPipe);
        WasiErrnoException.ThrowIf(e.IsDirectory, Errno.BadF);
        // WASI: normal, sequential, random, willneed, dontneed, noreuse; Linux: normal, random, sequential, ...
        int hostAdvice = advice switch { 1 => 2, 2 => 1, _ => (int)advice };
        int rc = LibC.PosixFadvise(host, (long)offset, (long)len, hostAdvice);
        return rc == 0 ? Errno.Success : HostErrno.FromHost(rc);
    }

    internal Errno FdAllocate(uint fd, ulong offset, ulong len)
    {
        FdEntry e = _fds.Get(fd);
        e.Require(Rights.FdAllocate);
        WasiErrnoException.ThrowIf(offset > long.MaxValue || len > long.MaxValue || offset + len > long.MaxValue, Errno.FBig);
        int host = e.RequireHostFd(Errno.SPipe);
        WasiErrnoException.ThrowIf(e.IsDirectory, Errno.BadF);
        WasiErrnoException.ThrowIf(len == 0, Errno.Inval);
        int rc = LibC.PosixFallocate(host, (long)offset, (long)len);
        return rc == 0 ? Errno.Success : HostErrno.FromHost(rc);
    }

    internal Errno FdRenumber(uint from, uint to)
    {
        _fds.Renumber(from, to);
        return Errno.Success;
    }

    internal Errno FdPrestatGet(GuestMemory memory, uint fd, uint prestatPtr)
    {
        FdEntry e = _fds.Get(fd);
        WasiErrnoException.ThrowIf(e.PreopenPath is null, Errno.BadF);
        Span<byte> b = memory.Slice(prestatPtr, WasiFlags.PrestatSize);
        b.Clear();
        b[0] = WasiFlags.PreopenDir;
        BinaryPrimitives.WriteUInt32LittleEndian(b[4..], (uint)Encoding.UTF8.GetByteCount(e.PreopenPath!));
        return Errno.Success;
    }

    internal Errno FdPrestatDirName(GuestMemory memory, uint fd, uint pathPtr, uint pathLen)
    {
        FdEntry e = _fds.Get(fd);
        WasiErrnoException.ThrowIf(e.PreopenPath is null, Errno.BadF);
        byte[] name = Encoding.UTF8.GetBytes(e.PreopenPath!);
        WasiErrnoException.ThrowIf(pathLen < name.Length, Errno.NameTooLong);
        name.CopyTo(memory.Slice(pathPtr, (uint)name.Length));
        return Errno.Success;
    }

    /// <summary>
    /// Spec fd_readdir: fills the buffer with dirents (24 bytes + name) from the entry after
    /// <paramref name="cookie"/>; the last one may be cut short, and a full buffer tells the guest to
    /// call again. A cookie is the index of the next entry in the listing, which is read from the
    /// host at cookie 0 and kept for the calls that continue it.
    /// </summary>
    internal Errno FdReaddir(GuestMemory memory, uint fd, uint bufPtr, uint bufLen, ulong cookie, uint bufUsedPtr)
    {
        FdEntry e = _fds.Get(fd);
        e.Require(Rights.FdReaddir);
        int host = e.RequireHostFd(Errno.NotDir);
        WasiErrnoException.ThrowIf(!e.IsDirectory, Errno.NotDir);
        Span<byte> buffer = memory.Slice(bufPtr, bufLen);
        if (cookie == 0 || e.Listing is null)
        {
            e.Listing = ListDirectory(host);
        }
        List<(ulong Ino, Filetype Type, byte[] Name)> entries = e.Listing;
        int used = 0;
        Span<byte> header = stackalloc byte[WasiFlags.DirentSize];
        for (ulong i = cookie; i < (ulong)entries.Count && used < buffer.Length; i++)
        {
            (ulong ino, Filetype type, byte[] name) = entries[(int)i];
            header.Clear();
            BinaryPrimitives.WriteUInt64LittleEndian(header, i + 1);
            BinaryPrimitives.WriteUInt64LittleEndian(header[8..], ino);
            BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)name.Length);
            header[20] = (byte)type;
            used += CopyTruncated(header, buffer[used..]);
            used += CopyTruncated(name, buffer[used..]);
        }
        memory.WriteU32(bufUsedPtr, (uint)used);
        return Errno.Success;
    }

    private static int CopyTruncated(ReadOnlySpan<byte> source, Span<byte> dest)
    {
        int n = Math.Min(source.Length, dest.Length);
        source[..n].CopyTo(dest);
        return n;
    }

    /// <summary>Every entry of the directory (including "." and ".."), in the host's order.</summary>
    private static List<(ulong Ino, Filetype Type, byte[] Name)> ListDirectory(int dirFd)
    {
        // fdopendir takes ownership of its descriptor, so it gets a fresh one for the same directory.
        int fd = LibC.OpenAt(dirFd, ".", LibC.ORdonly | LibC.ODirectory | LibC.OCloexec, 0);
        if (fd < 0)
        {
            throw new WasiErrnoException(HostErrno.Last());
        }
        nint dir = LibC.FdOpenDir(fd);
        if (dir == 0)
        {
            Errno error = HostErrno.Last();
            LibC.Close(fd);
            throw new WasiErrnoException(error);
        }
        var entries = new List<(ulong, Filetype, byte[])>();
        try
        {
            while (true)
            {
                byte* d = (byte*)LibC.ReadDir(dir);
                if (d == null)
                {
                    break;
                }
                // glibc struct dirent64: d_ino u64, d_off i64, d_reclen u16, d_type u8, d_name[].
                ulong ino = *(ulong*)d;
                byte dtype = d[18];
                var name = new ReadOnlySpan<byte>(d + 19, 256);
                name = name[..name.IndexOf((byte)0)];
                Filetype type = dtype switch
                {
                    1 => Filetype.Unknown, // FIFO
                    2 => Filetype.CharacterDevice,
                    4 => Filetype.Directory,
                    6 => Filetype.BlockDevice,
                    8 => Filetype.RegularFile,
                    10 => Filetype.SymbolicLink,
                    12 => Filetype.SocketStream,
                    _ => StatType(dirFd, Encoding.UTF8.GetString(name)),
                };
                entries.Add((ino, type, name.ToArray()));
            }
        }
        finally
        {
            LibC.CloseDir(dir);
        }
        return entries;
    }

    private static Filetype StatType(int dirFd, string name) =>
        LibC.FStatAt(dirFd, name, out Stat st, LibC.AtSymlinkNofollow) == 0 ? FiletypeOf(st.Format) : Filetype.Unknown;
}
