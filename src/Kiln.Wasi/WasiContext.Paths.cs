using Kiln.Wasi.Abi;
using Kiln.Wasi.Native;
using Kiln.Wasi.Sandbox;

namespace Kiln.Wasi;

// The path_* functions. Every path goes through PathResolver, which keeps it inside the directory
// descriptor it is relative to; the final *at call never follows a symlink.
public sealed unsafe partial class WasiContext
{
    /// <summary>The directory descriptor <paramref name="fd"/>, which must hold <paramref name="required"/>.</summary>
    private FdEntry Directory(uint fd, Rights required)
    {
        FdEntry e = _fds.Get(fd);
        WasiErrnoException.ThrowIf(!e.IsDirectory || e.HostFd < 0, Errno.NotDir);
        e.Require(required);
        return e;
    }

    private static ResolvedPath Resolve(FdEntry dir, GuestMemory memory, uint pathPtr, uint pathLen, bool follow) =>
        PathResolver.Resolve(dir.HostFd, memory.ReadPath(pathPtr, pathLen), follow);

    /// <summary>A path that ended in '/' must name a directory (ENOTDIR otherwise; ENOENT when missing).</summary>
    private static void CheckTrailingSlash(ResolvedPath p)
    {
        if (!p.MustBeDirectory)
        {
            return;
        }
        if (LibC.FStatAt(p.DirFd, p.Name, out Stat st, LibC.AtSymlinkNofollow) != 0)
        {
            throw new WasiErrnoException(HostErrno.Last());
        }
        // SECURITY: "file/" must not reach the file (some runtimes strip the slash and open it).
        WasiErrnoException.ThrowIf(st.Format != LibC.SIfdir, Errno.NotDir);
    }

    internal Errno PathOpen(GuestMemory memory, uint dirFd, uint lookupFlags, uint pathPtr, uint pathLen, uint oflags,
        ulong rightsBase, ulong rightsInheriting, uint fdFlags, uint openedFdPtr)
    {
        FdEntry dir = Directory(dirFd, Rights.PathOpen);
        WasiErrnoException.ThrowIf(oflags > 0xF || fdFlags > 0x1F, Errno.Inval);
        bool create = (oflags & WasiFlags.OCreat) != 0;
        bool truncate = (oflags & WasiFlags.OTrunc) != 0;
        bool directory = (oflags & WasiFlags.ODirectory) != 0;
        // SECURITY: creating and truncating are rights of the directory, not only of the new fd, so a
        // read-only preopen refuses O_CREAT and O_TRUNC whatever rights the guest asks for.
        if (create)
        {
            dir.Require(Rights.PathCreateFile);
        }
        if (truncate)
        {
            dir.Require(Rights.PathFilestatSetSize);
        }
        // SECURITY: a descriptor never gets more than its directory lets descendants inherit.
        Rights requestedBase = (Rights)rightsBase & dir.RightsInheriting;
        Rights requestedInheriting = (Rights)rightsInheriting & dir.RightsInheriting;
        bool write = (requestedBase & (Rights.FdWrite | Rights.FdAllocate | Rights.FdFilestatSetSize)) != 0;
        bool read = (requestedBase & (Rights.FdRead | Rights.FdReaddir)) != 0;
        bool append = (fdFlags & WasiFlags.FdAppend) != 0;

        int flags = LibC.ONofollow | LibC.OCloexec | LibC.ONoctty;
        flags |= directory ? LibC.ORdonly | LibC.ODirectory : write ? (read ? LibC.ORdwr : LibC.OWronly) : LibC.ORdonly;
        if (create)
        {
            flags |= LibC.OCreat;
        }
        if ((oflags & WasiFlags.OExcl) != 0)
        {
            flags |= LibC.OExcl;
        }
        if (truncate)
        {
            flags |= LibC.OTrunc;
        }
        if (append)
        {
            flags |= LibC.OAppend;
        }
        if ((fdFlags & WasiFlags.FdNonblock) != 0)
        {
            flags |= LibC.ONonblock;
        }
        if ((fdFlags & WasiFlags.FdSync) != 0 || (fdFlags & WasiFlags.FdRsync) != 0)
        {
            flags |= LibC.OSync;
        }
        else if ((fdFlags & WasiFlags.FdDsync) != 0)
        {
            flags |= LibC.ODsync;
        }

        bool follow = (lookupFlags & WasiFlags.LookupSymlinkFollow) != 0 && (oflags & WasiFlags.OExcl) == 0;
        using ResolvedPath p = Resolve(dir, memory, pathPtr, pathLen, follow);
        if (p.MustBeDirectory)
        {
            // SECURITY: "file/" opens only a directory; O_DIRECTORY makes the kernel say ENOTDIR.
            WasiErrnoException.ThrowIf(create && !directory, Errno.IsDir);
            flags = (flags & ~(LibC.OWronly | LibC.ORdwr)) | LibC.ODirectory;
        }
        int fd = LibC.OpenAt(p.DirFd, p.Name, flags, 0x1B6 /* 0666, narrowed by the umask */);
        if (fd < 0)
        {
            // Includes ELOOP for a symlink the guest asked not to follow (O_NOFOLLOW), as POSIX says.
            return HostErrno.Last();
        }
        if (LibC.FStat(fd, out Stat st) != 0)
        {
            Errno error = HostErrno.Last();
            LibC.Close(fd);
            return error;
        }
        Filetype type = FiletypeOf(st.Format);
        Rights granted = type == Filetype.Directory ? Rights.Directory : Rights.RegularFile;
        var entry = FdEntry.ForHost(fd, type, requestedBase & granted, requestedInheriting, readOnly: dir.ReadOnly);
        uint guestFd = _fds.Add(entry);
        memory.WriteU32(openedFdPtr, guestFd);
        return Errno.Success;
    }

