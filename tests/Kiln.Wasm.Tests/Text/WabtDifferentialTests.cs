using System.Diagnostics;
using System.Text.Json;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Text;
using Xunit.Abstractions;

namespace Kiln.Wasm.Tests.Text;

/// <summary>
/// Differential test of the text parser and <see cref="ModuleWriter"/> against wabt: every module that
/// wabt's <c>wast2json</c> encodes from a spec script must come out of Kiln byte for byte the same,
/// apart from the sections wabt leaves out by default (names). Skips when wabt is not installed,
/// except under CI=true.
/// </summary>
public sealed class WabtDifferentialTests(ITestOutputHelper output)
{
    internal static readonly string? Wast2Json = FindTool("wast2json");

    [WabtTheory]
    [MemberData(nameof(SpecSuite.WastFileNames), MemberType = typeof(SpecSuite))]
    public void Modules_encode_like_wabt(string fileName)
    {
        Assert.True(Wast2Json is not null, "wabt (wast2json) is required under CI=true: apt-get install wabt");
        string path = SpecSuite.PathOf(fileName);
        string dir = Directory.CreateTempSubdirectory("kiln-wabt-").FullName;
        try
        {
            string json = Path.Combine(dir, "out.json");
            var psi = new ProcessStartInfo(Wast2Json, [path, "-o", json]) { RedirectStandardError = true, RedirectStandardOutput = true };
            using (Process p = Process.Start(psi)!)
            {
                p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0)
                {
                    // wabt 1.0.32 predates parts of the 2.0 suite; such scripts are not comparable.
                    output.WriteLine($"wabt cannot read {fileName}");
                    return;
                }
            }
            WastScript script = WastParser.ParseScript(File.ReadAllBytes(path), fileName);
            var byLine = script.Commands.OfType<WastModuleCommand>().ToDictionary(c => c.Line, c => c.Module);
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
            var failures = new List<string>();
            int compared = 0;
            foreach (JsonElement command in doc.RootElement.GetProperty("commands").EnumerateArray())
            {
                if (command.GetProperty("type").GetString() != "module")
                {
                    continue;
                }
                int line = command.GetProperty("line").GetInt32();
                WastModule module = byLine[line];
                if (module.Kind == WastModuleKind.Binary)
                {
                    continue;
                }
                byte[] expected = File.ReadAllBytes(Path.Combine(dir, command.GetProperty("filename").GetString()!));
                var model = module.ParseText();
                model.Names.FunctionNames.Clear();
                model.Names.ModuleName = null;
                byte[] actual = ModuleWriter.Write(model);
                compared++;
                if (!actual.AsSpan().SequenceEqual(expected))
                {
                    failures.Add($"{fileName}:{line}: kiln {Convert.ToHexString(actual)}\n    wabt {Convert.ToHexString(expected)}");
                }
            }
            output.WriteLine($"{fileName}: {compared} modules compared");
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string? FindTool(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}

/// <summary>A spec-suite theory that also needs wabt: skipped with a reason when either is absent (unless CI=true).</summary>
public sealed class WabtTheoryAttribute : TheoryAttribute
{
    public WabtTheoryAttribute()
    {
        if (SpecSuite.MustExist)
        {
            return;
        }
        if (SpecSuite.Directory is null)
        {
            Skip = SpecSuite.MissingMessage;
        }
        else if (WabtDifferentialTests.Wast2Json is null)
        {
            Skip = "wabt not installed (apt-get install wabt); it is the reference encoder for this test";
        }
    }
}
