using Kiln.Wasi.Abi;
using Kiln.Wasm.Model;

namespace Kiln.Wasi;

// Binding the functions to a linker under "wasi_snapshot_preview1", with the witx signatures.
public sealed partial class WasiContext
{
    /// <summary>One WASI function's body: the guest's memory and its arguments in, an errno out.</summary>
    private delegate Errno Body(GuestMemory memory, ReadOnlySpan<Value> a);

    /// <summary>Defines every preview1 function in <paramref name="linker"/>, bound to this context.</summary>
    public void AddToLinker(Linker linker)
    {
        ArgumentNullException.ThrowIfNull(linker);
        Define(linker, "args_get", "ii", (m, a) => ArgsGet(m, U(a[0]), U(a[1])));
        Define(linker, "args_sizes_get", "ii", (m, a) => ArgsSizesGet(m, U(a[0]), U(a[1])));
        Define(linker, "environ_get", "ii", (m, a) => EnvironGet(m, U(a[0]), U(a[1])));
        Define(linker, "environ_sizes_get", "ii", (m, a) => EnvironSizesGet(m, U(a[0]), U(a[1])));
        Define(linker, "clock_res_get", "ii", (m, a) => ClockResGet(m, U(a[0]), U(a[1])));
        Define(linker, "clock_time_get", "iIi", (m, a) => ClockTimeGet(m, U(a[0]), L(a[1]), U(a[2])));
        Define(linker, "fd_advise", "iIIi", (m, a) => FdAdvise(U(a[0]), L(a[1]), L(a[2]), U(a[3])));
        Define(linker, "fd_allocate", "iII", (m, a) => FdAllocate(U(a[0]), L(a[1]), L(a[2])));
        Define(linker, "fd_close", "i", (m, a) => FdClose(U(a[0])));
        Define(linker, "fd_datasync", "i", (m, a) => FdDatasync(U(a[0])));
        Define(linker, "fd_fdstat_get", "ii", (m, a) => FdFdstatGet(m, U(a[0]), U(a[1])));
        Define(linker, "fd_fdstat_set_flags", "ii", (m, a) => FdFdstatSetFlags(U(a[0]), U(a[1])));
        Define(linker, "fd_fdstat_set_rights", "iII", (m, a) => FdFdstatSetRights(U(a[0]), L(a[1]), L(a[2])));
        Define(linker, "fd_filestat_get", "ii", (m, a) => FdFilestatGet(m, U(a[0]), U(a[1])));
        Define(linker, "fd_filestat_set_size", "iI", (m, a) => FdFilestatSetSize(U(a[0]), L(a[1])));
        Define(linker, "fd_filestat_set_times", "iIIi", (m, a) => FdFilestatSetTimes(U(a[0]), L(a[1]), L(a[2]), U(a[3])));
        Define(linker, "fd_pread", "iiiIi", (m, a) => FdPread(m, U(a[0]), U(a[1]), U(a[2]), L(a[3]), U(a[4])));
        Define(linker, "fd_prestat_get", "ii", (m, a) => FdPrestatGet(m, U(a[0]), U(a[1])));
        Define(linker, "fd_prestat_dir_name", "iii", (m, a) => FdPrestatDirName(m, U(a[0]), U(a[1]), U(a[2])));
        Define(linker, "fd_pwrite", "iiiIi", (m, a) => FdPwrite(m, U(a[0]), U(a[1]), U(a[2]), L(a[3]), U(a[4])));
        Define(linker, "fd_read", "iiii", (m, a) => FdRead(m, U(a[0]), U(a[1]), U(a[2]), U(a[3])));
        Define(linker, "fd_readdir", "iiiIi", (m, a) => FdReaddir(m, U(a[0]), U(a[1]), U(a[2]), L(a[3]), U(a[4])));
        Define(linker, "fd_renumber", "ii", (m, a) => FdRenumber(U(a[0]), U(a[1])));
        Define(linker, "fd_seek", "iIii", (m, a) => FdSeek(m, U(a[0]), a[1].AsI64(), U(a[2]), U(a[3])));
        Define(linker, "fd_sync", "i", (m, a) => FdSync(U(a[0])));
        Define(linker, "fd_tell", "ii", (m, a) => FdTell(m, U(a[0]), U(a[1])));
        Define(linker, "fd_write", "iiii", (m, a) => FdWrite(m, U(a[0]), U(a[1]), U(a[2]), U(a[3])));
        Define(linker, "path_create_directory", "iii", (m, a) => PathCreateDirectory(m, U(a[0]), U(a[1]), U(a[2])));
        Define(linker, "path_filestat_get", "iiiii", (m, a) => PathFilestatGet(m, U(a[0]), U(a[1]), U(a[2]), U(a[3]), U(a[4])));
        Define(linker, "path_filestat_set_times", "iiiiIIi", (m, a) => PathFilestatSetTimes(m, U(a[0]), U(a[1]), U(a[2]), U(a[3]), L(a[4]), L(a[5]), U(a[6])));
        Define(linker, "path_link", "iiiiiii", (m, a) => PathLink(m, U(a[0]), U(a[1]), U(a[2]), U(a[3]), U(a[4]), U(a[5]), U(a[6])));
        Define(linker, "path_open", "iiiiiIIii", (m, a) => PathOpen(m, U(a[0]), U(a[1]), U(a[2]), U(a[3]), U(a[4]), L(a[5]), L(a[6]), U(a[7]), U(a[8])));
        Define(linker, "path_readlink", "iiiiii", (m, a) => PathReadlink(m, U(a[0]), U(a[1]), U(a[2]), U(a[3]), U(a[4]), U(a[5])));
        Define(linker, "path_remove_directory", "iii", (m, a) => PathRemoveDirectory(m, U(a[0]), U(a[1]), U(a[2])));
        Define(linker, "path_rename", "iiiiii", (m, a) => PathRename(m, U(a[0]), U(a[1]), U(a[2]), U(a[3]), U(a[4]), U(a[5])));
        Define(linker, "path_symlink", "iiiii", (m, a) => PathSymlink(m, U(a[0]), U(a[1]), U(a[2]), U(a[3]), U(a[4])));
        Define(linker, "path_unlink_file", "iii", (m, a) => PathUnlinkFile(m, U(a[0]), U(a[1]), U(a[2])));
        Define(linker, "poll_oneoff", "iiii", (m, a) => PollOneoff(m, U(a[0]), U(a[1]), U(a[2]), U(a[3])));
        Define(linker, "proc_raise", "i", (m, a) => ProcRaise(U(a[0])));
        Define(linker, "sched_yield", "", (m, a) => SchedYield());
        Define(linker, "random_get", "ii", (m, a) => RandomGet(m, U(a[0]), U(a[1])));
        Define(linker, "sock_accept", "iii", (m, a) => SocketUnsupported(U(a[0])));
        Define(linker, "sock_recv", "iiiiii", (m, a) => SocketUnsupported(U(a[0])));
        Define(linker, "sock_send", "iiiii", (m, a) => SocketUnsupported(U(a[0])));
        Define(linker, "sock_shutdown", "ii", (m, a) => SocketUnsupported(U(a[0])));
        linker.DefineFunction(ModuleName, "proc_exit", new FuncType([ValType.I32], []),
            (Caller caller, ReadOnlySpan<Value> args, Span<Value> results) => ProcExit(U(args[0])));
    }

