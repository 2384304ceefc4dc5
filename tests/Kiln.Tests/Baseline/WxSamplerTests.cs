using System.Globalization;
using Kiln.Tests.Support;

namespace Kiln.Tests.Baseline;

/// <summary>
/// W^X under load: while two threads compile and run many modules on the baseline tier (eager and
/// lazy), a sampler reads /proc/self/maps in a loop. A plain .NET process has no mapping that is
/// writable and executable at once (PLATFORM-NOTES), so any such mapping seen would be Kiln's.
/// </summary>
public class WxSamplerTests
{
    private const string Wat = """
        (module
          (memory 1)
          (func $sum (export "sum") (param i32) (result i32) (local i32)
            (block $out (loop $l
              (br_if $out (i32.eqz (local.get 0)))
              (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (local.get 0)))
              (local.set 1 (i32.add (local.get 1) (local.get 0)))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br $l)))
            (local.get 1))
          (func (export "twice") (param i32) (result i32) (i32.mul (call $sum (local.get 0)) (i32.const 2))))
        """;

    private const int ModulesPerWorker = 60;
    private const int MinimumSamples = 20;

    [Fact]
    public void NoMappingIsEverWritableAndExecutableWhileModulesCompileAndRun()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        using var done = new CancellationTokenSource();
        var violations = new List<string>();
        int samples = 0;
        int modules = 0;
        var sampler = new Thread(() =>
        {
            while (!done.IsCancellationRequested)
            {
                foreach (string line in File.ReadAllLines("/proc/self/maps"))
                {
                    string[] fields = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length >= 2 && fields[1].Length >= 3 && fields[1][1] == 'w' && fields[1][2] == 'x')
                    {
                        lock (violations)
                        {
                            violations.Add(line);
                        }
                    }
                }
                if (Volatile.Read(ref modules) > 0)
                {
                    Interlocked.Increment(ref samples);
                }
            }
        });
        sampler.Start();

        void Work(CompilationMode mode)
        {
            using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline, Compilation = mode });
            var linker = new Linker(engine);
            // Keep compiling until the sampler has looked often enough while modules exist, so the check
            // really overlaps the work however the busy machine schedules the threads.
            for (int i = 0; i < ModulesPerWorker || (Volatile.Read(ref samples) < MinimumSamples && sampler.IsAlive); i++)
            {
                using var store = new Store(engine);
                Instance instance = linker.Instantiate(store, Module.FromText(engine, Wat));
                Assert.Equal(2 * 5050, instance.GetFunction<int, int>("twice").Invoke(100));
                Interlocked.Increment(ref modules);
            }
        }
        Exception? failure = null;
        Thread Worker(CompilationMode mode) => new(() =>
        {
            try
            {
                Work(mode);
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        var workers = new[] { Worker(CompilationMode.Eager), Worker(CompilationMode.Lazy) };
        foreach (Thread t in workers)
        {
            t.Start();
        }
        foreach (Thread t in workers)
        {
            t.Join();
        }
        done.Cancel();
        sampler.Join();
        Assert.Null(failure);
        Assert.True(modules >= 2 * ModulesPerWorker, $"only {modules.ToString(CultureInfo.InvariantCulture)} modules ran");
        Assert.True(samples >= MinimumSamples, $"only {samples.ToString(CultureInfo.InvariantCulture)} samples of the memory map were taken during the work");
        Assert.True(violations.Count == 0, "writable and executable mappings seen:\n" + string.Join("\n", violations.Distinct().Take(10)));
    }
}
