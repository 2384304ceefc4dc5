using BenchmarkDotNet.Running;

namespace Kiln.Benchmarks;

/// <summary>Runs Kiln's BenchmarkDotNet suites: <c>dotnet run -c Release --project bench/Kiln.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
