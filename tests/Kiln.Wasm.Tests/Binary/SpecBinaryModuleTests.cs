using Kiln.Wasm.Binary;
using Kiln.Wasm.Validation;

namespace Kiln.Wasm.Tests.Binary;

/// <summary>
/// Runs every binary module of the spec scripts through the reader and the validator:
/// assert_malformed must fail as malformed, assert_invalid as invalid, each with a message that
/// starts with the script's (the reference interpreter's own rule), and the others must be accepted.
/// </summary>
public class SpecBinaryModuleTests
{
    public static IEnumerable<object[]> Files() => SpecSuite.WastFiles()
        .Where(f => WastBinaryModules.Extract(f).Count > 0)
        .Select(f => new object[] { Path.GetFileName(f) });

    [SpecTheory]
    [MemberData(nameof(Files))]
    public void BinaryModulesOfScript(string file)
    {
        string path = Path.Combine(SpecSuite.RequireDirectory(), file);
        var failures = new List<string>();
        foreach (WastBinaryModule module in WastBinaryModules.Extract(path))
        {
            if (Check(module) is { } failure)
            {
                failures.Add($"{module}: {failure}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [SpecFact]
    public void ExtractorFindsTheSuitesBinaryModules()
    {
        SpecSuite.RequireDirectory();
        List<WastBinaryModule> all = SpecSuite.WastFiles().SelectMany(WastBinaryModules.Extract).ToList();
        Assert.True(all.Count(m => m.Expectation == BinaryExpectation.Malformed) > 700, "too few assert_malformed binary modules found");
        Assert.Contains(all, m => m.Expectation == BinaryExpectation.Invalid);
        Assert.Contains(all, m => m.Expectation == BinaryExpectation.Valid);
    }

    private static string? Check(WastBinaryModule module)
    {
        string? actualReason = null;
        string? kind = null;
        try
        {
            ModuleValidator.Validate(ModuleReader.Read(module.Bytes));
        }
        catch (MalformedModuleException e)
        {
            kind = "malformed";
            actualReason = e.Reason;
        }
        catch (InvalidModuleException e)
        {
            kind = "invalid";
            actualReason = e.Reason;
        }
        catch (Exception e)
        {
            return $"crashed with {e.GetType().Name}: {e.Message}";
        }
        string? expectedKind = module.Expectation switch
        {
            BinaryExpectation.Malformed => "malformed",
            BinaryExpectation.Invalid => "invalid",
            _ => null,
        };
        if (kind != expectedKind)
        {
            return $"expected {expectedKind ?? "valid"} \"{module.Message}\", got {kind ?? "valid"} \"{actualReason}\"";
        }
        if (expectedKind is null)
        {
            return null;
        }
        if (!actualReason!.StartsWith(module.Message!, StringComparison.Ordinal))
        {
            return $"expected \"{module.Message}\", got \"{actualReason}\"";
        }
        return null;
    }
}
