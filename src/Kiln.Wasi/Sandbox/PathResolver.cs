using System.Text;
using Kiln.Wasi.Abi;
using Kiln.Wasi.Native;

namespace Kiln.Wasi.Sandbox;

/// <summary>
/// Resolves guest paths inside a directory capability without ever letting the kernel walk a path
/// that could leave it. The path is taken one component at a time: each directory is opened with
/// <c>openat(O_PATH | O_DIRECTORY | O_NOFOLLOW)</c> relative to the previous one, <c>..</c> pops a
/// stack of directories Kiln itself opened (so it can never rise above the starting directory), and a
/// symlink is read with <c>readlinkat</c> and its target spliced into the remaining components (an
/// absolute target is refused), with a hop limit. The caller then acts on the last component with
/// an <c>*at</c> call that does not follow symlinks, so a symlink swapped in meanwhile fails (ELOOP)
/// instead of escaping.
/// </summary>
internal static class PathResolver
{
    /// <summary>Symlinks followed in one resolution before ELOOP (Linux's limit).</summary>
    public const int MaxSymlinkHops = 40;

    private const int MaxPathBytes = 4096;

    /// <summary>
    /// Resolves <paramref name="path"/> relative to the host directory <paramref name="baseFd"/>.
    /// With <paramref name="followFinal"/>, a symlink as the last component is followed too (always
    /// when the path ends in '/').
    /// </summary>
    public static ResolvedPath Resolve(int baseFd, string path, bool followFinal)
    {
        WasiErrnoException.ThrowIf(path.Length == 0, Errno.NoEnt);
        WasiErrnoException.ThrowIf(Encoding.UTF8.GetByteCount(path) > MaxPathBytes, Errno.NameTooLong);
        // SECURITY: the guest has no root directory; an absolute path names nothing it was granted.
        WasiErrnoException.ThrowIf(path[0] == '/', Errno.NotCapable);

        var pending = new Stack<string>();
        bool mustBeDirectory = PushComponents(pending, path);
        followFinal |= mustBeDirectory;

        // Directories Kiln opened while descending; the top is the current directory.
        var opened = new Stack<int>();
        int hops = 0;
        try
        {
            while (true)
            {
                int current = opened.Count > 0 ? opened.Peek() : baseFd;
                string component = pending.Pop();
                bool last = pending.Count == 0;
                if (component is "" or ".")
                {
                    if (last)
                    {
                        return Finish(opened, baseFd, ".", mustBeDirectory);
                    }
                    continue;
                }
                if (component == "..")
                {
                    // SECURITY: ".." pops only directories this resolution descended into, so it
                    // never reaches above the capability's directory, whatever the host tree holds.
                    WasiErrnoException.ThrowIf(opened.Count == 0, Errno.NotCapable);
                    LibC.Close(opened.Pop());
                    if (last)
                    {
                        return Finish(opened, baseFd, ".", mustBeDirectory);
                    }
                    continue;
                }
                if (last)
                {
                    if (followFinal && TryReadSymlink(current, component, out string? target))
                    {
                        Splice(pending, target!, wasLast: true, ref hops, ref mustBeDirectory);
                        continue;
                    }
                    return Finish(opened, baseFd, component, mustBeDirectory);
                }

                int next = LibC.OpenAt(current, component, LibC.OPath | LibC.ODirectory | LibC.ONofollow | LibC.OCloexec, 0);
                if (next >= 0)
                {
                    opened.Push(next);
                    continue;
                }
                Errno error = HostErrno.Last();
                // O_NOFOLLOW on a symlink fails with ELOOP (or ENOTDIR with O_DIRECTORY on some kernels).
                if ((error == Errno.Loop || error == Errno.NotDir) && TryReadSymlink(current, component, out string? linkTarget))
                {
                    Splice(pending, linkTarget!, wasLast: false, ref hops, ref mustBeDirectory);
                    continue;
                }
                throw new WasiErrnoException(error);
            }
        }
        catch
        {
            while (opened.Count > 0)
            {
                LibC.Close(opened.Pop());
            }
            throw;
        }
    }

    /// <summary>Pushes the components of <paramref name="path"/> so the first pops first; true when it ends in '/'.</summary>
    private static bool PushComponents(Stack<string> pending, string path)
    {
        string trimmed = path.TrimEnd('/');
        bool trailingSlash = trimmed.Length != path.Length;
        if (trimmed.Length == 0)
        {
            pending.Push(".");
            return true;
        }
        string[] parts = trimmed.Split('/');
        for (int i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
        return trailingSlash;
    }

    private static void Splice(Stack<string> pending, string target, bool wasLast, ref int hops, ref bool mustBeDirectory)
    {
        WasiErrnoException.ThrowIf(++hops > MaxSymlinkHops, Errno.Loop);
        WasiErrnoException.ThrowIf(target.Length == 0, Errno.NoEnt);
        // SECURITY: an absolute symlink target (made by the host or anyone else) points outside.
        WasiErrnoException.ThrowIf(target[0] == '/', Errno.NotCapable);
        bool trailingSlash = PushComponents(pending, target);
        // A link to "dir/" as the last component must resolve to a directory.
        mustBeDirectory |= wasLast && trailingSlash;
    }

    /// <summary>True when <paramref name="name"/> in <paramref name="dirFd"/> is a symlink; its target in <paramref name="target"/>.</summary>
    public static unsafe bool TryReadSymlink(int dirFd, string name, out string? target)
    {
        target = null;
        if (LibC.FStatAt(dirFd, name, out Stat st, LibC.AtSymlinkNofollow) != 0 || st.Format != LibC.SIflnk)
        {
            return false;
        }
        byte[] buffer = new byte[MaxPathBytes + 1];
        nint n;
        fixed (byte* p = buffer)
        {
            n = LibC.ReadlinkAt(dirFd, name, p, (nuint)buffer.Length);
        }
        if (n < 0)
        {
            throw new WasiErrnoException(HostErrno.Last());
        }
        WasiErrnoException.ThrowIf(n > MaxPathBytes, Errno.NameTooLong);
        target = Encoding.UTF8.GetString(buffer, 0, (int)n);
        return true;
    }

    private static ResolvedPath Finish(Stack<int> opened, int baseFd, string name, bool mustBeDirectory)
    {
        if (opened.Count == 0)
        {
            return new ResolvedPath(baseFd, ownsDir: false, name, mustBeDirectory);
        }
        int dir = opened.Pop();
        while (opened.Count > 0)
        {
            LibC.Close(opened.Pop());
        }
        return new ResolvedPath(dir, ownsDir: true, name, mustBeDirectory);
    }
}
