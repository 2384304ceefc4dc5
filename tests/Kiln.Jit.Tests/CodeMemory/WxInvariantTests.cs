using System.Collections.Concurrent;
using Kiln.Jit.Interop;

namespace Kiln.Jit.Tests;

public unsafe class WxInvariantTests
{
    private const int MinimumSamples = 100;
    private const int MinimumBatchesPerWorker = 100;
    private const int FunctionsPerBatch = 20;

    [Theory]
    [MemberData(nameof(Strategies.Both), MemberType = typeof(Strategies))]
    public void NoMappingIsEverWritableAndExecutableWhileBatchesAreBuiltOnTwoThreads(CodeMemoryStrategy strategy)
    {
        using CodeMemory memory = Strategies.Create(strategy);
        var violations = new ConcurrentQueue<string>();
        int activeWorkers = 2;
        int samplesDuringWork = 0;
        int samplesSeeingOurMemfd = 0;
        long functionsCalled = 0;
        var failures = new ConcurrentQueue<Exception>();

        var sampler = new Thread(() =>
        {
            while (Volatile.Read(ref activeWorkers) > 0)
            {
                bool ours = false;
                foreach (MapsEntry entry in ProcMaps.Read())
                {
                    if (entry.IsWritableAndExecutable)
                    {
                        violations.Enqueue(entry.Line);
                    }
                    ours |= entry.Path.Contains("memfd:kiln-code");
                }
                if (Volatile.Read(ref activeWorkers) > 0)
                {
                    Interlocked.Increment(ref samplesDuringWork);
                }
                if (ours)
                {
                    Interlocked.Increment(ref samplesSeeingOurMemfd);
                }
            }
        });

        void Work(int worker)
        {
            try
            {
                // Keep working until the sampler has looked often enough, so the check really overlaps the work.
                for (int batchIndex = 0; batchIndex < MinimumBatchesPerWorker || Volatile.Read(ref samplesDuringWork) < MinimumSamples; batchIndex++)
                {
                    using CodeBatchBuilder builder = memory.CreateBatch(FunctionsPerBatch * 16, 64);
                    var items = new CodeItem[FunctionsPerBatch];
                    int seed = worker * 10_000_000 + batchIndex * 100;
                    for (int i = 0; i < items.Length; i++)
                    {
                        items[i] = builder.AddFunction(X64Snippets.ReturnConstant(seed + i));
                    }
                    builder.AddReadOnlyData(BitConverter.GetBytes((long)seed), 8);
                    using CodeBatch batch = builder.Seal();
                    for (int i = 0; i < items.Length; i++)
                    {
                        int value = ((delegate* unmanaged<int>)batch.GetAddress(items[i]))();
                        if (value != seed + i)
                        {
                            throw new InvalidOperationException($"function {i} of batch {batchIndex} returned {value}, not {seed + i}");
                        }
                        Interlocked.Increment(ref functionsCalled);
                    }
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
            finally
            {
                Interlocked.Decrement(ref activeWorkers);
            }
        }

        var workers = new[] { new Thread(() => Work(0)), new Thread(() => Work(1)) };
        sampler.Start();
        foreach (Thread worker in workers)
        {
            worker.Start();
        }
        foreach (Thread worker in workers)
        {
            worker.Join();
        }
        sampler.Join();

        Assert.Empty(failures);
        Assert.Empty(violations);
        Assert.True(functionsCalled >= 2 * MinimumBatchesPerWorker * FunctionsPerBatch, $"only {functionsCalled} functions ran");
        Assert.True(samplesDuringWork >= MinimumSamples, $"the sampler read the memory map only {samplesDuringWork} times during the work");
        if (strategy == CodeMemoryStrategy.DualMapping)
        {
            Assert.True(samplesSeeingOurMemfd > 0, "the sampler never saw a kiln-code mapping, so it did not watch the work");
        }
        Assert.Equal(0, memory.GetStatistics().BytesReserved);
    }

    [Fact]
    public void TheSamplerWouldSeeAWritableAndExecutableMapping()
    {
        // The invariant test above is only as good as its detector: show that it finds an rwx page when one exists.
        nint page = LibC.Mmap(0, LibC.PageSize, LibC.ProtRead | LibC.ProtWrite | LibC.ProtExec,
            LibC.MapPrivate | LibC.MapAnonymous, -1, 0);
        Assert.NotEqual(LibC.MapFailed, page);
        try
        {
            MapsEntry? entry = ProcMaps.Find(page);
            Assert.NotNull(entry);
            Assert.True(entry.Value.IsWritableAndExecutable, entry.Value.Line);
        }
        finally
        {
            Assert.Equal(0, LibC.Munmap(page, LibC.PageSize));
        }
    }
}
