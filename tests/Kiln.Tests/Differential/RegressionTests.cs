using Kiln.Wasm.Model;

using Kiln.Tests.Support;

namespace Kiln.Tests.Differential;

/// <summary>
/// Replays the modules in <c>Differential/Regressions</c> (listed in <c>regressions.txt</c>) on
/// every available tier and compares with the expected trace saved beside each, so a difference
/// found once by random testing stays fixed. Needs neither binaryen nor node.
/// </summary>
public sealed class RegressionTests
{
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (Entry e in Entries())
        {
            data.Add(e.Name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void KilnMatchesTheExpectedTrace(string name)
    {
        Entry entry = Entries().Single(e => e.Name == name);
        if (entry.SkipReason is not null)
        {
            // A listed skip must still reproduce: once the fix lands the entry has to go.
            Assert.NotNull(Difference(entry));
            return;
        }
        Assert.Null(Difference(entry));
    }

    [Fact]
    public void ComparisonCatchesADifferentTrace()
    {
        List<string> expected = ["instantiate ok", "call f", "log i32:1", "result i32:2", "mem 1 0000abcd"];
        Assert.Null(TraceComparison.Compare(expected, expected));
        Assert.NotNull(TraceComparison.Compare(expected, ["instantiate ok", "call f", "log i32:1", "result i32:3", "mem 1 0000abcd"]));
        Assert.NotNull(TraceComparison.Compare(expected, ["instantiate ok", "call f", "result i32:2", "mem 1 0000abcd"]));
        Assert.NotNull(TraceComparison.Compare(expected, ["instantiate ok", "call f", "log i32:1", "result i32:2", "mem 1 0000abce"]));
        Assert.NotNull(TraceComparison.Compare(expected, [.. expected, "call g"]));
        // Memory may differ by NaN bits only where the module was not instrumented.
        Assert.Null(TraceComparison.Compare(expected, ["instantiate ok", "call f", "log i32:1", "result i32:2", "mem 1 0000abce"], nanBitsMayDiffer: true));
        Assert.NotNull(TraceComparison.Compare(expected, ["instantiate ok", "call f", "log i32:1", "result i32:2", "mem 2 0000abcd"], nanBitsMayDiffer: true));
        // Stack exhaustion depth is engine-specific; V8's one truncation trap matches either Kiln code, nothing else.
        Assert.Null(TraceComparison.Compare(["call f", "trap stack", "mem 1 0"], ["call f", "result", "mem 1 1"]));
        Assert.Null(TraceComparison.Compare(["trap float-to-int"], ["trap int-overflow"]));
        Assert.NotNull(TraceComparison.Compare(["trap float-to-int"], ["trap div-zero"]));
        Assert.NotNull(TraceComparison.Compare(["trap bad-conversion"], ["trap int-overflow"]));
        // Kiln records NaN bits; against an outside engine they fold to "nan", between Kiln's tiers they must agree.
        Assert.Null(TraceComparison.Compare(["log f32:nan", "result f64:nan"], ["log f32:nan:7fc00000", "result f64:nan:fff8000000000000"]));
        Assert.Null(TraceComparison.Compare(["result f32:nan:7fc00000"], ["result f32:nan:7fc00000"], nanBitsMayDiffer: false, foldNaNBits: false, out _));
        Assert.NotNull(TraceComparison.Compare(["result f32:nan:7fc00000"], ["result f32:nan:ffc00000"], nanBitsMayDiffer: false, foldNaNBits: false, out _));
        Assert.NotNull(TraceComparison.Compare(["result f32:nan:7fc00000"], ["result f32:7f800000"]));
    }

    private static string? Difference(Entry entry)
    {
        string path = Path.Combine(Directory(), entry.Name + ".wasm");
        List<string> expected = File.ReadAllLines(Path.Combine(Directory(), entry.Name + ".trace")).ToList();
        WasmModule? model = TraceRecorder.Decode(File.ReadAllBytes(path), out string? error);
        if (model is null)
        {
            return TraceComparison.Compare(expected, ["invalid " + error]);
        }
        CallPlan plan = CallPlan.For(path, model);
        foreach (Tier tier in Enum.GetValues<Tier>().Where(t => TraceRecorder.IsTierAvailable(t, out _)))
        {
            List<string> trace = TraceRecorder.Record(model, plan, tier, TimeSpan.FromSeconds(20));
            if (TraceComparison.Compare(expected, trace, entry.NanBitsMayDiffer) is { } difference)
            {
                return $"{tier}: {difference}";
            }
        }
        return null;
    }

    private static string Directory() => Path.Combine(ExternalTools.RepositoryRoot, "tests", "Kiln.Tests", "Differential", "Regressions");

    private static IEnumerable<Entry> Entries()
    {
        foreach (string line in File.ReadAllLines(Path.Combine(Directory(), "regressions.txt")))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            string[] f = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            string skip = f[2].Trim();
            yield return new Entry(f[0], f[1] == "may-differ", skip == "-" ? null : skip);
        }
    }

    private sealed record Entry(string Name, bool NanBitsMayDiffer, string? SkipReason);
}
