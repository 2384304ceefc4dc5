using BenchmarkDotNet.Running;

namespace Kiln.Benchmarks;

/// <summary>Runs Kiln's BenchmarkDotNet suites: <c>dotnet run -c Release --project bench/Kiln.Benchmarks -- --filter '*'</c>; <c>-- optspeed MODULE.wasm</c> times the optimizing tier's SSA builder and passes per function.</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "optspeed")
        {
            Environment.Exit(Optimizing.OptimizingSpeed.Run(args[1..]));
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
