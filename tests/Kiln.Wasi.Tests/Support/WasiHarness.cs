using System.Text;
using Kiln.Wasi.Abi;
using Kiln.Wasm.Model;

namespace Kiln.Wasi.Tests.Support;

/// <summary>
/// Drives the WASI functions directly from C#: a temporary host tree with a sandbox directory
/// (preopened read-write at fd 3 as "/sandbox"), a read-only one (fd 4, "/ro") and an "outside"
/// directory holding a secret the guest must never reach, plus one page of guest memory where
/// the helpers place paths and read results.
/// </summary>
internal sealed class WasiHarness : IDisposable
{
    public const uint Sandbox = 3;
    public const uint ReadOnly = 4;

    // Guest memory layout used by the helpers.
    public const uint PathPtr = 1024;
    public const uint Path2Ptr = 2048;
    public const uint ResultPtr = 512;
    public const uint BufferPtr = 4096;

    private readonly Engine _engine = new();
    private readonly Store _store;

    public WasiHarness(Action<WasiConfiguration>? configure = null)
    {
        Root = Directory.CreateTempSubdirectory("kiln-wasi-test-").FullName;
        SandboxPath = Directory.CreateDirectory(Path.Combine(Root, "sandbox")).FullName;
        ReadOnlyPath = Directory.CreateDirectory(Path.Combine(Root, "ro")).FullName;
        OutsidePath = Directory.CreateDirectory(Path.Combine(Root, "outside")).FullName;
        File.WriteAllText(Path.Combine(OutsidePath, "secret.txt"), "secret");
        File.WriteAllText(Path.Combine(ReadOnlyPath, "data.txt"), "read-only data");
        _store = new Store(_engine);
        Memory = Memory.Create(_store, new MemoryType(new Limits(1, 1)));
        Guest = new GuestMemory(Memory);
        Stdout = new MemoryStream();
        var config = new WasiConfiguration()
            .WithArguments("prog", "arg1")
            .WithEnvironment("KEY", "value")
            .WithStdout(Stdout)
            .PreopenDirectory(SandboxPath, "/sandbox")
            .PreopenDirectory(ReadOnlyPath, "/ro", readOnly: true);
        configure?.Invoke(config);
        Context = config.Build();
    }

    public string Root { get; }

    public string SandboxPath { get; }

    public string ReadOnlyPath { get; }

    public string OutsidePath { get; }

    public Memory Memory { get; }

    public GuestMemory Guest { get; }

    public MemoryStream Stdout { get; }

    public WasiContext Context { get; }

    /// <summary>Runs a WASI function body the way the linker does: errno exceptions become errnos.</summary>
    public static Errno Call(Func<Errno> body)
    {
        try
        {
            return body();
        }
        catch (WasiErrnoException e)
        {
            return e.Errno;
        }
    }

    public uint PutString(uint ptr, string s)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        bytes.CopyTo(Memory.GetSpan(ptr, bytes.Length));
        return (uint)bytes.Length;
    }

    /// <summary>path_open relative to <paramref name="dir"/>; on success the new fd is in <paramref name="fd"/>.</summary>
    public Errno Open(uint dir, string path, out uint fd, ushort oflags = 0, Rights rights = Rights.FdRead | Rights.FdSeek | Rights.FdReaddir | Rights.FdFilestatGet,
        bool follow = true, ushort fdflags = 0)
    {
        uint len = PutString(PathPtr, path);
        Errno e = Call(() => Context.PathOpen(Guest, dir, follow ? WasiFlags.LookupSymlinkFollow : 0, PathPtr, len, oflags,
            (ulong)rights, (ulong)(Rights.RegularFile | Rights.Directory), fdflags, ResultPtr));
        fd = e == Errno.Success ? (uint)Memory.ReadInt32(ResultPtr) : uint.MaxValue;
        return e;
    }

    public Errno Stat(uint dir, string path, bool follow = true)
    {
        uint len = PutString(PathPtr, path);
        return Call(() => Context.PathFilestatGet(Guest, dir, follow ? WasiFlags.LookupSymlinkFollow : 0, PathPtr, len, BufferPtr));
    }

    public Errno Mkdir(uint dir, string path)
    {
        uint len = PutString(PathPtr, path);
        return Call(() => Context.PathCreateDirectory(Guest, dir, PathPtr, len));
    }

    public Errno Unlink(uint dir, string path)
    {
        uint len = PutString(PathPtr, path);
        return Call(() => Context.PathUnlinkFile(Guest, dir, PathPtr, len));
    }

    public Errno Rmdir(uint dir, string path)
    {
        uint len = PutString(PathPtr, path);
        return Call(() => Context.PathRemoveDirectory(Guest, dir, PathPtr, len));
    }

    public Errno Symlink(string target, uint dir, string path)
    {
        uint tlen = PutString(Path2Ptr, target);
        uint len = PutString(PathPtr, path);
        return Call(() => Context.PathSymlink(Guest, Path2Ptr, tlen, dir, PathPtr, len));
    }

    public Errno Link(uint oldDir, string oldPath, uint newDir, string newPath, bool follow = false)
    {
        uint olen = PutString(Path2Ptr, oldPath);
        uint nlen = PutString(PathPtr, newPath);
        return Call(() => Context.PathLink(Guest, oldDir, follow ? WasiFlags.LookupSymlinkFollow : 0, Path2Ptr, olen, newDir, PathPtr, nlen));
    }

    public Errno Rename(uint oldDir, string oldPath, uint newDir, string newPath)
    {
        uint olen = PutString(Path2Ptr, oldPath);
        uint nlen = PutString(PathPtr, newPath);
        return Call(() => Context.PathRename(Guest, oldDir, Path2Ptr, olen, newDir, PathPtr, nlen));
    }

    /// <summary>fd_write of <paramref name="text"/> (one iovec); the count written is returned in <paramref name="written"/>.</summary>
    public Errno Write(uint fd, string text, out uint written)
    {
        uint len = PutString(BufferPtr, text);
        Memory.WriteInt32(ResultPtr, (int)BufferPtr);
        Memory.WriteInt32(ResultPtr + 4, (int)len);
        Errno e = Call(() => Context.FdWrite(Guest, fd, ResultPtr, 1, ResultPtr + 8));
        written = (uint)Memory.ReadInt32(ResultPtr + 8);
        return e;
    }

    /// <summary>fd_read of up to <paramref name="max"/> bytes (one iovec) as text.</summary>
    public Errno Read(uint fd, int max, out string text)
    {
        Memory.WriteInt32(ResultPtr, (int)BufferPtr);
        Memory.WriteInt32(ResultPtr + 4, max);
        Errno e = Call(() => Context.FdRead(Guest, fd, ResultPtr, 1, ResultPtr + 8));
        int n = Memory.ReadInt32(ResultPtr + 8);
        text = e == Errno.Success ? Encoding.UTF8.GetString(Memory.GetSpan(BufferPtr, n)) : "";
        return e;
    }

    public void Dispose()
    {
        Context.Dispose();
        _store.Dispose();
        _engine.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
