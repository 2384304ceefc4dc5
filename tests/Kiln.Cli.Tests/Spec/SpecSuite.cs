namespace Kiln.Cli.Tests.Spec;

/// <summary>
/// Finds the WebAssembly spec suite, read in place: <c>$KILN_SPEC_DIR</c>, else
/// <c>../shared/wasm-spec/core</c> beside the repository root.
/// </summary>
internal static class SpecSuite
{
    public static string RepositoryRoot => ExternalTools.RepositoryRoot;

    public static string? Directory { get; } = FindSuite();

    public static string ExpectedFailuresPath(string tier) => Path.Combine(RepositoryRoot, "tests", "spec", $"expected-failures.{tier}.txt");

    private static string? FindSuite()
    {
        string? configured = Environment.GetEnvironmentVariable("KILN_SPEC_DIR");
        string path = configured ?? Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "wasm-spec", "core"));
        return System.IO.Directory.Exists(path) ? path : null;
    }
}

/// <summary>
/// A theory over the spec suite's files: skipped, saying why, when the suite is not beside the
/// repository, except in CI (<c>CI=true</c>), where a missing suite must fail the run instead.
/// </summary>
public sealed class SpecTheoryAttribute : TheoryAttribute
{
    public SpecTheoryAttribute()
    {
        if (SpecSuite.Directory is null && !ExternalTools.InCi)
        {
            Skip = "the WebAssembly spec suite was not found at ../shared/wasm-spec/core (set KILN_SPEC_DIR)";
        }
    }
}
