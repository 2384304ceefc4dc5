using System.Diagnostics;

namespace Kiln.Benchmarks.Runtime;

/// <summary>
/// How many live instances one process holds: <c>dotnet run -c Release --project bench/Kiln.Benchmarks -- instances
/// [--max N]</c>. For each configuration it keeps instantiating <see cref="InstantiationBenchmarks.Wat"/>, each in a
/// store of its own (a sandbox per plugin), until Kiln refuses with <see cref="ResourceLimitException"/> or the cap
/// is reached, then prints the count, the resident memory per instance and the mean time per instantiation. The
/// limit with guard pages is address space: each memory reserves 6 GiB (4 GiB + guard region) of the 128 TiB a
/// process has.
/// </summary>
internal static class InstanceCapacity
{
    public static int Run(string[] args)
    {
        int max = 100_000;
        for (int i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--max")
            {
                max = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        Console.WriteLine($"| configuration | live instances | stopped by | resident KiB per instance | mappings per instance | µs per store + instance |");
        Console.WriteLine($"|---|---|---|---|---|---|");
        Measure("interpreter", new EngineOptions { Tier = Tier.Interpreter }, max);
        Measure("baseline, guard pages", new EngineOptions { Tier = Tier.Baseline, BoundsChecks = BoundsCheckStrategy.GuardPages }, max);
        Measure("baseline, explicit checks", new EngineOptions { Tier = Tier.Baseline, BoundsChecks = BoundsCheckStrategy.Explicit }, max);
        return 0;
    }

    private static void Measure(string name, EngineOptions options, int max)
    {
        using var engine = new Engine(options);
        Module module = Module.FromText(engine, InstantiationBenchmarks.Wat);
        var linker = new Linker(engine);
        linker.DefineFunction("env", "log", (int _) => { });
        var stores = new List<Store>();
        var instances = new List<Instance>();
        GC.Collect();
        long rssBefore = ResidentBytes();
        int mapsBefore = File.ReadLines("/proc/self/maps").Count();
        string stoppedBy = $"the cap of {max}";
        var clock = Stopwatch.StartNew();
        try
        {
            while (stores.Count < max)
            {
                var store = new Store(engine);
                try
                {
                    instances.Add(linker.Instantiate(store, module));
                }
                catch
                {
                    store.Dispose();
                    throw;
                }
                stores.Add(store);
            }
        }
        catch (ResourceLimitException e)
        {
            // The message's parenthesis says which limit: "(REASON; N guarded memories ...)".
            stoppedBy = "ResourceLimitException: " + e.Message.Split('(', 2)[^1].Split(';')[0];
        }
        clock.Stop();
        long rssAfter = ResidentBytes();
        int mapsAfter = File.ReadLines("/proc/self/maps").Count();
        int count = stores.Count;
        // Every instance still works after the limit was hit.
        int checksum = 0;
        foreach (Instance instance in instances.Take(10))
        {
            checksum += instance.GetFunction<int, int>("run").Invoke(5);
        }
        foreach (Store store in stores)
        {
            store.Dispose();
        }
        double kib = count == 0 ? 0 : (rssAfter - rssBefore) / 1024.0 / count;
        double micros = count == 0 ? 0 : clock.Elapsed.TotalMicroseconds / count;
        double maps = count == 0 ? 0 : (mapsAfter - mapsBefore) / (double)count;
        Console.WriteLine($"| {name} | {count} | {stoppedBy} | {kib:F1} | {maps:F2} | {micros:F1} |");
        if (checksum == 0)
        {
            throw new InvalidOperationException("instances stopped working after the limit");
        }
    }

    private static long ResidentBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }
}
