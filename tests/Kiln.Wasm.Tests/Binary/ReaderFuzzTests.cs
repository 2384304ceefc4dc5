using System.Diagnostics;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Validation;
using static Kiln.Wasm.Tests.Binary.WasmBuilder;

namespace Kiln.Wasm.Tests.Binary;

/// <summary>
/// Mutated and truncated modules must only ever yield Kiln's own errors: no crash (any other
/// exception), no hang, and no huge allocation from a forged count. Seeded, so a failure names the
/// seed and the bytes that reproduce it; bounded in time, so the suite stays fast.
/// </summary>
public class ReaderFuzzTests
{
    /// <summary>Time per fuzz test: 4 s, or <c>KILN_FUZZ_SECONDS</c> for a longer hunt.</summary>
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("KILN_FUZZ_SECONDS"), out int seconds) ? seconds : 4);

    /// <summary>The random seed: fixed, or <c>KILN_FUZZ_SEED</c> to explore other inputs.</summary>
    private static readonly int s_seed =
        int.TryParse(Environment.GetEnvironmentVariable("KILN_FUZZ_SEED"), out int seed) ? seed : 20261122;

    /// <summary>The hand-built modules plus the spec suite's valid binary modules, when present.</summary>
    private static List<byte[]> Seeds()
    {
        var seeds = new List<byte[]> { SampleModules.Rich(), SampleModules.Add() };
        foreach (string file in SpecSuite.WastFiles())
        {
            seeds.AddRange(WastBinaryModules.Extract(file).Where(m => m.Expectation == BinaryExpectation.Valid && m.Bytes.Length > 8).Select(m => m.Bytes));
        }
        return seeds;
    }

    /// <summary>Reads and validates; null when the outcome is a Kiln error or success, else what went wrong.</summary>
    private static string? Run(byte[] bytes)
    {
        try
        {
            ModuleValidator.Validate(ModuleReader.Read(bytes));
            return null;
        }
        catch (WasmModuleException)
        {
            return null;
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}\n{e.StackTrace}\ninput: {Convert.ToHexString(bytes)}";
        }
    }

    [Fact]
    public void MutatedModulesOnlyYieldKilnErrors()
    {
        List<byte[]> seeds = Seeds();
        var random = new Random(s_seed);
        var clock = Stopwatch.StartNew();
        int runs = 0;
        // At least MinimumRuns inputs however slow the machine: a busy CI host must not turn the
        // fuzz run into a handful of inputs.
        while (clock.Elapsed < s_budget || runs < MinimumRuns)
        {
            byte[] seed = seeds[random.Next(seeds.Count)];
            byte[] mutant = Mutate(seed, random);
            Assert.True(Run(mutant) is not { } failure || Fail($"seed {s_seed}: {failure}", runs));
            runs++;
        }
    }

    /// <summary>Inputs each fuzz loop tries at the least, whatever the time budget.</summary>
    private const int MinimumRuns = 200;

    /// <summary>Longest one input may take to read and validate; a linear reader needs milliseconds.</summary>
    private static readonly TimeSpan s_slowInput = TimeSpan.FromSeconds(2);

    [Fact]
    public void TruncatedModulesOnlyYieldKilnErrors()
    {
        foreach (byte[] seed in new[] { SampleModules.Rich(), SampleModules.Add() })
        {
            for (int length = 0; length < seed.Length; length++)
            {
                byte[] prefix = seed[..length];
                Assert.True(Run(prefix) is not { } failure || Fail(failure, length));
            }
        }
    }

    [Fact]
    public void NoInputHangs()
    {
        // Each input must finish quickly; the whole loop runs on a background thread so that a
        // real hang fails the test instead of stalling the run.
        List<byte[]> seeds = Seeds();
        string? failure = null;
        TimeSpan slowest = TimeSpan.Zero;
        byte[] slowestInput = [];
        var worker = new Thread(() =>
        {
            var random = new Random(s_seed + 1);
            var clock = Stopwatch.StartNew();
            int runs = 0;
            while ((clock.Elapsed < s_budget || runs < MinimumRuns) && failure is null)
            {
                byte[] mutant = Mutate(seeds[random.Next(seeds.Count)], random);
                var one = Stopwatch.StartNew();
                failure = Run(mutant);
                if (one.Elapsed > slowest)
                {
                    slowest = one.Elapsed;
                    slowestInput = mutant;
                }
                runs++;
            }
        })
        { IsBackground = true };
        worker.Start();
        Assert.True(worker.Join(s_budget + TimeSpan.FromSeconds(60)), "an input did not finish: the reader or validator hangs");
        Assert.Null(failure);
        if (slowest >= s_slowInput)
        {
            // One slow measurement may be the machine (a descheduled thread, a GC); a slow input is
            // slow every time, so the best of three retimings decides.
            slowest = Enumerable.Range(0, 3).Select(_ =>
            {
                var one = Stopwatch.StartNew();
                Run(slowestInput);
                return one.Elapsed;
            }).Min();
        }
        Assert.True(slowest < s_slowInput, $"slowest input took {slowest}: {Convert.ToHexString(slowestInput)}");
    }

    /// <summary>Counts of 2^32-1 at each place the reader sizes something by a count.</summary>
    public static IEnumerable<object[]> ForgedCounts()
    {
        byte[] forged = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
        byte[] Module(SectionId id, byte[] content) => new WasmBuilder().Section(id, content).Build();
        yield return ["types", Module(SectionId.Type, forged)];
        yield return ["type params", Module(SectionId.Type, Cat([0x01, 0x60], forged))];
        yield return ["imports", Module(SectionId.Import, forged)];
        yield return ["import name", Module(SectionId.Import, Cat([0x01], forged))];
        yield return ["functions", Module(SectionId.Function, forged)];
        yield return ["tables", Module(SectionId.Table, forged)];
        yield return ["globals", Module(SectionId.Global, forged)];
        yield return ["exports", Module(SectionId.Export, forged)];
        yield return ["elements", Module(SectionId.Element, forged)];
        yield return ["element items", Module(SectionId.Element, Cat([0x01, 0x01, 0x00], forged))];
        yield return ["bodies", Module(SectionId.Code, forged)];
        yield return ["data", Module(SectionId.Data, forged)];
        yield return ["data bytes", Module(SectionId.Data, Cat([0x01, 0x01], forged))];
        yield return ["custom name", new WasmBuilder().Raw(0x00, 0x05).Raw(forged).Build()];
        yield return ["local runs", Function([], [], [], forged).Build()];
        yield return ["locals in a run", Function([], [], [], Cat([0x01], forged, [I32])).Build()];
        yield return ["br_table targets", Function([], [], Cat([0x41, 0x00, 0x0E], forged)).Build()];
        yield return ["select types", Function([], [], Cat([0x1C], forged)).Build()];
        yield return ["name map", new WasmBuilder().Section(SectionId.Custom, Cat(Name("name"), [0x01, 0x05], forged)).Build()];
    }

    [Theory]
    [MemberData(nameof(ForgedCounts))]
    public void ForgedCountsAllocateLittle(string where, byte[] bytes)
    {
        Run(bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(Run(bytes) is null, where);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 * 1024, $"{where}: {allocated} bytes allocated for a {bytes.Length}-byte module");
    }

    private static bool Fail(string failure, int run) => throw new Xunit.Sdk.XunitException($"run {run}: {failure}");

    /// <summary>One to four random edits: flip, set to an interesting byte, insert, delete, or overwrite with a long LEB.</summary>
    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = new List<byte>(seed);
        int edits = 1 + random.Next(4);
        for (int e = 0; e < edits && bytes.Count > 0; e++)
        {
            int at = 8 + random.Next(Math.Max(1, bytes.Count - 8));
            at = Math.Min(at, bytes.Count - 1);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[at] = s_interesting[random.Next(s_interesting.Length)];
                    break;
                case 2:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 3:
                    bytes.RemoveAt(at);
                    break;
                case 4:
                    bytes.InsertRange(at, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
                    break;
                default:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
            }
        }
        return [.. bytes];
    }

    private static readonly byte[] s_interesting = [0x00, 0x01, 0x0B, 0x40, 0x60, 0x6F, 0x70, 0x7B, 0x7F, 0x80, 0xFC, 0xFD, 0xFF];
}
