using Kiln.Cli.Wast;

namespace Kiln.Cli.Tests.Spec;

/// <summary>
/// The spec suite, one test per file per tier. A command that fails must be on the tier's
/// expected-failures list (tests/spec/expected-failures.TIER.txt), and a listed command that passes
/// fails the test too, so the list only shrinks. The baseline tier runs a second time with every module
/// serialized and loaded again (<c>--via-cache</c>), which holds the code cache to the same list.
/// </summary>
public class SpecSuiteTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        if (SpecSuite.Directory is null)
        {
            // Keeps the theory non-empty: the attribute skips it, or in CI the test fails below.
            data.Add("(spec suite missing)");
            return data;
        }
        foreach (string file in System.IO.Directory.GetFiles(SpecSuite.Directory, "*.wast").OrderBy(f => f, StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }
        return data;
    }

    [SpecTheory]
    [MemberData(nameof(Files))]
    public void Interpreter(string file) => Check(Tier.Interpreter, "interp", file);

    [SpecTheory]
    [MemberData(nameof(Files))]
    public void Baseline(string file) => Check(Tier.Baseline, "baseline", file);

    /// <summary>The baseline tier with every module run from its serialized form: the code cache against the whole suite.</summary>
    [SpecTheory]
    [MemberData(nameof(Files))]
    public void BaselineViaCodeCache(string file) => Check(Tier.Baseline, "baseline", file, viaCache: true);

    private static void Check(Tier tier, string tierName, string file, bool viaCache = false)
    {
        Assert.True(SpecSuite.Directory is not null, "the spec suite is missing: expected ../shared/wasm-spec/core or $KILN_SPEC_DIR");
        ExpectedFailures expected = ExpectedFailures.Load(SpecSuite.ExpectedFailuresPath(tierName));
        WastFileResult result;
        using (var runner = new WastRunner(tier, viaCache))
        {
            result = runner.RunFile(Path.Combine(SpecSuite.Directory!, file));
        }
        var problems = result.Outcomes
            .Where(o => !o.Passed && !expected.IsExpected(file, o.Line))
            .Select(o => $"{file}:{o.Line}: {o.Kind}: {o.Failure}")
            .Concat(expected.StalePassing([result]))
            .ToList();
        Assert.True(result.Outcomes.Count > 0, $"{file}: no commands ran");
        Assert.True(problems.Count == 0, $"{problems.Count} unexpected results:\n" + string.Join("\n", problems.Take(15)));
    }
}
