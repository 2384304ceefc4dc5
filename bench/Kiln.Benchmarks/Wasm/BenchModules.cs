namespace Kiln.Benchmarks.Wasm;

/// <summary>
/// Finds the real-world modules that <c>bench/fetch-modules.sh</c> downloads: <c>$KILN_BENCH_MODULES</c>,
/// else <c>bench/modules/</c> of the repository this benchmark was built from.
/// </summary>
internal static class BenchModules
{
    private static readonly Lazy<string?> s_directory = new(Locate);

    public static string? Directory => s_directory.Value;

    /// <summary>File names of the <c>.wasm</c> modules present, in order.</summary>
    public static string[] Find() =>
        Directory is { } dir && System.IO.Directory.Exists(dir)
            ? System.IO.Directory.EnumerateFiles(dir, "*.wasm").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray()
            : [];

    public static string PathOf(string module) =>
        Path.Combine(Directory ?? throw new InvalidOperationException("bench/modules not found: run bench/fetch-modules.sh"), module);

    private static string? Locate()
    {
        string? env = Environment.GetEnvironmentVariable("KILN_BENCH_MODULES");
        if (!string.IsNullOrEmpty(env))
        {
            return env;
        }
        // BenchmarkDotNet runs each case from a generated project below bin/, so walk up to the repository.
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kiln.slnx")))
            {
                return Path.Combine(dir.FullName, "bench", "modules");
            }
        }
        return null;
    }
}
