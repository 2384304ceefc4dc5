using BenchmarkDotNet.Running;

namespace Kiln.Benchmarks;

/// <summary>
/// Runs Kiln's BenchmarkDotNet suites: <c>dotnet run -c Release --project bench/Kiln.Benchmarks -- --filter '*'</c>;
/// <c>-- instances [--max N]</c> measures how many live instances one process holds instead, and
/// <c>-- ruby [--tier T] RUBY_WASM SCRIPT.rb</c> runs a Ruby script on CRuby.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "instances")
        {
            return Runtime.InstanceCapacity.Run(args[1..]);
        }
        if (args.Length > 0 && args[0] == "ruby")
        {
            return Runtime.RubyScript.Run(args[1..]);
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
