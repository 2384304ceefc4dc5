using System.Text;

namespace Kiln.Cli.Tests.Run;

/// <summary>
/// The C examples (examples/c) under <c>kiln run</c>, including what wasi-libc programs see when
/// they reach for paths outside the granted directories.
/// </summary>
public sealed class ExampleProgramTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kiln-example-test-").FullName;

    public ExampleProgramTests()
    {
        if (WasiPrograms.MissingToolchain is null)
        {
            Assert.Null(WasiPrograms.EnsureExamplesBuilt());
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Wasm(string name) => Path.Combine(WasiPrograms.ExamplesDirectory, "build", name + ".wasm");

    [WasiProgramFact]
    public void HelloPrintsItsArguments()
    {
        KilnProcess.Result r = KilnProcess.Run("run", Wasm("hello"), "a b", "--c");
        Assert.Equal(0, r.Status);
        Assert.Equal("Hello from C on Kiln! (2 arguments)\n  argv[1] = a b\n  argv[2] = --c\n", r.StdoutText);
    }

    [WasiProgramFact]
    public void WcCountsStdinAndGrantedFiles()
    {
        KilnProcess.Result r = KilnProcess.Run(["run", Wasm("wc")], Encoding.UTF8.GetBytes("one two\nthree\n"));
        Assert.Equal("      2       3      14 \n", r.StdoutText);
        File.WriteAllText(Path.Combine(_dir, "f.txt"), "x y z");
        r = KilnProcess.Run("run", "--dir-ro", _dir + "::/in", Wasm("wc"), "/in/f.txt");
        Assert.Equal(0, r.Status);
        Assert.Equal("      0       3       5 /in/f.txt\n", r.StdoutText);
    }

    [WasiProgramFact]
    public void PathsOutsideTheGrantsAreRefused()
    {
        string inner = Directory.CreateDirectory(Path.Combine(_dir, "inner")).FullName;
        File.WriteAllText(Path.Combine(_dir, "secret.txt"), "secret");
        File.CreateSymbolicLink(Path.Combine(inner, "link"), "../secret.txt");
        KilnProcess.Result r = KilnProcess.Run("run", "--dir", inner + "::/in", Wasm("wc"),
            "/in/../secret.txt", "/in/link", "/etc/passwd", Path.Combine(_dir, "secret.txt"));
        Assert.Equal(1, r.Status);
        Assert.Equal("", r.StdoutText);
        // Each of the four paths fails with its own message; none reaches the file.
        Assert.Equal(4, r.StderrText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("wc: /in/link: Capabilities insufficient", r.StderrText);
        Assert.Contains("wc: /etc/passwd: Capabilities insufficient", r.StderrText);
    }

    [WasiProgramFact]
    public void LsListsAGrantedDirectory()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        File.WriteAllText(Path.Combine(_dir, "b.txt"), "12345");
        KilnProcess.Result r = KilnProcess.Run("run", "--dir", _dir + "::/d", Wasm("ls"), "/d");
        Assert.Equal(0, r.Status);
        string[] lines = r.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("         5 b.txt", lines[0]);
        Assert.EndsWith(" sub/", lines[1]);
    }
}
