using Kiln.Wasm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Validation;

namespace Kiln.Tests.Differential;

/// <summary>
/// Runs a module on one Kiln tier following a <see cref="CallPlan"/> and records its
/// <see cref="Trace"/>, NaN bits included. Kiln's documented error types become trace lines (a module
/// error, an unsupported feature, a trap); any other exception escapes, because bad input must never
/// produce one. A watchdog interrupts a run that exceeds its time budget.
/// </summary>
internal static class TraceRecorder
{
    private static readonly string[] s_logTypes = ["i32", "i64", "f32", "f64", "v128"];

    /// <summary>Whether the engine accepts <paramref name="tier"/> at all (tiers not built yet refuse at engine creation).</summary>
    public static bool IsTierAvailable(Tier tier, out string? reason)
    {
        try
        {
            using var engine = new Engine(new EngineOptions { Tier = tier });
            reason = null;
            return true;
        }
        catch (UnsupportedFeatureException e)
        {
            reason = e.Message;
            return false;
        }
    }

    /// <summary>Decodes and validates; null with the reason when Kiln rejects the module.</summary>
    public static WasmModule? Decode(byte[] bytes, out string? error)
    {
        try
        {
            WasmModule model = ModuleReader.Read(bytes);
            ModuleValidator.Validate(model);
            error = null;
            return model;
        }
        catch (WasmModuleException e)
        {
            error = e.Message;
            return null;
        }
    }

    public static List<string> Record(WasmModule model, CallPlan plan, Tier tier, TimeSpan budget) =>
        Record(model, plan, new EngineOptions { Tier = tier }, fuel: null, budget);

    /// <summary>Records a run with the given engine options; <paramref name="fuel"/> (when the options consume fuel) bounds every call.</summary>
    /// <param name="binary">The module's bytes: when given, the module is created from them (<see cref="Module.FromBinary"/>,
    /// the embedder's path through the runtime's own decoder and validator) instead of from <paramref name="model"/>.</param>
    public static List<string> Record(WasmModule model, CallPlan plan, EngineOptions options, long? fuel, TimeSpan budget, byte[]? binary = null)
    {
        var trace = new List<string>();
        using var engine = new Engine(options);
        // Reported by the random-module run: how often a configuration with OSR moved a running activation up.
        using var osr = new OsrCount(engine);
        Module module;
        try
        {
            module = binary is null ? Module.FromWasmModule(engine, model, "fuzz") : Module.FromBinary(engine, binary, "fuzz");
        }
        catch (UnsupportedFeatureException e)
        {
            trace.Add("unsupported " + e.Message);
            return trace;
        }
        catch (InternalErrorException e)
        {
            trace.Add("internal-error " + e.Message);
            return trace;
        }

        using var store = new Store(engine);
        var linker = new Linker(engine);
        foreach (string t in s_logTypes)
        {
            ValType type = t switch { "i32" => ValType.I32, "i64" => ValType.I64, "f32" => ValType.F32, "f64" => ValType.F64, _ => ValType.V128 };
            linker.DefineFunction("fuzzing-support", "log-" + t, new FuncType([type], []),
                (_, args, _) => trace.Add("log " + Trace.FormatValue(args[0], nanBits: true)));
        }

        if (fuel is { } startFuel)
        {
            store.SetFuel(startFuel);
        }
        using var watchdog = new Timer(_ => store.Interrupt(), null, budget, Timeout.InfiniteTimeSpan);
        Instance instance;
        try
        {
            instance = linker.Instantiate(store, module);
            trace.Add("instantiate ok");
        }
        catch (TrapException e)
        {
            trace.Add("instantiate trap " + Trace.TrapKind(e.Code));
            return trace;
        }
        catch (LinkException e)
        {
            trace.Add("link-error " + e.Message);
            return trace;
        }
        catch (ResourceLimitException e)
        {
            trace.Add("resource-limit " + e.Message);
            return trace;
        }

        Memory? memory = instance.GetMemory("memory");
        foreach (PlannedCall call in plan.Calls)
        {
            trace.Add("call " + Uri.EscapeDataString(call.Export));
            Func func = instance.GetFunction(call.Export) ?? throw new InvalidOperationException($"export {call.Export} missing");
            if (fuel is { } f)
            {
                store.SetFuel(f);
            }
            try
            {
                Value[] results = func.Invoke(call.Arguments);
                trace.Add("result" + string.Concat(results.Select(r => " " + Trace.FormatValue(r, nanBits: true))));
            }
            catch (TrapException e)
            {
                trace.Add("trap " + Trace.TrapKind(e.Code));
            }
            catch (ResourceLimitException e)
            {
                trace.Add("resource-limit " + e.Message);
            }
            catch (InternalErrorException e)
            {
                trace.Add("internal-error " + e.Message);
            }
            trace.Add(Trace.MemoryLine(memory));
        }
        return trace;
    }
}

/// <summary>Adds an engine's on-stack-replacement entries to <see cref="Total"/> when the run is over (differential reports).</summary>
internal readonly struct OsrCount(Engine engine) : IDisposable
{
    private static long s_total;

    public static long Total => Interlocked.Read(ref s_total);

    public void Dispose() => Interlocked.Add(ref s_total, engine.TieringStatistics?.OsrEntries ?? 0);
}