    internal Errno PathCreateDirectory(GuestMemory memory, uint dirFd, uint pathPtr, uint pathLen)
    {
        FdEntry dir = Directory(dirFd, Rights.PathCreateDirectory);
        using ResolvedPath p = Resolve(dir, memory, pathPtr, pathLen, follow: false);
        WasiErrnoException.ThrowIf(p.Name == ".", Errno.Exist);
        return LibC.MkdirAt(p.DirFd, p.Name, 0x1FF /* 0777, narrowed by the umask */) == 0 ? Errno.Success : HostErrno.Last();
    }

    internal Errno PathRemoveDirectory(GuestMemory memory, uint dirFd, uint pathPtr, uint pathLen)
    {
        FdEntry dir = Directory(dirFd, Rights.PathRemoveDirectory);
        using ResolvedPath p = Resolve(dir, memory, pathPtr, pathLen, follow: false);
        WasiErrnoException.ThrowIf(p.Name == ".", Errno.Inval);
        return LibC.UnlinkAt(p.DirFd, p.Name, LibC.AtRemovedir) == 0 ? Errno.Success : HostErrno.Last();
    }

    internal Errno PathUnlinkFile(GuestMemory memory, uint dirFd, uint pathPtr, uint pathLen)
    {
        FdEntry dir = Directory(dirFd, Rights.PathUnlinkFile);
        using ResolvedPath p = Resolve(dir, memory, pathPtr, pathLen, follow: false);
        WasiErrnoException.ThrowIf(p.Name == ".", Errno.IsDir);
        if (p.MustBeDirectory)
        {
            CheckTrailingSlash(p);
            return Errno.IsDir;
        }
        return LibC.UnlinkAt(p.DirFd, p.Name, 0) == 0 ? Errno.Success : HostErrno.Last();
    }

    internal Errno PathFilestatGet(GuestMemory memory, uint dirFd, uint lookupFlags, uint pathPtr, uint pathLen, uint statPtr)
    {
        FdEntry dir = Directory(dirFd, Rights.PathFilestatGet);
        using ResolvedPath p = Resolve(dir, memory, pathPtr, pathLen, (lookupFlags & WasiFlags.LookupSymlinkFollow) != 0);
        if (LibC.FStatAt(p.DirFd, p.Name, out Stat st, LibC.AtSymlinkNofollow) != 0)
        {
            return HostErrno.Last();
        }
        WasiErrnoException.ThrowIf(p.MustBeDirectory && st.Format != LibC.SIfdir, Errno.NotDir);
        WriteFilestat(memory, statPtr, st);
        return Errno.Success;
    }

    internal Errno PathFilestatSetTimes(GuestMemory memory, uint dirFd, uint lookupFlags, uint pathPtr, uint pathLen, ulong atim, ulong mtim, uint fstFlags)
    {
        FdEntry dir = Directory(dirFd, Rights.PathFilestatSetTimes);
        Timespec* times = stackalloc Timespec[2];
        FillTimes(times, atim, mtim, fstFlags);
        using ResolvedPath p = Resolve(dir, memory, pathPtr, pathLen, (lookupFlags & WasiFlags.LookupSymlinkFollow) != 0);
        CheckTrailingSlash(p);
        return LibC.UtimensAt(p.DirFd, p.Name, times, LibC.AtSymlinkNofollow) == 0 ? Errno.Success : HostErrno.Last();
    }

