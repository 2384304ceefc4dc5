using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Validation;

namespace Kiln.Benchmarks.Wasm;

/// <summary>
/// Decode+validate on one thread, also measured in CPU time: on a shared machine whose cores are
/// busy with other work, wall-clock time mostly measures the wait for a core, while megabytes per
/// CPU-second still measure Kiln. The CPU figure is printed at the end of the run
/// (<c>// CPU throughput ...</c> in the log).
/// </summary>
public class DecodeValidateCpuTimeBenchmarks
{
    private byte[] _bytes = [];
    private readonly List<double> _cpuMilliseconds = [];
    private TimeSpan _cpuBefore;

    [ParamsSource(nameof(Modules))]
    public string Module { get; set; } = "";

    public static IEnumerable<string> Modules() => DecodeValidateBenchmarks.Modules();

    [GlobalSetup]
    public void Setup() => _bytes = File.ReadAllBytes(BenchModules.PathOf(Module));

    [IterationSetup]
    public void StartIteration() => _cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;

    [IterationCleanup]
    public void EndIteration() => _cpuMilliseconds.Add((Process.GetCurrentProcess().TotalProcessorTime - _cpuBefore).TotalMilliseconds);

    /// <summary>The median iteration, so the first (jitting, warm-up) iterations do not weigh in.</summary>
    [GlobalCleanup]
    public void Report()
    {
        if (_cpuMilliseconds.Count == 0)
        {
            return;
        }
        double median = _cpuMilliseconds.Order().ElementAt(_cpuMilliseconds.Count / 2);
        double mbPerCpuSecond = _bytes.Length / 1e6 / (median / 1e3);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// CPU throughput of DecodeAndValidateOneThread on {Module}: {mbPerCpuSecond:F0} MB per CPU-second (median of {_cpuMilliseconds.Count} operations: {median:F1} ms of process CPU time)"));
    }

    [Benchmark]
    public ValidationContext DecodeAndValidateOneThread() => ModuleValidator.Validate(ModuleReader.Read(_bytes), maxDegreeOfParallelism: 1);
}
