using System.Text.Json;
using Kiln.Cli.Tests.Spec;

namespace Kiln.Cli.Tests.Run;

/// <summary>
/// The C programs of tests/wasi-programs: their cases (cases.json) and a one-time build with
/// build.sh (clang-14 and wasi-libc for wasm32-wasi, gcc natively). The toolchain is looked for
/// without installing anything; its absence skips the tests, except in CI (CI=true), where they must run.
/// </summary>
internal static class WasiPrograms
{
    public static string Directory { get; } = Path.Combine(SpecSuite.RepositoryRoot, "tests", "wasi-programs");

    public static string ExamplesDirectory { get; } = Path.Combine(SpecSuite.RepositoryRoot, "examples", "c");

    private static readonly Lazy<string?> s_build = new(() => Build(Path.Combine(Directory, "build.sh")));
    private static readonly Lazy<string?> s_buildExamples = new(() => Build(Path.Combine(ExamplesDirectory, "build.sh")));

    /// <summary>Null when clang-14, wasm-ld and wasi-libc are all present; otherwise what is missing.</summary>
    public static string? MissingToolchain { get; } = FindMissingToolchain();

    public sealed record Case(string Name, string Program, string[] Args, Dictionary<string, string> Env, string Stdin);

    public static (string GuestDir, IReadOnlyList<Case> Cases) LoadCases()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "cases.json")));
        string guestDir = doc.RootElement.GetProperty("guest_dir").GetString()!;
        var cases = new List<Case>();
        foreach (JsonElement c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            cases.Add(new Case(
                c.GetProperty("name").GetString()!,
                c.GetProperty("program").GetString()!,
                c.TryGetProperty("args", out JsonElement a) ? [.. a.EnumerateArray().Select(x => x.GetString()!)] : [],
                c.TryGetProperty("env", out JsonElement e) ? e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!) : [],
                c.TryGetProperty("stdin", out JsonElement s) ? s.GetString()! : ""));
        }
        return (guestDir, cases);
    }

    /// <summary>Builds the programs once per test run; returns the build's error output when it failed.</summary>
    public static string? EnsureBuilt() => s_build.Value;

    /// <summary>Builds examples/c once per test run; returns the build's error output when it failed.</summary>
    public static string? EnsureExamplesBuilt() => s_buildExamples.Value;

    public static string WasmPath(string program) => Path.Combine(Directory, "build", "wasm", program + ".wasm");

    private static string? Build(string script)
    {
        (int exit, string output, string errors) = ExternalTools.Run(ExternalTools.Require("bash"), [script], TimeSpan.FromMinutes(15));
        return exit == 0 ? null : $"build.sh failed ({exit}):\n{output}\n{errors}";
    }

    private static string? FindMissingToolchain()
    {
        var missing = new List<string>();
        if (ExternalTools.Find("clang-14") is null)
        {
            missing.Add("clang-14");
        }
        if (ExternalTools.Find("wasm-ld-14") is null && ExternalTools.Find("wasm-ld") is null)
        {
            missing.Add("wasm-ld (lld-14)");
        }
        if (ExternalTools.Find("gcc") is null)
        {
            missing.Add("gcc");
        }
        if (!File.Exists("/usr/lib/wasm32-wasi/libc.a") && !File.Exists("/usr/share/wasi-sysroot/lib/wasm32-wasi/libc.a"))
        {
            missing.Add("wasi-libc");
        }
        bool builtins = System.IO.Directory.Exists("/usr/lib/llvm-14/lib/clang")
            && System.IO.Directory.EnumerateFiles("/usr/lib/llvm-14/lib/clang", "libclang_rt.builtins-wasm32.a",
                new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }).Any();
        if (!builtins)
        {
            missing.Add("libclang-rt-14-dev-wasm32");
        }
        return missing.Count == 0 ? null : string.Join(", ", missing);
    }
}

/// <summary>A test of C programs: skipped without the toolchain, except in CI.</summary>
public sealed class WasiProgramFactAttribute : FactAttribute
{
    public WasiProgramFactAttribute()
    {
        if (WasiPrograms.MissingToolchain is { } missing && !ExternalTools.InCi)
        {
            Skip = $"the wasm32-wasi C toolchain is not installed (missing: {missing}); run scripts/install-wasi-toolchain.sh";
        }
    }
}

/// <summary>A theory over the WASI programs: skipped without the toolchain, except in CI.</summary>
public sealed class WasiProgramTheoryAttribute : TheoryAttribute
{
    public WasiProgramTheoryAttribute()
    {
        if (WasiPrograms.MissingToolchain is { } missing && !ExternalTools.InCi)
        {
            Skip = $"the wasm32-wasi C toolchain is not installed (missing: {missing}); run scripts/install-wasi-toolchain.sh";
        }
    }
}
