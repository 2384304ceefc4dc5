using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Mathematics;
using BenchmarkDotNet.Running;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Validation;

namespace Kiln.Benchmarks.Wasm;

/// <summary>
/// Decode and decode+validate throughput on large real modules, in MB/s of module bytes. The
/// modules are fetched by <c>bench/fetch-modules.sh</c> into <c>bench/modules/</c>; without them
/// the suite has no cases and says so.
/// </summary>
[Config(typeof(ThroughputConfig))]
[MemoryDiagnoser]
public class DecodeValidateBenchmarks
{
    private byte[] _bytes = [];
    private WasmModule _module = new();

    [ParamsSource(nameof(Modules))]
    public string Module { get; set; } = "";

    public static IEnumerable<string> Modules()
    {
        string[] found = BenchModules.Find();
        if (found.Length == 0)
        {
            Console.WriteLine($"DecodeValidateBenchmarks skipped: no modules in {BenchModules.Directory ?? "bench/modules"}; run bench/fetch-modules.sh first.");
        }
        return found;
    }

    [GlobalSetup]
    public void Setup()
    {
        _bytes = File.ReadAllBytes(BenchModules.PathOf(Module));
        _module = ModuleReader.Read(_bytes);
        ModuleValidator.Validate(_module);
    }

    [Benchmark]
    public WasmModule Decode() => ModuleReader.Read(_bytes);

    [Benchmark]
    public ValidationContext Validate() => ModuleValidator.Validate(_module);

    /// <summary>The default: bodies of a large module are validated on all cores.</summary>
    [Benchmark]
    public ValidationContext DecodeAndValidate() => ModuleValidator.Validate(ModuleReader.Read(_bytes));

    /// <summary>Everything on the calling thread: the cost per core.</summary>
    [Benchmark]
    public ValidationContext DecodeAndValidateOneThread() => ModuleValidator.Validate(ModuleReader.Read(_bytes), maxDegreeOfParallelism: 1);

    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig() => AddColumn(new ThroughputColumn());
    }

    /// <summary>Module bytes divided by the mean time of one operation.</summary>
    private sealed class ThroughputColumn : IColumn
    {
        public string Id => nameof(ThroughputColumn);

        public string ColumnName => "MB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Module bytes (10^6) processed per second";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            Statistics? stats = summary[benchmarkCase]?.ResultStatistics;
            if (stats is null || benchmarkCase.Parameters["Module"] is not string module)
            {
                return "-";
            }
            double bytes = new FileInfo(BenchModules.PathOf(module)).Length;
            return (bytes / 1e6 / (stats.Mean / 1e9)).ToString("F0", System.Globalization.CultureInfo.InvariantCulture);
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
