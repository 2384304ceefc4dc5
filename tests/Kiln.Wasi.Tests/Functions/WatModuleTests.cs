using System.Text;
using Kiln.Wasi.Abi;
using Kiln.Wasm.Model;
using Kiln.Wasm.Text;
using Kiln.Wasm.Validation;

namespace Kiln.Wasi.Tests.Functions;

/// <summary>WASI through the runtime: small WAT modules linked with <see cref="WasiContext.AddToLinker"/>.</summary>
public sealed class WatModuleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kiln-wasi-wat-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Instance Instantiate(string wat, WasiContext wasi, Store store)
    {
        WasmModule model = TextParser.ParseModule(wat);
        ModuleValidator.Validate(model);
        var linker = new Linker(store.Engine);
        wasi.AddToLinker(linker);
        return linker.Instantiate(store, Module.FromWasmModule(store.Engine, model));
    }

    [Fact]
    public void HelloWorldThroughFdWrite()
    {
        const string wat = """
            (module
              (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (data (i32.const 16) "Hi!\n")
              (func (export "_start")
                (i32.store (i32.const 0) (i32.const 16))
                (i32.store (i32.const 4) (i32.const 4))
                (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
            """;
        using var engine = new Engine();
        using var store = new Store(engine);
        var stdout = new MemoryStream();
        using WasiContext wasi = new WasiConfiguration().WithStdout(stdout).Build();
        Instantiate(wat, wasi, store).GetFunction("_start")!.Invoke();
        Assert.Equal("Hi!\n", Encoding.UTF8.GetString(stdout.ToArray()));
    }

    [Fact]
    public void ProcExitUnwindsAsATrapCarryingTheCode()
    {
        const string wat = """
            (module
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "_start") (call $exit (i32.const 3)) unreachable))
            """;
        using var engine = new Engine();
        using var store = new Store(engine);
        using WasiContext wasi = new WasiConfiguration().Build();
        var trap = Assert.Throws<TrapException>(() => Instantiate(wat, wasi, store).GetFunction("_start")!.Invoke());
        Assert.True(WasiExitException.TryGetExitCode(trap, out int code));
        Assert.Equal(3, code);
    }

    [Theory]
    [InlineData("../escape", (int)Errno.NotCapable)]
    [InlineData("/etc/passwd", (int)Errno.NotCapable)]
    [InlineData("inside.txt", (int)Errno.Success)]
    public void GuestPathOpenIsConfined(string path, int expected)
    {
        // path_open(fd 3, follow, path, O_CREAT, rights fd_write, 0, 0, &fd) returns the errno.
        string wat = $$"""
            (module
              (import "wasi_snapshot_preview1" "path_open"
                (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (data (i32.const 100) "{{path}}")
              (func (export "open") (result i32)
                (call $open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const {{Encoding.UTF8.GetByteCount(path)}})
                  (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 0))))
            """;
        using var engine = new Engine();
        using var store = new Store(engine);
        using WasiContext wasi = new WasiConfiguration().PreopenDirectory(_dir, "/").Build();
        Instance instance = Instantiate(wat, wasi, store);
        Assert.Equal(expected, instance.GetFunction("open")!.Invoke()[0].AsI32());
        Assert.Equal(expected == 0, File.Exists(Path.Combine(_dir, "inside.txt")));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_dir)!, "escape")));
    }

    [Fact]
    public void OutOfBoundsPointerFromWasmIsEfault()
    {
        const string wat = """
            (module
              (import "wasi_snapshot_preview1" "random_get" (func $r (param i32 i32) (result i32)))
              (memory (export "memory") 1)
              (func (export "f") (result i32) (call $r (i32.const 65530) (i32.const 100))))
            """;
        using var engine = new Engine();
        using var store = new Store(engine);
        using WasiContext wasi = new WasiConfiguration().Build();
        Assert.Equal((int)Errno.Fault, Instantiate(wat, wasi, store).GetFunction("f")!.Invoke()[0].AsI32());
    }
}
