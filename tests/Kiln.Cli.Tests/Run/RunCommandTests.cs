using Kiln.Cli.Commands;
using Kiln.Cli.Run;
using Kiln.Cli.Tests.Spec;

namespace Kiln.Cli.Tests.Run;

/// <summary><c>kiln run</c> end to end on the examples and small modules: output, exit statuses, limits, errors.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kiln-run-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Example(string name) => Path.Combine(SpecSuite.RepositoryRoot, "examples", name);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void HelloExamplePrints()
    {
        KilnProcess.Result r = KilnProcess.Run("run", Example("hello.wat"));
        Assert.Equal(0, r.Status);
        Assert.Equal("Hello from Kiln!\n", r.StdoutText);
        Assert.Equal("", r.StderrText);
    }

    [Fact]
    public void BadEngineEnvironmentIsAUsageErrorNamingTheVariable()
    {
        foreach ((string name, string value) in new[] { ("KILN_BOUNDS_CHECKS", "sometimes"), ("KILN_CODE_MEMORY", "rwx") })
        {
            KilnProcess.Result r = KilnProcess.Run(["run", "--tier", "baseline", Example("hello.wat")], environment: new Dictionary<string, string?> { [name] = value });
            Assert.Equal(2, r.Status);
            Assert.Contains($"{name}='{value}'", r.StderrText);
            Assert.DoesNotContain("internal error", r.StderrText);
        }
    }

    [Fact]
    public void InvokeParsesArgumentsAndPrintsResults()
    {
        KilnProcess.Result r = KilnProcess.Run("run", "--invoke", "fib", Example("fib.wat"), "20");
        Assert.Equal(0, r.Status);
        Assert.Equal("6765\n", r.StdoutText);
        string multi = Write("multi.wat", """
            (module (func (export "f") (param i32 i64 f32 f64) (result f64 i32 i64 f32)
              local.get 3 local.get 0 local.get 1 local.get 2))
            """);
        r = KilnProcess.Run("run", "--invoke", "f", multi, "-7", "0xFFFFFFFFFFFFFFFF", "1.5", "-inf");
        Assert.Equal(0, r.Status);
        Assert.Equal("-inf\n-7\n-1\n1.5\n", r.StdoutText);
    }

    [Fact]
    public void ProcExitStatusIsTheProcessStatus()
    {
        string wat = Write("exit.wat", """
            (module
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "_start") (call $exit (i32.const 42))))
            """);
        Assert.Equal(42, KilnProcess.Run("run", wat).Status);
    }

    [Fact]
    public void GuestArgumentsMayLookLikeOptions()
    {
        string wat = Write("args.wat", """
            (module
              (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "_start") (drop (call $sizes (i32.const 0) (i32.const 4))) (call $exit (i32.load (i32.const 0)))))
            """);
        // argv[0] plus three arguments, one of which is a kiln option name.
        Assert.Equal(4, KilnProcess.Run("run", wat, "--invoke", "x", "--stats").Status);
    }

    [Fact]
    public void TrapPrintsMessageAndBacktraceAndExits134()
    {
        string wat = Write("trap.wat", """
            (module $m
              (func $inner (unreachable))
              (func $outer (export "_start") (call $inner)))
            """);
        KilnProcess.Result r = KilnProcess.Run("run", wat);
        Assert.Equal(ExitCodes.Trap, r.Status);
        Assert.Contains("trap: unreachable", r.StderrText);
        Assert.Contains("0: m!inner", r.StderrText);
        Assert.Contains("1: m!outer", r.StderrText);
        Assert.DoesNotContain("   at ", r.StderrText);
    }

    [Fact]
    public void TimeoutInterruptsAnEndlessLoop()
    {
        string wat = Write("loop.wat", """(module (func (export "_start") (loop (br 0))))""");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        KilnProcess.Result r = KilnProcess.Run("run", "--timeout", "300ms", wat);
        Assert.Equal(ExitCodes.Trap, r.Status);
        Assert.Contains("interrupted", r.StderrText);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void WithoutInterruptChecksFuelStillEndsAnEndlessLoopAndTimeoutIsRefused()
    {
        string wat = Write("loop-fuel.wat", """(module (func (export "_start") (loop (br 0))))""");
        KilnProcess.Result r = KilnProcess.Run("run", "--no-interrupt-checks", "--fuel", "100000", wat);
        Assert.Equal(ExitCodes.Trap, r.Status);
        Assert.Contains("fuel", r.StderrText);

        r = KilnProcess.Run("run", "--no-interrupt-checks", "--timeout", "1s", wat);
        Assert.Equal(ExitCodes.Usage, r.Status);
        Assert.Contains("--no-interrupt-checks", r.StderrText);
        Assert.Equal(0, KilnProcess.Run("run", "--no-interrupt-checks", Example("hello.wat")).Status);
    }

    [Fact]
    public void TrapUnknownImportsLinksUnusedImportsAndTrapsOnACall()
    {
        string wat = Write("bridge.wat", """
            (module
              (import "js" "eval" (func $eval (param i32) (result i32)))
              (func (export "_start"))
              (func (export "bridge") (result i32) (call $eval (i32.const 0))))
            """);
        Assert.Equal(ExitCodes.BadModule, KilnProcess.Run("run", wat).Status);
        Assert.Equal(0, KilnProcess.Run("run", "--trap-unknown-imports", wat).Status);
        KilnProcess.Result r = KilnProcess.Run("run", "--trap-unknown-imports", "--invoke", "bridge", wat);
        Assert.Equal(ExitCodes.Trap, r.Status);
        Assert.Contains("js.eval", r.StderrText);
    }

    [Fact]
    public void TimeoutWakesASleepingGuest()
    {
        // poll_oneoff with one clock subscription of 1000 s, then a loop the interrupt flag stops.
        string wat = Write("sleep.wat", """
            (module
              (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (func (export "_start")
                (i32.store8 (i32.const 8) (i32.const 0))
                (i32.store (i32.const 16) (i32.const 1))
                (i64.store (i32.const 24) (i64.const 1000000000000))
                (drop (call $poll (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 200)))
                (loop (br 0))))
            """);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        KilnProcess.Result r = KilnProcess.Run("run", "--timeout", "300ms", wat);
        Assert.Equal(ExitCodes.Trap, r.Status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void PollSeesStdinReadiness()
    {
        // poll_oneoff on fd 0 for reading, beside a 1000 s clock; exit with the event's type
        // (1 = fd_read) plus 10 times its byte count, capped by the 4 bytes piped in. Were the
        // readiness missed, poll would wait for the clock and KilnProcess's time limit fails the
        // test; no tight wall-clock bound, which process start-up on a busy machine could exceed.
        string wat = Write("pollin.wat", """
            (module
              (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "_start")
                (i32.store8 (i32.const 8) (i32.const 1))
                (i32.store (i32.const 16) (i32.const 0))
                (i32.store8 (i32.const 56) (i32.const 0))
                (i32.store (i32.const 64) (i32.const 1))
                (i64.store (i32.const 72) (i64.const 1000000000000))
                (drop (call $poll (i32.const 0) (i32.const 200) (i32.const 2) (i32.const 300)))
                (call $exit (i32.add (i32.load8_u (i32.const 210))
                  (i32.mul (i32.const 10) (i32.wrap_i64 (i64.load (i32.const 216))))))))
            """);
        KilnProcess.Result r = KilnProcess.Run(["run", wat], "data"u8.ToArray());
        Assert.Equal(41, r.Status);
    }

    [Fact]
    public void FuelRunsOut()
    {
        KilnProcess.Result r = KilnProcess.Run("run", "--fuel", "1000", "--invoke", "fib", Example("fib.wat"), "25");
        Assert.Equal(ExitCodes.Trap, r.Status);
        Assert.Contains("all fuel consumed", r.StderrText);
        Assert.Equal(0, KilnProcess.Run("run", "--fuel", "10000000", "--invoke", "fib", Example("fib.wat"), "10").Status);
    }

    [Fact]
    public void MaxMemoryLimitsGrowth()
    {
        string wat = Write("grow.wat", """(module (memory 1) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))""");
        Assert.Equal("1\n", KilnProcess.Run("run", "--max-memory", "128K", "--invoke", "grow", wat, "1").StdoutText);
        Assert.Equal("-1\n", KilnProcess.Run("run", "--max-memory", "128K", "--invoke", "grow", wat, "2").StdoutText);
    }

    [Fact]
    public void StatsGoToStderr()
    {
        KilnProcess.Result r = KilnProcess.Run("run", "--tier", "interp", "--stats", "--invoke", "fib", Example("fib.wat"), "5");
        Assert.Equal("5\n", r.StdoutText);
        Assert.Contains("compile (interp)", r.StderrText);
        Assert.Contains("code bytes (interp) 0 in 0 functions", r.StderrText);
        Assert.Contains("code memory (interp) none, permission changes 0", r.StderrText);
        Assert.Contains("peak linear memory", r.StderrText);
        // The default tier is auto, which compiles (on Linux x86-64, where these tests run): the baseline first, lazily.
        r = KilnProcess.Run("run", "--stats", "--invoke", "fib", Example("fib.wat"), "5");
        Assert.Equal("5\n", r.StdoutText);
        Assert.Contains("compile (auto)", r.StderrText);
        Assert.Matches(@"run [0-9.]+ ms \([0-9.]+ ms CPU on the guest's thread\)", r.StderrText);
        Assert.DoesNotContain("code bytes (auto) 0 in", r.StderrText);
        // fib(5) is not hot: nothing moved up, so nothing was retired or freed.
        Assert.Contains("0 re-tiered; retired code: 0 functions (0 bytes), freed 0 (0 bytes)", r.StderrText);
        Assert.Matches(@"batches sealed [1-9][0-9]*, freed 0", r.StderrText);
    }

    [Fact]
    public void DirectoriesAreGrantedAndReadOnlyIsEnforced()
    {
        string wat = Write("mkdir.wat", """
            (module
              (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (data (i32.const 0) "made")
              (func (export "_start") (call $exit (call $mkdir (i32.const 3) (i32.const 0) (i32.const 4)))))
            """);
        string granted = Directory.CreateDirectory(Path.Combine(_dir, "granted")).FullName;
        Assert.Equal(0, KilnProcess.Run("run", "--dir", granted + "::/data", wat).Status);
        Assert.True(Directory.Exists(Path.Combine(granted, "made")));
        string ro = Directory.CreateDirectory(Path.Combine(_dir, "ro")).FullName;
        Assert.Equal(76, KilnProcess.Run("run", "--dir-ro", ro, wat).Status); // ENOTCAPABLE
        Assert.False(Directory.Exists(Path.Combine(ro, "made")));
        // Without --dir there is no fd 3 at all.
        Assert.Equal(8, KilnProcess.Run("run", wat).Status); // EBADF
    }

    [Fact]
    public void BadModulesAreClearErrors()
    {
        KilnProcess.Result r = KilnProcess.Run("run", Write("bad.wat", "(module (func (export \"f\") (i32.add)))"));
        Assert.Equal(ExitCodes.BadModule, r.Status);
        Assert.Contains("type mismatch", r.StderrText);
        Assert.DoesNotContain("   at ", r.StderrText);

        r = KilnProcess.Run("run", Write("syntax.wat", "(module (func (foo)))"));
        Assert.Equal(ExitCodes.BadModule, r.Status);
        Assert.Contains("syntax.wat:1:", r.StderrText);

        string bin = Path.Combine(_dir, "bad.wasm");
        File.WriteAllBytes(bin, [0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 1, 5]);
        r = KilnProcess.Run("run", bin);
        Assert.Equal(ExitCodes.BadModule, r.Status);
        Assert.Contains("offset", r.StderrText);

        r = KilnProcess.Run("run", Write("import.wat", "(module (import \"env\" \"f\" (func)))"));
        Assert.Equal(ExitCodes.BadModule, r.Status);
        Assert.Contains("unknown import", r.StderrText);

        Assert.Equal(ExitCodes.BadModule, KilnProcess.Run("run", Path.Combine(_dir, "missing.wasm")).Status);

        r = KilnProcess.Run("run", "--dir", Path.Combine(_dir, "no-such-dir"), Example("hello.wat"));
        Assert.Equal(ExitCodes.BadModule, r.Status);
        Assert.Contains("No such file or directory", r.StderrText);
    }

    [Fact]
    public void UsageErrorsExit2()
    {
        Assert.Equal(ExitCodes.Usage, KilnProcess.Run("run").Status);
        Assert.Equal(ExitCodes.Usage, KilnProcess.Run("run", "--bogus", Example("fib.wat")).Status);
        Assert.Equal(ExitCodes.Usage, KilnProcess.Run("run", "--timeout", "soon", Example("fib.wat")).Status);
        Assert.Equal(ExitCodes.Usage, KilnProcess.Run("run", "--invoke", "fib", Example("fib.wat"), "x").Status);
        Assert.Equal(ExitCodes.Usage, KilnProcess.Run("run", "--invoke", "nope", Example("fib.wat")).Status);
        Assert.Equal(ExitCodes.Usage, KilnProcess.Run("run", Write("empty.wat", "(module)")).Status);
    }

    [Theory]
    [InlineData(new[] { "run", "a.wasm", "--x" }, new[] { "run", "a.wasm" }, new[] { "--x" })]
    [InlineData(new[] { "run", "--dir", "d", "--stats", "a.wasm", "b", "--dir" }, new[] { "run", "--dir", "d", "--stats", "a.wasm" }, new[] { "b", "--dir" })]
    [InlineData(new[] { "run", "--env=A=1", "a.wasm" }, new[] { "run", "--env=A=1", "a.wasm" }, new string[0])]
    [InlineData(new[] { "run", "--", "-a.wasm", "x" }, new[] { "run", "-a.wasm" }, new[] { "x" })]
    [InlineData(new[] { "run", "--profile", "jitdump", "--debug-info", "a.wasm", "--verbose" }, new[] { "run", "--profile", "jitdump", "--debug-info", "a.wasm" }, new[] { "--verbose" })]
    public void GuestArgumentsAreSplitAtTheModule(string[] args, string[] head, string[] guest)
    {
        (string[] h, string[] g) = RunCommand.SplitGuestArguments(args);
        Assert.Equal(head, h);
        Assert.Equal(guest, g);
    }
}