    private static uint U(in Value v) => (uint)v.AsI32();

    private static ulong L(in Value v) => (ulong)v.AsI64();

    /// <summary>Defines <paramref name="name"/> with parameters spelled i (i32) / I (i64) and one i32 errno result.</summary>
    private void Define(Linker linker, string name, string parameters, Body body)
    {
        ValType[] ps = [.. parameters.Select(c => c == 'I' ? ValType.I64 : ValType.I32)];
        linker.DefineFunction(ModuleName, name, new FuncType(ps, [ValType.I32]),
            (Caller caller, ReadOnlySpan<Value> args, Span<Value> results) =>
                results[0] = Value.FromI32((int)Invoke(body, new GuestMemory(caller.GetMemory()), args)));
    }

    /// <summary>Runs a body, turning its errno exceptions (and I/O failures of embedder streams) into errnos.</summary>
    private static Errno Invoke(Body body, GuestMemory memory, ReadOnlySpan<Value> args)
    {
        try
        {
            return body(memory, args);
        }
        catch (WasiErrnoException e)
        {
            return e.Errno;
        }
        catch (IOException)
        {
            return Errno.Io;
        }
        catch (NotSupportedException)
        {
            // A redirected stream that cannot read, write or seek.
            return Errno.BadF;
        }
        catch (ObjectDisposedException)
        {
            return Errno.BadF;
        }
    }
}
