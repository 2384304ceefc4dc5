namespace Kiln.Wasm.Tests;

/// <summary>
/// Locates the WebAssembly spec test scripts: $KILN_SPEC_DIR, else ../shared/wasm-spec/core beside
/// the repository root. Tests over them use <see cref="SpecFactAttribute"/>/<see cref="SpecTheoryAttribute"/>,
/// which skip with a message when the suite is absent, except under CI=true where absence must fail.
/// </summary>
internal static class SpecSuite
{
    public static readonly string? Directory = Find();

    public const string SkipReason = "WebAssembly spec tests not found (set KILN_SPEC_DIR or place them at ../shared/wasm-spec/core)";

    public static string RequireDirectory() => Directory ?? throw new InvalidOperationException(SkipReason);

    public static IEnumerable<string> WastFiles() =>
        Directory is null ? [] : System.IO.Directory.GetFiles(Directory, "*.wast").Order(StringComparer.Ordinal);

    /// <summary>Theory data: one row per .wast file name.</summary>
    public static TheoryData<string> WastFileNames()
    {
        var data = new TheoryData<string>();
        foreach (string file in WastFiles())
        {
            data.Add(Path.GetFileName(file));
        }
        if (Directory is null && ExternalTools.InCi)
        {
            data.Add("<spec suite missing>");
        }
        return data;
    }

    public static string PathOf(string fileName) => Path.Combine(RequireDirectory(), fileName);

    private static string? Find()
    {
        string? env = Environment.GetEnvironmentVariable("KILN_SPEC_DIR");
        if (!string.IsNullOrEmpty(env))
        {
            return System.IO.Directory.Exists(env) ? env : null;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kiln.slnx")))
            {
                string candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "wasm-spec", "core"));
                return System.IO.Directory.Exists(candidate) ? candidate : null;
            }
        }
        return null;
    }
}

/// <summary>A fact over the spec suite: skipped with a reason when it is absent (unless CI=true).</summary>
public sealed class SpecFactAttribute : FactAttribute
{
    public SpecFactAttribute()
    {
        if (SpecSuite.Directory is null && !ExternalTools.InCi)
        {
            Skip = SpecSuite.SkipReason;
        }
    }
}

/// <summary>A theory over the spec suite: skipped with a reason when it is absent (unless CI=true).</summary>
public sealed class SpecTheoryAttribute : TheoryAttribute
{
    public SpecTheoryAttribute()
    {
        if (SpecSuite.Directory is null && !ExternalTools.InCi)
        {
            Skip = SpecSuite.SkipReason;
        }
    }
}
