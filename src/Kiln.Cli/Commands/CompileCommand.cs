using System.CommandLine;

namespace Kiln.Cli.Commands;

/// <summary>
/// <c>kiln compile [--tier baseline|opt] [--disasm] [-o FILE.kiln [--fuel]] FILE</c>: compiles a .wasm or .wat module and
/// reports code size and compile speed; with <c>--disasm</c>, each function's machine code (Iced, Intel syntax)
/// under its <c>module!function</c> name; with <c>-o</c>, writes a serialized module (<see cref="Module.Serialize()"/>)
/// that <c>kiln run</c> loads without compiling.
/// </summary>
internal static class CompileCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A .wasm or .wat module" };
        var tier = new Option<string>("--tier") { Description = "baseline or opt (the compiling tiers)", DefaultValueFactory = _ => "baseline" };
        var disasm = new Option<bool>("--disasm") { Description = "Print each function's machine code" };
        var outputFile = new Option<string?>("--output", "-o") { Description = "Write the compiled module to this file (a serialized module kiln run loads without compiling)" };
        var fuel = new Option<bool>("--fuel") { Description = "With -o: compile with fuel metering, for kiln run --fuel" };
        var command = new Command("compile", "Compile a module and report (or disassemble) the machine code, or write it to a file") { file, tier, disasm, outputFile, fuel };
        command.SetAction(result => Run(result.GetValue(file)!, result.GetValue(tier)!, result.GetValue(disasm), Console.Out, result.GetValue(outputFile), result.GetValue(fuel)));
        return command;
    }

    public static int Run(string path, string tierName, bool disasm, TextWriter output, string? outputPath = null, bool fuel = false)
    {
        if (!TierNames.TryParse(tierName, out Tier tier) || tier is not (Tier.Baseline or Tier.Optimizing))
        {
            Console.Error.WriteLine($"kiln compile: tier '{tierName}' is not a compiling tier (use baseline or opt)");
            return 2;
        }
        try
        {
            // Serializing compiles every function itself: the module needs compiling first only for a listing.
            bool compileNow = outputPath is null || disasm;
            using var engine = new Engine(new EngineOptions
            {
                Tier = tier,
                ConsumeFuel = fuel,
                Compilation = compileNow ? CompilationMode.Eager : CompilationMode.Lazy,
            });
            Module module = Module.FromFile(engine, path);
            if (outputPath is not null)
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                byte[] serialized = module.Serialize();
                double ms = watch.Elapsed.TotalMilliseconds;
                File.WriteAllBytes(outputPath, serialized);
                output.WriteLine($"{outputPath}: {serialized.Length} bytes (tier {tierName}, fuel {(fuel ? "on" : "off")}, bounds checks {engine.BoundsChecks}), compiled and serialized in {ms:F1} ms");
                if (!compileNow)
                {
                    return 0;
                }
            }
            long codeBytes = 0;
            foreach (CodeSymbol f in module.CompiledFunctions)
            {
                codeBytes += f.Size;
                if (!disasm)
                {
                    continue;
                }
                output.WriteLine($"{f.Name}: {f.Size} bytes @ 0x{f.Address:x}");
                foreach (string line in module.Disassemble(f).Split('\n'))
                {
                    output.WriteLine("  " + line);
                }
                output.WriteLine();
            }
            double seconds = module.CompileTime.TotalSeconds;
            double cpuSeconds = module.CompileCpuTime.TotalSeconds;
            output.WriteLine($"{module.CompiledFunctions.Count} functions, {module.CompiledBodyBytes} bytes of Wasm code -> {codeBytes} bytes of x86-64");
            output.WriteLine($"compile: {module.CompileTime.TotalMilliseconds:F1} ms wall ({Rate(module.CompiledBodyBytes, seconds)}), {module.CompileCpuTime.TotalMilliseconds:F1} ms CPU ({Rate(module.CompiledBodyBytes, cpuSeconds)})");
            return 0;
        }
        catch (Exception e) when (e is Wasm.WasmModuleException or UnsupportedFeatureException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"kiln compile: {e.Message}");
            return 1;
        }
    }

    private static string Rate(long bytes, double seconds) => seconds > 0 ? $"{bytes / seconds / 1e6:F1} MB/s" : "n/a";
}
