using BenchmarkDotNet.Running;

namespace Kiln.Benchmarks;

/// <summary>
/// Runs Kiln's BenchmarkDotNet suites: <c>dotnet run -c Release --project bench/Kiln.Benchmarks -- --filter '*'</c>.
/// Other modes: <c>-- instances [--max N]</c> measures how many live instances one process holds,
/// <c>-- ruby [--tier T] RUBY_WASM SCRIPT.rb</c> runs a Ruby script on CRuby, and <c>-- optspeed MODULE.wasm</c> times
/// the optimizing tier's SSA builder and passes per function, <c>-- optphases MODULE.wasm [REPETITIONS] [--tier T]</c>
/// breaks a whole-module compile down by phase (<see cref="Optimizing.OptimizingPhases"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        switch (args.Length > 0 ? args[0] : "")
        {
            case "instances":
                return Runtime.InstanceCapacity.Run(args[1..]);
            case "ruby":
                return Runtime.RubyScript.Run(args[1..]);
            case "optspeed":
                return Optimizing.OptimizingSpeed.Run(args[1..]);
            case "optphases":
                return Optimizing.OptimizingPhases.Run(args[1..]);
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
