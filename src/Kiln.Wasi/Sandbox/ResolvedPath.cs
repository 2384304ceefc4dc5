using Kiln.Wasi.Native;

namespace Kiln.Wasi.Sandbox;

/// <summary>
/// The result of resolving a guest path: a host directory descriptor inside the sandbox and one
/// final name in it (never containing '/', never a symlink Kiln followed). Operations then use the
/// <c>*at</c> calls on (<see cref="DirFd"/>, <see cref="Name"/>) without following symlinks.
/// </summary>
internal sealed class ResolvedPath : IDisposable
{
    private readonly bool _ownsDir;

    public ResolvedPath(int dirFd, bool ownsDir, string name, bool mustBeDirectory)
    {
        DirFd = dirFd;
        _ownsDir = ownsDir;
        Name = name;
        MustBeDirectory = mustBeDirectory;
    }

    public int DirFd { get; }

    /// <summary>The last component: a plain name, or "." for the directory itself.</summary>
    public string Name { get; }

    /// <summary>The guest path ended in '/': the object must be a directory (ENOTDIR otherwise).</summary>
    public bool MustBeDirectory { get; }

    public void Dispose()
    {
        if (_ownsDir)
        {
            LibC.Close(DirFd);
        }
    }
}
