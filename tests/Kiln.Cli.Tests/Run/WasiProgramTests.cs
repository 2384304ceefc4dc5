using System.Text;

namespace Kiln.Cli.Tests.Run;

/// <summary>
/// The C test programs built with wasi-libc, run under <c>kiln run</c>: stdout, stderr and exit
/// status must equal the native build's (tests/wasi-programs/expected), and programs given a
/// directory must leave it empty. Covers files, directories, arguments, environment, clocks,
/// randomness and stdio. Each case runs again under <c>--isolate</c> (namespaces where allowed, rlimits, the seccomp
/// filter), where it must behave exactly the same.
/// </summary>
public sealed class WasiProgramTests
{
    public static TheoryData<string> Cases() => [.. WasiPrograms.LoadCases().Cases.Select(c => c.Name)];

    [WasiProgramTheory]
    [MemberData(nameof(Cases))]
    public void MatchesTheNativeBuild(string name) => RunCase(name, []);

    [WasiProgramTheory]
    [MemberData(nameof(Cases))]
    public void MatchesTheNativeBuildUnderIsolation(string name) => RunCase(name, ["--isolate"]);

    private static void RunCase(string name, string[] flags)
    {
        Assert.True(WasiPrograms.MissingToolchain is null, $"the wasm32-wasi toolchain is missing in CI: {WasiPrograms.MissingToolchain}");
        Assert.Null(WasiPrograms.EnsureBuilt());
        (string guestDir, IReadOnlyList<WasiPrograms.Case> cases) = WasiPrograms.LoadCases();
        WasiPrograms.Case c = cases.Single(x => x.Name == name);

        string hostDir = Directory.CreateTempSubdirectory("kiln-wasi-program-").FullName;
        try
        {
            List<string> args = ["run", .. flags];
            if (c.Args.Any(a => a.Contains("{dir}", StringComparison.Ordinal)))
            {
                args.AddRange(["--dir", hostDir + "::" + guestDir]);
            }
            foreach ((string k, string v) in c.Env)
            {
                args.AddRange(["--env", $"{k}={v}"]);
            }
            args.Add(WasiPrograms.WasmPath(c.Program));
            args.AddRange(c.Args.Select(a => a.Replace("{dir}", guestDir, StringComparison.Ordinal)));

            KilnProcess.Result r = KilnProcess.Run(args, Encoding.UTF8.GetBytes(c.Stdin));

            string expected = Path.Combine(WasiPrograms.Directory, "expected", name);
            Assert.Equal(File.ReadAllText(expected + ".stdout"), r.StdoutText);
            Assert.Equal(File.ReadAllText(expected + ".stderr"), r.StderrText);
            Assert.Equal(int.Parse(File.ReadAllText(expected + ".status").Trim(), System.Globalization.CultureInfo.InvariantCulture), r.Status);
            Assert.Empty(Directory.GetFileSystemEntries(hostDir));
        }
        finally
        {
            Directory.Delete(hostDir, recursive: true);
        }
    }
}
