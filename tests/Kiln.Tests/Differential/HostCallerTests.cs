using Kiln.Wasm.Model;
using Kiln.Wasm.Text;
using Xunit.Abstractions;

using Kiln.Tests.Support;

namespace Kiln.Tests.Differential;

/// <summary>
/// One test body on every tier: a host function reads the caller's exported memory through
/// <see cref="Caller"/>, as every WASI function does. Random modules cannot find this (their
/// imports only log values), the benchmark programs did.
/// </summary>
public sealed class HostCallerTests(ITestOutputHelper output)
{
    [Fact]
    public void HostFunctionsSeeTheCallingInstanceOnEveryTier()
    {
        string path = Path.Combine(ExternalTools.RepositoryRoot, "tests", "Kiln.Tests", "Differential", "Regressions", "host-caller-instance.wat");
        WasmModule model = TextParser.ParseModule(File.ReadAllText(path), path);
        foreach (Tier tier in Enum.GetValues<Tier>().Where(t => TraceRecorder.IsTierAvailable(t, out _)))
        {
            string outcome = Run(model, tier);
            output.WriteLine($"{tier}: {outcome}");
            Assert.Equal("42", outcome);
        }
    }

    private static string Run(WasmModule model, Tier tier)
    {
        using var engine = new Engine(new EngineOptions { Tier = tier });
        using var store = new Store(engine);
        var linker = new Linker(engine);
        linker.DefineFunction("env", "peek", new FuncType([ValType.I32], [ValType.I32]), (caller, args, results) =>
        {
            Memory memory = caller.GetMemory() ?? throw new InvalidOperationException("no calling instance memory");
            results[0] = Value.FromI32(memory.Span[args[0].AsI32()]);
        });
        Instance instance = linker.Instantiate(store, Module.FromWasmModule(engine, model));
        try
        {
            return instance.GetFunction("run")!.Invoke()[0].AsI32().ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (TrapException e)
        {
            return "trap: " + e.Message;
        }
    }
}