    internal Errno PathReadlink(GuestMemory memory, uint dirFd, uint pathPtr, uint pathLen, uint bufPtr, uint bufLen, uint bufUsedPtr)
    {
        FdEntry dir = Directory(dirFd, Rights.PathReadlink);
        using ResolvedPath p = Resolve(dir, memory, pathPtr, pathLen, follow: false);
        Span<byte> dest = memory.Slice(bufPtr, bufLen);
        byte[] target = new byte[4097];
        nint n;
        fixed (byte* t = target)
        {
            n = LibC.ReadlinkAt(p.DirFd, p.Name, t, (nuint)target.Length);
        }
        if (n < 0)
        {
            return HostErrno.Last();
        }
        int copied = CopyTruncated(target.AsSpan(0, (int)n), dest);
        memory.WriteU32(bufUsedPtr, (uint)copied);
        return Errno.Success;
    }

    internal Errno PathRename(GuestMemory memory, uint oldFd, uint oldPathPtr, uint oldPathLen, uint newFd, uint newPathPtr, uint newPathLen)
    {
        FdEntry oldDir = Directory(oldFd, Rights.PathRenameSource);
        FdEntry newDir = Directory(newFd, Rights.PathRenameTarget);
        using ResolvedPath from = Resolve(oldDir, memory, oldPathPtr, oldPathLen, follow: false);
        using ResolvedPath to = Resolve(newDir, memory, newPathPtr, newPathLen, follow: false);
        WasiErrnoException.ThrowIf(from.Name == "." || to.Name == ".", Errno.Busy);
        CheckTrailingSlash(from);
        if (to.MustBeDirectory)
        {
            // "a -> b/" is allowed only when a is a directory.
            if (LibC.FStatAt(from.DirFd, from.Name, out Stat st, LibC.AtSymlinkNofollow) != 0)
            {
                return HostErrno.Last();
            }
            WasiErrnoException.ThrowIf(st.Format != LibC.SIfdir, Errno.NotDir);
        }
        return LibC.RenameAt(from.DirFd, from.Name, to.DirFd, to.Name) == 0 ? Errno.Success : HostErrno.Last();
    }

    internal Errno PathLink(GuestMemory memory, uint oldFd, uint oldFlags, uint oldPathPtr, uint oldPathLen, uint newFd, uint newPathPtr, uint newPathLen)
    {
        // SECURITY: linking needs PATH_LINK_SOURCE on the source directory, which read-only preopens
        // withhold: otherwise a file there could be linked into a writable directory and modified.
        FdEntry oldDir = Directory(oldFd, Rights.PathLinkSource);
        FdEntry newDir = Directory(newFd, Rights.PathLinkTarget);
        using ResolvedPath from = Resolve(oldDir, memory, oldPathPtr, oldPathLen, (oldFlags & WasiFlags.LookupSymlinkFollow) != 0);
        using ResolvedPath to = Resolve(newDir, memory, newPathPtr, newPathLen, follow: false);
        CheckTrailingSlash(from);
        WasiErrnoException.ThrowIf(to.MustBeDirectory, Errno.NotDir);
        // flags 0: linkat never follows a symlink itself; PathResolver already did when asked.
        return LibC.LinkAt(from.DirFd, from.Name, to.DirFd, to.Name, 0) == 0 ? Errno.Success : HostErrno.Last();
    }

    internal Errno PathSymlink(GuestMemory memory, uint targetPtr, uint targetLen, uint dirFd, uint pathPtr, uint pathLen)
    {
        FdEntry dir = Directory(dirFd, Rights.PathSymlink);
        string target = memory.ReadPath(targetPtr, targetLen);
        WasiErrnoException.ThrowIf(target.Length == 0, Errno.NoEnt);
        // SECURITY: an absolute target could only ever point outside the sandbox (for the host, who
        // follows it without Kiln's resolver); relative ones are resolved by PathResolver when used.
        WasiErrnoException.ThrowIf(target[0] == '/', Errno.NotCapable);
        using ResolvedPath p = Resolve(dir, memory, pathPtr, pathLen, follow: false);
        WasiErrnoException.ThrowIf(p.MustBeDirectory, Errno.NoEnt);
        return LibC.SymlinkAt(target, p.DirFd, p.Name) == 0 ? Errno.Success : HostErrno.Last();
    }
}
