using System.Diagnostics;
using Kiln.Wasi;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Validation;
using Xunit.Abstractions;

using Kiln.Tests.Support;

namespace Kiln.Tests.Differential;

/// <summary>
/// The C benchmark programs of <c>bench/programs</c>, built natively and to wasm32-wasi by
/// <c>bench/setup.sh</c>, run at their quick sizes on every available Kiln tier; each must print
/// exactly what the native build prints (the programs print checksums of their work). Builds the
/// programs first when <c>bench/build</c> is missing and the WASI toolchain is installed; skipped
/// otherwise, except in CI.
/// </summary>
public sealed class BenchProgramTests(ITestOutputHelper output)
{
    private static readonly Lazy<string?> s_built = new(EnsureBuilt);

    public static TheoryData<string, string> Programs()
    {
        var data = new TheoryData<string, string>();
        foreach (string line in File.ReadAllLines(Path.Combine(BenchDirectory, "programs", "quick-sizes.txt")))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 2 && !f[0].StartsWith('#'))
            {
                data.Add(f[0], f[1]);
            }
        }
        return data;
    }

    [BenchTheory]
    [MemberData(nameof(Programs))]
    public void EveryTierPrintsWhatTheNativeBuildPrints(string program, string size)
    {
        Assert.True(BuildError is null, BuildError);
        string native = Path.Combine(BenchDirectory, "build", "native", program);
        (int code, string expected, string stderr) = ExternalTools.Run(native, [size], TimeSpan.FromMinutes(2));
        Assert.True(code == 0, $"native {program} exited {code}: {stderr}");
        Assert.False(string.IsNullOrWhiteSpace(expected), $"native {program} printed nothing to compare");

        WasmModule model = ModuleReader.Read(File.ReadAllBytes(Path.Combine(BenchDirectory, "build", "wasm", program + ".wasm")));
        ModuleValidator.Validate(model);
        foreach (Tier tier in Enum.GetValues<Tier>().Where(t => TraceRecorder.IsTierAvailable(t, out _)))
        {
            var clock = Stopwatch.StartNew();
            (int status, string stdout) = RunWasi(model, tier, program, size);
            output.WriteLine($"{program} {size} on {tier}: {clock.ElapsedMilliseconds} ms");
            Assert.Equal(0, status);
            Assert.Equal(expected, stdout);
        }
    }

    internal static string BenchDirectory => Path.Combine(ExternalTools.RepositoryRoot, "bench");

    /// <summary>
    /// Null once the native and wasm builds exist, built on first use (once per test run, whichever test asks first);
    /// else why not. Every test that reads <c>bench/build</c> asks this first, so test order does not matter.
    /// </summary>
    internal static string? BuildError => s_built.Value;

    private static (int Status, string Stdout) RunWasi(WasmModule model, Tier tier, string program, string size)
    {
        using var engine = new Engine(new EngineOptions { Tier = tier });
        Module module = Module.FromWasmModule(engine, model, program);
        using var store = new Store(engine);
        using var stdout = new MemoryStream();
        using WasiContext wasi = new WasiConfiguration().WithArguments(program, size).WithStdout(stdout).Build();
        var linker = new Linker(engine);
        wasi.AddToLinker(linker);
        int status = 0;
        try
        {
            Instance instance = linker.Instantiate(store, module);
            (instance.GetFunction("_start") ?? throw new InvalidOperationException("no _start")).Invoke();
        }
        catch (TrapException trap) when (WasiExitException.TryGetExitCode(trap, out int exit))
        {
            status = exit;
        }
        wasi.FlushStreams();
        return (status, System.Text.Encoding.UTF8.GetString(stdout.ToArray()));
    }

    /// <summary>Null when the native and wasm builds exist (building them if the toolchain is there), else why not.</summary>
    private static string? EnsureBuilt()
    {
        if (IsBuilt())
        {
            return null;
        }
        (int code, _, string stderr) = ExternalTools.Run("bash", [Path.Combine(BenchDirectory, "setup.sh"), "--no-verify"], TimeSpan.FromMinutes(10));
        return code != 0 ? $"bench/setup.sh failed ({code}): {stderr}"
            : IsBuilt() ? null : "bench/setup.sh succeeded but left a program of quick-sizes.txt unbuilt";
    }

    /// <summary>
    /// Whether every program of quick-sizes.txt has both its native and its wasm build: a partial
    /// bench/build (one side only, or an older program list) is rebuilt rather than failing on a missing file.
    /// </summary>
    internal static bool IsBuilt() =>
        Programs().All(row => row[0] is string program &&
            File.Exists(Path.Combine(BenchDirectory, "build", "native", program)) &&
            File.Exists(Path.Combine(BenchDirectory, "build", "wasm", program + ".wasm")));
}

/// <summary>
/// Skipped when the benchmark programs are not built and the WASI toolchain (clang-14, wasi-libc)
/// to build them is absent; in CI the test runs and builds them.
/// </summary>
public sealed class BenchTheoryAttribute : TheoryAttribute
{
    public BenchTheoryAttribute()
    {
        bool built = BenchProgramTests.IsBuilt();
        bool toolchain = File.Exists("/usr/bin/clang-14") && (File.Exists("/usr/lib/wasm32-wasi/libc.a") || File.Exists("/usr/share/wasi-sysroot/lib/wasm32-wasi/libc.a"));
        if (!built && !toolchain && !ExternalTools.InCi)
        {
            Skip = "bench programs not built (bench/setup.sh) and the WASI toolchain is missing (scripts/install-wasi-toolchain.sh)";
        }
    }
}
