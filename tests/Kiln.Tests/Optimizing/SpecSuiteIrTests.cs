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
/// builder must refuse nothing; the on-stack-replacement entry of every reachable loop builds and verifies too.
/// </summary>
public sealed class SpecSuiteIrTests(ITestOutputHelper output)
{
    [SpecSuiteFact]
    public void EveryFunctionOfTheSuiteBuildsVerifiesAndOptimizes()
    {
        int modules = 0, built = 0, skipped = 0, osrBuilt = 0, osrUnreachable = 0;
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
                        // The function's on-stack-replacement entry at each of its loops (Tier.Auto) must build too;
                        // a loop in dead code is skipped by the front end, so the builder refuses it.
                        foreach (int loop in model.Bodies[i].LoopOffsets ?? [])
                        {
                            try
                            {
                                IrFunction entry = builder.Build(i, loop);
                                IrVerifier.VerifyOrThrow(entry);
                                PassPipeline.Run(builder.Build(i, loop), PassPipeline.Default);
                                osrBuilt++;
                            }
                            catch (UnsupportedFeatureException e) when (e.Message.Contains("no reachable loop", StringComparison.Ordinal))
                            {
                                osrUnreachable++;
                            }
                        }
                    }
                    catch (Exception e) when (e is UnsupportedFeatureException or IrVerifierException or ResourceLimitException)
                    {
                        failures.Add($"{file}:{module.Line}: function {i}: {e.GetType().Name}: {e.Message}");
                    }
                }
            }
        }
        output.WriteLine($"{modules} modules ({skipped} not valid, skipped), {built} functions built and optimized, {failures.Count} failed");
        output.WriteLine($"OSR entries: {osrBuilt} built and optimized, {osrUnreachable} loops in dead code");
        Assert.True(failures.Count == 0, $"{failures.Count} functions failed:\n" + string.Join("\n", failures.Take(30)));
        Assert.True(built > 5_000, $"only {built} functions built: the suite looks incomplete");
    }

    /// <summary>
    /// Every invocation the scripts make on a module without imports runs as IR (raw and optimized) and on the
    /// interpreter, from the same state, and must agree bit for bit (<see cref="IrModuleRun"/>): the suite's
    /// edge-case arguments reach every SIMD, table and bulk-memory instruction, which binaryen's random modules
    /// mostly do not. Calls involving host references are not compared (the evaluator does not model them).
    /// </summary>
    [SpecSuiteFact]
    public void SuiteInvocationsAgreeWithTheInterpreterAsIr()
    {
        int compared = 0, notCompared = 0, modulesRun = 0;
        var differences = new List<string>();
        using var engine = new Engine(new EngineOptions { Tier = Tier.Interpreter });
        foreach (string path in Directory.GetFiles(SpecSuiteFactAttribute.Directory!, "*.wast").Order(StringComparer.Ordinal))
        {
            string file = Path.GetFileName(path);
            using var store = new Store(engine);
            var linker = new Linker(engine);
            var logs = new List<string>();
            var byId = new Dictionary<string, (IrModuleRun Run, Instance Instance)?>();
            (IrModuleRun Run, Instance Instance)? current = null;
            foreach (WastCommand command in WastParser.ParseScript(File.ReadAllBytes(path), file).Commands)
            {
                WastAction? action = command switch
                {
                    WastModuleCommand c => Load(c.Module),
                    WastAssertReturn c => c.Action,
                    WastActionCommand c => c.Action,
                    WastAssertTrap { Action: { } a } => a,
                    _ => null,
                };
                if (action is null || action.Kind != WastActionKind.Invoke)
                {
                    continue;
                }
                (IrModuleRun Run, Instance Instance)? target = action.ModuleId is null ? current : byId.GetValueOrDefault(action.ModuleId);
                if (target is not { } t)
                {
                    notCompared++;
                    continue;
                }
                if (t.Run.CompareCall(t.Instance, logs, action.Name, [.. action.Arguments.Select(ToValue)], differences, $"{file}:{command.Line}"))
                {
                    compared++;
                }
                else
                {
                    notCompared++;
                }
            }

            WastAction? Load(WastModule module)
            {
                current = null;
                try
                {
                    WasmModule model = module.Kind == WastModuleKind.Binary ? ModuleReader.Read(module.Bytes) : module.ParseText();
                    if (model.Imports.Count == 0)
                    {
                        var run = new IrModuleRun(model);
                        current = (run, linker.Instantiate(store, Module.FromWasmModule(engine, model)));
                        modulesRun++;
                    }
                }
                catch (TrapException)
                {
                    // The start function trapped: nothing to call.
                }
                if (module.Id is not null)
                {
                    byId[module.Id] = current;
                }
                return null;
            }
        }
        output.WriteLine($"{modulesRun} modules run, {compared} invocations compared, {notCompared} not compared, {differences.Count} differences");
        Assert.True(differences.Count == 0, $"{differences.Count} differences:\n" + string.Join("\n", differences.Take(30)));
        Assert.True(compared > 20_000, $"only {compared} invocations compared");
    }

    private static Value ToValue(WastValue v) => v.Type switch
    {
        ValType.I32 => Value.FromI32((int)(uint)v.Bits),
        ValType.I64 => Value.FromI64((long)v.Bits),
        ValType.F32 => Value.FromF32Bits((uint)v.Bits),
        ValType.F64 => Value.FromF64Bits(v.Bits),
        ValType.V128 => Value.FromV128(new V128(v.Bits, v.High)),
        _ when v.IsNull => Value.Null(v.Type),
        _ => Value.FromExternRef(v.Bits),
    };

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
