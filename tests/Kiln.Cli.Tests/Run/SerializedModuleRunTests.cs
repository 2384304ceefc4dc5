using Kiln.Cli.Tests.Spec;

namespace Kiln.Cli.Tests.Run;

/// <summary>
/// <c>kiln compile -o</c> then <c>kiln run</c> on the file: the same output, exit status and trap report as running the
/// module itself, the file recognised by its magic whatever its name, and a bad file refused with exit status 1 and a
/// message that says what is wrong.
/// </summary>
public sealed class SerializedModuleRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kiln-cache-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Example(string name) => Path.Combine(SpecSuite.RepositoryRoot, "examples", name);

    private string Compile(string module, string output, params string[] options)
    {
        string path = Path.Combine(_dir, output);
        var (exit, text) = CliRunner.Run(["compile", .. options, "-o", path, module]);
        Assert.True(exit == 0, text);
        Assert.Matches(@"\d+ bytes \(tier baseline, fuel off", text.Replace("fuel on", "fuel off"));
        return path;
    }

    [Fact]
    public void HelloRunsFromTheSerializedModuleWhateverItsName()
    {
        foreach (string name in new[] { "hello.kiln", "hello.wasm", "hello" })
        {
            KilnProcess.Result r = KilnProcess.Run("run", Compile(Example("hello.wat"), name));
            Assert.Equal(0, r.Status);
            Assert.Equal("Hello from Kiln!\n", r.StdoutText);
            Assert.Equal("", r.StderrText);
        }
    }

    [Fact]
    public void WithoutTierTheFileRunsOnTheTierItWasCompiledFor()
    {
        // The default tier (auto) is not the file's: without --tier the file's own tier is taken, an explicit one must match.
        string path = Path.Combine(_dir, "fib-opt.kiln");
        var (exit, text) = CliRunner.Run("compile", "--tier", "opt", "-o", path, Example("fib.wat"));
        Assert.True(exit == 0, text);
        KilnProcess.Result r = KilnProcess.Run("run", "--verbose", "--invoke", "fib", path, "10");
        Assert.Equal(0, r.Status);
        Assert.Equal("55\n", r.StdoutText);
        Assert.Contains("tier opt,", r.StderrText);
        KilnProcess.Result refused = KilnProcess.Run("run", "--tier", "baseline", "--invoke", "fib", path, "10");
        Assert.Equal(1, refused.Status);
        Assert.Contains("holds code of tier Optimizing, but the engine runs tier Baseline", refused.StderrText);
    }

    [Fact]
    public void InvokeAndTrapsReportAsForTheModuleItself()
    {
        string wat = Path.Combine(_dir, "trap.wat");
        File.WriteAllText(wat, """
            (module $m
              (func $inner (param i32) (result i32) (i32.div_u (i32.const 7) (local.get 0)))
              (func (export "outer") (param i32) (result i32) (call $inner (local.get 0))))
            """);
        string cached = Compile(wat, "trap.kiln");
        KilnProcess.Result ok = KilnProcess.Run("run", "--invoke", "outer", cached, "2");
        Assert.Equal(0, ok.Status);
        Assert.Equal("3\n", ok.StdoutText);

        KilnProcess.Result expected = KilnProcess.Run("run", "--invoke", "outer", wat, "0");
        KilnProcess.Result actual = KilnProcess.Run("run", "--invoke", "outer", cached, "0");
        Assert.Equal(134, actual.Status);
        Assert.Equal(expected.StderrText, actual.StderrText);
        Assert.Contains("m!inner", actual.StderrText);
    }

    [Fact]
    public void FuelNeedsAFileCompiledWithFuel()
    {
        string plain = Compile(Example("fib.wat"), "fib.kiln");
        KilnProcess.Result refused = KilnProcess.Run("run", "--fuel", "1000", "--invoke", "fib", plain, "10");
        Assert.Equal(1, refused.Status);
        Assert.Contains("compiled with fuel off", refused.StderrText);

        string fueled = Compile(Example("fib.wat"), "fib-fuel.kiln", "--fuel");
        KilnProcess.Result r = KilnProcess.Run("run", "--fuel", "1000000", "--invoke", "fib", fueled, "10");
        Assert.Equal(0, r.Status);
        Assert.Equal("55\n", r.StdoutText);
    }

    [Fact]
    public void ABadFileIsExitStatusOneWithAClearMessage()
    {
        string good = Compile(Example("hello.wat"), "good.kiln");
        byte[] bytes = File.ReadAllBytes(good);

        string truncated = Path.Combine(_dir, "truncated.kiln");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        string flipped = Path.Combine(_dir, "flipped.kiln");
        byte[] changed = (byte[])bytes.Clone();
        changed[^40] ^= 1;
        File.WriteAllBytes(flipped, changed);

        foreach ((string[] args, string message) in new[]
        {
            (new[] { "run", truncated }, "the file is truncated"),
            (new[] { "run", flipped }, "integrity check failed"),
            (new[] { "run", "--tier", "interp", good }, "holds code of tier Baseline, but the engine runs tier Interpreter"),
        })
        {
            KilnProcess.Result r = KilnProcess.Run(args);
            Assert.Equal(1, r.Status);
            Assert.Contains("cannot load the serialized module: " + message, r.StderrText);
            Assert.DoesNotContain("internal error", r.StderrText);
            Assert.Equal("", r.StdoutText);
        }
    }

    [Fact]
    public void CompilingToAnUnwritablePathIsAnError()
    {
        var (exit, text) = CliRunner.Run("compile", "-o", Path.Combine(_dir, "missing", "dir", "x.kiln"), Example("hello.wat"));
        Assert.Equal(1, exit);
        Assert.Contains("kiln compile:", text);
    }
}
