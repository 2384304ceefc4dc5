using Kiln.FrontEnd;
using Kiln.Optimizing;
using Kiln.Optimizing.Ir;
using Kiln.Optimizing.Passes;
using Kiln.Wasm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Text;
using Kiln.Wasm.Validation;
using Xunit.Abstractions;

namespace Kiln.Tests.Optimizing;

/// <summary>
/// Every function of every valid module in the WebAssembly spec suite (../shared/wasm-spec/core, or
/// <c>KILN_SPEC_DIR</c>) through the SSA builder, the verifier and the default pass pipeline (verified after each
/// pass): the suite exercises every 2.0 instruction, SIMD included, in shapes the random modules rarely take. The
/// builder must refuse nothing.
/// </summary>
public sealed class SpecSuiteIrTests(ITestOutputHelper output)
{
    [SpecSuiteFact]
    public void EveryFunctionOfTheSuiteBuildsVerifiesAndOptimizes()
    {
        int modules = 0, built = 0, skipped = 0;
        var failures = new List<string>();
        foreach (string path in Directory.GetFiles(SpecSuiteFactAttribute.Directory!, "*.wast").Order(StringComparer.Ordinal))
        {
            string file = Path.GetFileName(path);
            WastScript script = WastParser.ParseScript(File.ReadAllBytes(path), file);
            foreach (WastModule module in ValidModules(script))
            {
                WasmModule model;
                ValidationContext context;
                try
                {
                    model = module.Kind == WastModuleKind.Binary ? ModuleReader.Read(module.Bytes) : module.ParseText();
                    context = ModuleValidator.Validate(model);
                }
                catch (Exception e) when (e is MalformedModuleException or InvalidModuleException)
                {
                    skipped++; // not a valid module (a script's binary module meant for another check): nothing to build
                    continue;
                }
                modules++;
                var builder = new SsaBuilder(new IndexSpaces(context));
                for (int i = 0; i < model.Bodies.Count; i++)
                {
                    try
                    {
                        IrVerifier.VerifyOrThrow(builder.Build(i));
                        PassPipeline.Run(builder.Build(i), PassPipeline.Default);
                        built++;
                    }
                    catch (Exception e) when (e is UnsupportedFeatureException or IrVerifierException or ResourceLimitException)
                    {
                        failures.Add($"{file}:{module.Line}: function {i}: {e.GetType().Name}: {e.Message}");
                    }
                }
            }
        }
        output.WriteLine($"{modules} modules ({skipped} not valid, skipped), {built} functions built and optimized, {failures.Count} failed");
        Assert.True(failures.Count == 0, $"{failures.Count} functions failed:\n" + string.Join("\n", failures.Take(30)));
        Assert.True(built > 5_000, $"only {built} functions built: the suite looks incomplete");
    }

    private static IEnumerable<WastModule> ValidModules(WastScript script)
    {
        foreach (WastCommand command in script.Commands)
        {
            switch (command)
            {
                case WastModuleCommand c: yield return c.Module; break;
                case WastAssertTrap { Module: { } m }: yield return m; break;
                case WastAssertUnlinkable c: yield return c.Module; break;
                case WastAssertUninstantiable c: yield return c.Module; break;
            }
        }
    }
}

/// <summary>A fact over the spec suite: skipped with the reason when the suite is absent, except under CI=true.</summary>
public sealed class SpecSuiteFactAttribute : FactAttribute
{
    public static readonly string? Directory = Find();

    public SpecSuiteFactAttribute()
    {
        if (Directory is null && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = "WebAssembly spec tests not found (set KILN_SPEC_DIR or place them at ../shared/wasm-spec/core)";
        }
    }

    private static string? Find()
    {
        string? env = Environment.GetEnvironmentVariable("KILN_SPEC_DIR");
        if (!string.IsNullOrEmpty(env))
        {
            return System.IO.Directory.Exists(env) ? env : null;
        }
        string root = Path.GetDirectoryName(Path.GetDirectoryName(OptimizingFiles.Directory("builder")))!;
        string candidate = Path.GetFullPath(Path.Combine(root, "..", "..", "..", "shared", "wasm-spec", "core"));
        return System.IO.Directory.Exists(candidate) ? candidate : null;
    }
}
