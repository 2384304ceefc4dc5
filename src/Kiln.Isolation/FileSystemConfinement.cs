using System.Runtime.InteropServices;
using Kiln.Isolation.Native;

namespace Kiln.Isolation;

/// <summary>
/// Replaces the child's view of the file system, inside its own mount namespace, with a minimal root: the directories
/// it was granted (bound at their own paths, read-only where granted so), read-only the .NET runtime's and the
/// application's directories and the shared libraries (assemblies and native libraries load lazily), <c>/proc</c>, and
/// <c>/dev/null</c>, <c>/dev/zero</c>, <c>/dev/urandom</c>. Nothing else of the host exists there: an absolute path a host function is tricked into opening
/// (<c>/etc/passwd</c>, or <c>openat(dirfd, "/etc/passwd")</c>, which seccomp cannot tell from WASI's calls) is ENOENT.
/// </summary>
/// <remarks>
/// Done with <c>pivot_root</c>, which moves the root of every thread of the process at once (they share one
/// <c>fs_struct</c>), so it works in a multi-threaded runtime where <c>unshare</c> does not. It must run before the
/// granted directories are opened: a descriptor opened on the old tree could walk up out of the new root with
/// <c>..</c>. Mounts are private to the namespace; the host sees none of them.
/// </remarks>
public static unsafe class FileSystemConfinement
{
    /// <summary>A host directory the confined process keeps, read-only or not.</summary>
    public readonly record struct Grant(string HostPath, bool ReadOnly);

    /// <summary>
    /// Pivots into the minimal root. Call in a child started with a mount namespace (<see cref="IsolatedProcess"/> sets
    /// <see cref="IsolationPolicy.ConfineFileSystem"/> when it created one), before opening the granted directories.
    /// </summary>
    /// <exception cref="InvalidOperationException">A mount step failed; the message names it and the errno.</exception>
    public static void Apply(IEnumerable<Grant> grants)
    {
        var binds = new List<Grant>
        {
            new(Path.TrimEndingDirectorySeparator(RuntimeEnvironment.GetRuntimeDirectory()), ReadOnly: true),
            new(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory), ReadOnly: true),
        };
        // Shared libraries, read-only: the runtime loads native libraries lazily (ICU on first culture-aware call, OpenSSL,
        // its own System.*.Native); they are public files, and without them such a call would end the process.
        foreach (string libraries in new[] { "/lib", "/lib64", "/usr/lib", "/usr/lib64" })
        {
            binds.Add(new Grant(libraries, ReadOnly: true));
        }
        foreach (Grant g in grants)
        {
            binds.Add(g with { HostPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(g.HostPath)) });
        }
        // Globalization settings are read once, from the environment and ICU: before the pivot, while everything is there.
        _ = "I".ToLowerInvariant();
        string cwd = Directory.GetCurrentDirectory();
        // Nothing of this may propagate back to the host's mounts.
        Check(LibC.Mount(null, "/", null, LibC.MsRec | LibC.MsPrivate, 0), "make / private");
        // The new root: a tmpfs over a directory that holds none of the sources (it hides what is below it, in this
        // namespace only).
        string newRoot = new[] { "/mnt", "/media", "/srv", "/opt", "/var/tmp", "/tmp" }.FirstOrDefault(
            d => Directory.Exists(d) && !binds.Any(b => b.HostPath == d || b.HostPath.StartsWith(d + "/", StringComparison.Ordinal)))
            ?? throw new InvalidOperationException("file-system confinement: no directory to mount the new root on");
        Check(LibC.Mount("tmpfs", newRoot, "tmpfs", LibC.MsNosuid | LibC.MsNodev, 0), $"mount a tmpfs on {newRoot}");
        foreach (Grant b in binds)
        {
            if (!Directory.Exists(b.HostPath))
            {
                continue; // The grant's own check reports a missing directory later, with its name.
            }
            string target = newRoot + b.HostPath;
            Directory.CreateDirectory(target);
            Check(LibC.Mount(b.HostPath, target, null, LibC.MsBind | LibC.MsRec, 0), $"bind {b.HostPath}");
            if (b.ReadOnly)
            {
                Remount(target, LibC.MsRdonly);
            }
        }
        foreach (string file in new[] { "/dev/null", "/dev/zero", "/dev/urandom", "/etc/ld.so.cache" })
        {
            if (!File.Exists(file))
            {
                continue;
            }
            string target = newRoot + file;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, []);
            Check(LibC.Mount(file, target, null, LibC.MsBind, 0), $"bind {file}");
            if (file.StartsWith("/etc/", StringComparison.Ordinal))
            {
                Remount(target, LibC.MsRdonly);
            }
        }
        Directory.CreateDirectory(newRoot + "/proc");
        Check(LibC.Mount("/proc", newRoot + "/proc", null, LibC.MsBind | LibC.MsRec, 0), "bind /proc");
        // The working directory exists (empty unless granted), so relative grant paths still resolve.
        Directory.CreateDirectory(newRoot + cwd);
        string oldRoot = newRoot + "/.old-root";
        Directory.CreateDirectory(oldRoot);
        Check((int)LibC.SyscallPaths(LibC.SysPivotRoot, newRoot, oldRoot), "pivot_root");
        Check(LibC.Chdir("/"), "chdir /");
        Check(LibC.Umount2("/.old-root", LibC.MntDetach), "detach the old root");
        Directory.Delete("/.old-root");
        // The root itself read-only: nothing new can be created beside the grants.
        Check(LibC.Mount(null, "/", null, LibC.MsRemount | LibC.MsRdonly | LibC.MsNosuid | LibC.MsNodev, 0), "remount / read-only");
        Check(LibC.Chdir(cwd), $"chdir {cwd}");
    }

    /// <summary>Remounts a bind mount with <paramref name="extra"/> flags, keeping the flags it has (a user namespace may not drop them).</summary>
    private static void Remount(string target, ulong extra)
    {
        LibC.StatVfs vfs;
        Check(LibC.Statvfs(target, &vfs), $"statvfs {target}");
        // statvfs reports ST_* flags: the low ones equal MS_*; ST_RELATIME (4096) is MS_RELATIME.
        ulong kept = vfs.Flags & (LibC.MsRdonly | LibC.MsNosuid | LibC.MsNodev | LibC.MsNoexec | LibC.MsNoatime | LibC.MsNodiratime);
        if ((vfs.Flags & 4096) != 0)
        {
            kept |= LibC.MsRelatime;
        }
        Check(LibC.Mount(null, target, null, LibC.MsRemount | LibC.MsBind | kept | extra, 0), $"remount {target} read-only");
    }

    private static void Check(int result, string step)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"file-system confinement: {step} failed: {LibC.Describe(Marshal.GetLastPInvokeError())}");
        }
    }
}
