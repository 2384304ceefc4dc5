using System.Text.Json;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Tests.Binary;
using Kiln.Wasm.Validation;

namespace Kiln.Wasm.Tests.Validation;

/// <summary>
/// Every module of the spec scripts, text ones included, through the reader and the validator.
/// The text modules are turned into binary by wabt's <c>wast2json</c> (an independent encoder),
/// so this needs wabt installed and is skipped with a message otherwise.
/// assert_invalid must fail as invalid with the script's message as prefix; modules must be accepted.
/// </summary>
public class SpecValidationTests
{
    /// <summary>Scripts that wabt 1.0.32 cannot parse (newer text syntax); a listed script that starts parsing is a failure.</summary>
    private static readonly HashSet<string> s_wabtCannotParse =
        ["comments.wast", "if.wast", "table_fill.wast", "table_get.wast", "table_grow.wast", "table_set.wast", "table_size.wast"];

    /// <summary>Spec scripts wabt 1.0.32's wast2json cannot read (it predates parts of the 2.0 suite).</summary>
    internal static IReadOnlySet<string> WabtCannotParse => s_wabtCannotParse;

    /// <summary>Cases whose message differs on purpose, by file:line, with the reason.</summary>
    private static readonly Dictionary<string, string> s_knownMessageMismatches = new()
    {
        ["select.wast:324"] = "wabt encodes `select (result)` with no type as the untyped select, which is a type mismatch",
        ["memory_init.wast:190"] = "wabt emits no data count section without data segments, so data.drop is malformed before it is invalid",
    };

    public static IEnumerable<object[]> Files() => SpecSuite.WastFiles().Select(f => new object[] { Path.GetFileName(f) });

    [WabtTheory]
    [MemberData(nameof(Files))]
    public void ModulesOfScript(string file)
    {
        string script = Path.Combine(SpecSuite.RequireDirectory(), file);
        string dir = Directory.CreateTempSubdirectory("kiln-wast-").FullName;
        try
        {
            string json = Path.Combine(dir, "script.json");
            bool parsed = Wabt.Wast2Json(script, json);
            if (s_wabtCannotParse.Contains(file))
            {
                Assert.False(parsed, $"wast2json now parses {file}: remove it from the list");
                return;
            }
            Assert.True(parsed, $"wast2json failed on {file}");
            var failures = new List<string>();
            int checkedModules = 0;
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(json));
            foreach (JsonElement command in doc.RootElement.GetProperty("commands").EnumerateArray())
            {
                if (!command.TryGetProperty("filename", out JsonElement fileName))
                {
                    continue;
                }
                string type = command.GetProperty("type").GetString()!;
                string moduleType = command.TryGetProperty("module_type", out JsonElement mt) ? mt.GetString()! : "binary";
                if (moduleType != "binary")
                {
                    continue;
                }
                BinaryExpectation? expectation = type switch
                {
                    "module" or "assert_unlinkable" or "assert_uninstantiable" => BinaryExpectation.Valid,
                    "assert_invalid" => BinaryExpectation.Invalid,
                    "assert_malformed" => BinaryExpectation.Malformed,
                    _ => null,
                };
                if (expectation is not { } e)
                {
                    continue;
                }
                string? text = command.TryGetProperty("text", out JsonElement t) ? t.GetString() : null;
                int line = command.GetProperty("line").GetInt32();
                byte[] bytes = File.ReadAllBytes(Path.Combine(dir, fileName.GetString()!));
                checkedModules++;
                if (Check(new WastBinaryModule(file, line, e, text, bytes)) is { } failure)
                {
                    failures.Add($"{file}:{line}: {failure}");
                }
            }
            Assert.True(failures.Count == 0, $"{failures.Count} of {checkedModules} modules:\n" + string.Join("\n", failures));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string? Check(WastBinaryModule module)
    {
        string? kind = null;
        string? reason = null;
        try
        {
            ModuleValidator.Validate(ModuleReader.Read(module.Bytes));
        }
        catch (MalformedModuleException ex)
        {
            (kind, reason) = ("malformed", ex.Reason);
        }
        catch (InvalidModuleException ex)
        {
            (kind, reason) = ("invalid", ex.Reason);
        }
        catch (Exception ex)
        {
            return $"crashed with {ex.GetType().Name}: {ex.Message}";
        }
        string? expected = module.Expectation switch
        {
            BinaryExpectation.Invalid => "invalid",
            BinaryExpectation.Malformed => "malformed",
            _ => null,
        };
        if (kind != expected && !s_knownMessageMismatches.ContainsKey(module.ToString()))
        {
            return $"expected {expected ?? "valid"} \"{module.Message}\", got {kind ?? "valid"} \"{reason}\"";
        }
        if (expected is null)
        {
            return null;
        }
        bool matches = reason!.StartsWith(module.Message!, StringComparison.Ordinal);
        bool known = s_knownMessageMismatches.ContainsKey(module.ToString());
        if (matches == known)
        {
            return matches ? "now matches: remove it from the known mismatches" : $"expected \"{module.Message}\", got \"{reason}\"";
        }
        return null;
    }
}

/// <summary>Runs wabt's <c>wast2json</c>, when installed.</summary>
internal static class Wabt
{
    private static readonly Lazy<bool> s_available = new(() => Run(["--version"], out _));

    public static bool IsAvailable => s_available.Value;

    public static bool Wast2Json(string script, string output) => Run(["--no-check", script, "-o", output], out _);

    private static bool Run(string[] arguments, out string stderr)
    {
        if (ExternalTools.Find("wast2json") is not { } wast2json)
        {
            stderr = "wast2json not found";
            return false;
        }
        (int exit, _, stderr) = ExternalTools.Run(wast2json, arguments, TimeSpan.FromMinutes(2));
        return exit == 0;
    }
}

/// <summary>A theory that needs the spec suite (a failure under CI when absent) and wabt (skipped with a message when absent).</summary>
public sealed class WabtTheoryAttribute : TheoryAttribute
{
    public WabtTheoryAttribute()
    {
        if (SpecSuite.Directory is null && !ExternalTools.InCi)
        {
            Skip = SpecSuite.SkipReason;
        }
        else if (!Wabt.IsAvailable)
        {
            Skip = "wabt's wast2json is not installed (apt-get install wabt): text modules of the spec suite cannot be encoded";
        }
    }
}
