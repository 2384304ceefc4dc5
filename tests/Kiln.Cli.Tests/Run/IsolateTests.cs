namespace Kiln.Cli.Tests.Run;

/// <summary>
/// <c>kiln run --isolate</c> end to end: programs run unchanged, the limits end a run with a message and a status, and
/// a missing namespace tool is named (and refused under <c>--isolate=strict</c>). What the seccomp filter refuses is
/// tested through a vulnerable host function in tests/Kiln.Isolation.Tests.
/// </summary>
public sealed class IsolateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kiln-isolate-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Example(string name) => Path.Combine(ExternalTools.RepositoryRoot, "examples", name);

    private string Wat(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void HelloRunsUnchangedAndVerboseNamesTheSandbox()
    {
        KilnProcess.Result r = KilnProcess.Run("run", "--isolate", "--verbose", Example("hello.wat"));
        Assert.True(r.Status == 0, r.StderrText);
        Assert.Equal("Hello from Kiln!\n", r.StdoutText);
        Assert.Contains("kiln run: isolation: seccomp filter of ", r.StderrText);
        // Either the namespaces were created, or the message says which were not and why.
        Assert.Contains("kiln run: isolation: namespaces", r.StderrText);
    }

    [WasiProgramFact]
    public void WcAndLsSeeTheirPreopensAsWithoutIsolation()
    {
        Assert.Null(WasiPrograms.EnsureExamplesBuilt());
        File.WriteAllText(Path.Combine(_dir, "f.txt"), "one two\nthree\n");
        string wc = Path.Combine(WasiPrograms.ExamplesDirectory, "build", "wc.wasm");
        string ls = Path.Combine(WasiPrograms.ExamplesDirectory, "build", "ls.wasm");
        foreach (string[] command in new[] { new[] { "--dir-ro", _dir + "::/in", wc, "/in/f.txt" }, ["--dir", _dir + "::/d", ls, "/d"] })
        {
            KilnProcess.Result plain = KilnProcess.Run(["run", .. command]);
            KilnProcess.Result isolated = KilnProcess.Run(["run", "--isolate", .. command]);
            Assert.Equal(0, plain.Status);
            Assert.True(isolated.Status == 0, isolated.StderrText);
            Assert.Equal(plain.StdoutText, isolated.StdoutText);
        }
    }

    [WasiProgramFact]
    public void WithAMountNamespaceOnlyTheGrantsExistAndRelativeGrantsStillResolve()
    {
        Assert.Null(WasiPrograms.EnsureExamplesBuilt());
        string granted = Directory.CreateDirectory(Path.Combine(_dir, "granted")).FullName;
        File.WriteAllText(Path.Combine(granted, "f.txt"), "x y z");
        string wc = Path.Combine(WasiPrograms.ExamplesDirectory, "build", "wc.wasm");
        // A relative HOST path, resolved in the child's working directory after the pivot.
        KilnProcess.Result r = KilnProcess.Run(["run", "--isolate", "--verbose", "--dir-ro", "granted::/in", wc, "/in/f.txt"], workingDirectory: _dir);
        Assert.True(r.Status == 0, r.StderrText);
        Assert.Equal("      0       3       5 /in/f.txt\n", r.StdoutText);
        if (r.StderrText.Contains("namespaces: user, mount", StringComparison.Ordinal) || r.StderrText.Contains("applied: mount", StringComparison.Ordinal))
        {
            Assert.Contains("kiln run: isolation: file system confined to 1 granted directories", r.StderrText);
        }
        else
        {
            Assert.DoesNotContain("file system confined", r.StderrText);
        }
    }

    [Fact]
    public void TheGuestsExitStatusAndTrapsPassThrough()
    {
        string exit42 = Wat("exit42.wat", """
            (module
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "_start") (call $exit (i32.const 42))))
            """);
        Assert.Equal(42, KilnProcess.Run("run", "--isolate", exit42).Status);
        string trap = Wat("trap.wat", """(module (func (export "_start") unreachable))""");
        KilnProcess.Result r = KilnProcess.Run("run", "--isolate", trap);
        Assert.Equal(134, r.Status);
        Assert.Contains("kiln run: trap: unreachable", r.StderrText);
        Assert.DoesNotContain("isolated run", r.StderrText);
    }

    [Fact]
    public void TheCpuLimitEndsASpinningGuestWithAMessage()
    {
        string spin = Wat("spin.wat", """(module (func (export "_start") (loop $l (br $l))))""");
        KilnProcess.Result r = KilnProcess.Run("run", "--isolate", "--isolate-cpu", "1", spin);
        Assert.Equal(128 + 24, r.Status);
        Assert.Contains("kiln run: isolated run killed: the CPU-time limit of 1 s was exceeded (SIGXCPU)", r.StderrText);
    }

    [WasiProgramFact]
    public void TheFileSizeLimitShortensAWriteInsteadOfKilling()
    {
        Assert.Null(WasiPrograms.EnsureBuilt());
        // files.c writes 20 bytes and checks that all were written: with a 10-byte limit the write stops short (the
        // kernel writes up to the limit), the program says so and exits 1; SIGXFSZ would have killed it (153).
        KilnProcess.Result r = KilnProcess.Run("run", "--isolate", "--isolate-file-size", "10", "--dir", _dir + "::/d", WasiPrograms.WasmPath("files"), "/d");
        Assert.Equal(1, r.Status);
        Assert.StartsWith("FAIL write", r.StdoutText);
        Assert.DoesNotContain("isolated run", r.StderrText);
        Assert.Equal(10, new FileInfo(Path.Combine(_dir, "data.txt")).Length);
    }

    [Fact]
    public void TheAddressSpaceLimitRefusesALinearMemoryReservation()
    {
        // The guest's memory is reserved at instantiation, after the sandbox is entered: far more than 64 MiB whether
        // it is guarded (6 GiB) or not (its 4 GiB maximum).
        KilnProcess.Result r = KilnProcess.Run("run", "--isolate", "--isolate-address-space", "64M", Example("hello.wat"));
        Assert.Equal(1, r.Status);
        Assert.Contains("resource limit: cannot reserve", r.StderrText);
        Assert.Equal("", r.StdoutText);
    }

    [Fact]
    public void WithoutUnshareTheRunGoesOnAndSaysSoButStrictRefuses()
    {
        var noPath = new Dictionary<string, string?> { ["PATH"] = _dir };
        KilnProcess.Result r = KilnProcess.Run(["run", "--isolate", Example("hello.wat")], environment: noPath);
        Assert.Equal(0, r.Status);
        Assert.Equal("Hello from Kiln!\n", r.StdoutText);
        Assert.Contains("kiln run: isolation: namespaces not applied: user, mount, pid, net, ipc, uts (unshare (util-linux) is not on PATH); "
            + "running with the rlimits and the seccomp filter only", r.StderrText);

        KilnProcess.Result strict = KilnProcess.Run(["run", "--isolate=strict", Example("hello.wat")], environment: noPath);
        Assert.Equal(71, strict.Status);
        Assert.Equal("", strict.StdoutText);
        Assert.Contains("namespaces required but not applied", strict.StderrText);
    }

    [Theory]
    [InlineData("--isolate=sometimes", "unknown --isolate mode 'sometimes'")]
    [InlineData("--isolate-cpu=1", "the --isolate-* limits need --isolate")]
    public void BadIsolationOptionsAreCommandLineErrors(string flag, string message)
    {
        KilnProcess.Result r = KilnProcess.Run("run", flag, Example("hello.wat"));
        Assert.Equal(2, r.Status);
        Assert.Contains(message, r.StderrText);
    }
}
