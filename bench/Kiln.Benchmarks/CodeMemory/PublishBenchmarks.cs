using BenchmarkDotNet.Attributes;
using Kiln.Jit;

namespace Kiln.Benchmarks;

/// <summary>
/// The cost of installing a batch of small functions under each W^X strategy: reserve, write N functions, seal
/// (permissions, icache flush), call one, free. Freeing is inside the measurement because a benchmark that kept
/// its batches would exhaust the kernel's mapping limit; it is part of a batch's life cost anyway.
/// </summary>
[MemoryDiagnoser]
public unsafe class PublishBenchmarks
{
    // long f(long a, long b, long c) => a * b + c, padded to the 16-byte function alignment by the builder.
    private static readonly byte[] s_mulAdd = [0x48, 0x89, 0xF8, 0x48, 0x0F, 0xAF, 0xC6, 0x48, 0x01, 0xD0, 0xC3];

    private CodeMemory _memory = null!;

    [Params(CodeMemoryStrategy.Mprotect, CodeMemoryStrategy.DualMapping)]
    public CodeMemoryStrategy Strategy { get; set; }

    [Params(1, 64, 1024)]
    public int Functions { get; set; }

    [GlobalSetup]
    public void Setup() => _memory = new CodeMemory(new CodeMemoryOptions { Strategy = Strategy });

    [GlobalCleanup]
    public void Cleanup() => _memory.Dispose();

    [Benchmark]
    public long PublishAndFree()
    {
        using CodeBatchBuilder builder = _memory.CreateBatch(Functions * CodeMemory.FunctionAlignment);
        CodeItem first = builder.AddFunction(s_mulAdd);
        for (int i = 1; i < Functions; i++)
        {
            builder.AddFunction(s_mulAdd);
        }
        using CodeBatch batch = builder.Seal();
        return ((delegate* unmanaged<long, long, long, long>)batch.GetAddress(first))(6, 7, 8);
    }
}
