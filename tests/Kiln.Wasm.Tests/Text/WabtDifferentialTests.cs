using System.Text.Json;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Text;
using Xunit.Abstractions;

namespace Kiln.Wasm.Tests.Text;

/// <summary>
/// Differential test of the text parser and <see cref="ModuleWriter"/> against wabt: every module that
/// wabt's <c>wast2json</c> encodes from a spec script (defined, or expected to be invalid, unlinkable,
/// uninstantiable or to trap) must come out of Kiln byte for byte the same,
/// apart from the sections wabt leaves out by default (names). Skips when wabt is not installed,
/// except under CI=true.
/// </summary>
public sealed class WabtDifferentialTests(ITestOutputHelper output)
{
    internal static readonly string? Wast2Json = ExternalTools.Find("wast2json");

    /// <summary>Modules where Kiln deliberately encodes differently from wabt 1.0.32, with the reason.</summary>
    private static readonly Dictionary<string, string> s_divergences = new()
    {
        // (select (result) ...) is a typed select with zero types (0x1C 0x00), which validation rejects with
        // "invalid result arity" as the script expects; wabt drops the empty annotation and emits plain select.
        ["select.wast:324"] = "typed select with an empty result list",
    };

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
            {
                int exitCode = ExternalTools.Run(Wast2Json, [path, "-o", json], TimeSpan.FromMinutes(2)).ExitCode;
                // wabt 1.0.32 predates parts of the 2.0 suite; only the scripts known to be beyond it are
                // not compared, so a wabt that suddenly fails on every script cannot pass unnoticed.
                bool known = Validation.SpecValidationTests.WabtCannotParse.Contains(fileName);
                if (exitCode != 0)
                {
                    Assert.True(known, $"wast2json failed ({exitCode}) on {fileName}, which is not among the scripts wabt cannot read");
                    output.WriteLine($"wabt cannot read {fileName}");
                    return;
                }
                Assert.False(known, $"wast2json now reads {fileName}: remove it from the scripts wabt cannot read");
            }
            WastScript script = WastParser.ParseScript(File.ReadAllBytes(path), fileName);
            // wast2json names each module by the line of its "(module"; two modules never share a line in the suite.
            var byLine = new Dictionary<int, WastModule>();
            foreach (WastCommand c in script.Commands)
            {
                WastModule? m = c switch
                {
                    WastModuleCommand x => x.Module,
                    WastAssertInvalid x => x.Module,
                    WastAssertUnlinkable x => x.Module,
                    WastAssertUninstantiable x => x.Module,
                    WastAssertTrap x => x.Module,
                    _ => null,
                };
                if (m is not null)
                {
                    byLine.Add(m.Line, m);
                }
            }
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
            var failures = new List<string>();
            int compared = 0;
            foreach (JsonElement command in doc.RootElement.GetProperty("commands").EnumerateArray())
            {
                string type = command.GetProperty("type").GetString()!;
                if (type == "assert_malformed" || !command.TryGetProperty("filename", out JsonElement file) ||
                    !file.GetString()!.EndsWith(".wasm", StringComparison.Ordinal))
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
                if (s_divergences.ContainsKey($"{fileName}:{line}"))
                {
                    continue;
                }
                var model = module.ParseText();
                model.Names.FunctionNames.Clear();
                model.Names.ModuleName = null;
                if (model.DataCount == 0)
                {
                    // wabt omits a zero data count; Kiln keeps it so data.drop/memory.init of a module without
                    // data segments fail validation as "unknown data segment", as the scripts expect.
                    model.DataCount = null;
                }
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
}

/// <summary>A spec-suite theory that also needs wabt: skipped with a reason when either is absent (unless CI=true).</summary>
public sealed class WabtTheoryAttribute : TheoryAttribute
{
    public WabtTheoryAttribute()
    {
        if (ExternalTools.InCi)
        {
            return;
        }
        if (SpecSuite.Directory is null)
        {
            Skip = SpecSuite.SkipReason;
        }
        else if (WabtDifferentialTests.Wast2Json is null)
        {
            Skip = "wabt not installed (apt-get install wabt); it is the reference encoder for this test";
        }
    }
}
