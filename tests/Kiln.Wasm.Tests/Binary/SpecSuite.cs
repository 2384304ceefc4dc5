namespace Kiln.Wasm.Tests.Binary;

/// <summary>
/// Finds the WebAssembly spec test suite: <c>$KILN_SPEC_DIR</c>, else <c>../shared/wasm-spec/core</c>
/// beside the repository. Tests that need it are skipped with a message when it is absent, except
/// under CI (<c>CI=true</c>), where its absence is a failure.
/// </summary>
internal static class SpecSuite
{
    private static readonly Lazy<string?> s_directory = new(Locate);

    public static string? Directory => s_directory.Value;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string SkipReason => "WebAssembly spec tests not found (set KILN_SPEC_DIR or place them at ../shared/wasm-spec/core)";

    /// <summary>The directory, or a failure under CI.</summary>
    public static string RequireDirectory() =>
        Directory ?? throw new InvalidOperationException(SkipReason);

    public static IEnumerable<string> WastFiles() =>
        Directory is { } dir ? System.IO.Directory.EnumerateFiles(dir, "*.wast").Order(StringComparer.Ordinal) : [];

    private static string? Locate()
    {
        string? env = Environment.GetEnvironmentVariable("KILN_SPEC_DIR");
        if (!string.IsNullOrEmpty(env))
        {
            return System.IO.Directory.Exists(env) ? env : null;
        }
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
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

/// <summary>A fact that needs the spec suite: skipped with a message when it is absent (outside CI).</summary>
public sealed class SpecFactAttribute : FactAttribute
{
    public SpecFactAttribute()
    {
        if (SpecSuite.Directory is null && !SpecSuite.IsCi)
        {
            Skip = SpecSuite.SkipReason;
        }
    }
}

/// <summary>A theory that needs the spec suite: skipped with a message when it is absent (outside CI).</summary>
public sealed class SpecTheoryAttribute : TheoryAttribute
{
    public SpecTheoryAttribute()
    {
        if (SpecSuite.Directory is null && !SpecSuite.IsCi)
        {
            Skip = SpecSuite.SkipReason;
        }
    }
}
