namespace Kiln.Jit.Tests;

public unsafe class BatchingTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(1024)]
    public void MprotectSealsABatchOfAnySizeWithOnePermissionChange(int functions)
    {
        using CodeMemory memory = Strategies.Create(CodeMemoryStrategy.Mprotect);
        // Capacity of exactly the pages used, so no unused tail is unmapped at the seal.
        using CodeBatchBuilder builder = memory.CreateBatch(functions * 16);
        AddConstants(builder, functions);
        CodeMemoryStatistics before = memory.GetStatistics();
        using CodeBatch batch = builder.Seal();
        CodeMemoryStatistics after = memory.GetStatistics();

        Assert.Equal(1, after.PermissionChanges - before.PermissionChanges);
        Assert.Equal(0, after.MapCalls - before.MapCalls);
        Assert.Equal(0, after.UnmapCalls - before.UnmapCalls);
        Assert.Equal(functions - 1, ((delegate* unmanaged<int>)batch.GetAddress(new CodeItem(batch.BatchId, CodeItemKind.Function, (functions - 1) * 16, 6)))());
    }

    [Fact]
    public void MprotectSealsCodeAndReadOnlyDataWithTwoPermissionChanges()
    {
        using CodeMemory memory = Strategies.Create(CodeMemoryStrategy.Mprotect);
        using CodeBatchBuilder builder = memory.CreateBatch(4096, 4096);
        AddConstants(builder, 200);
        for (int i = 0; i < 50; i++)
        {
            builder.AddReadOnlyData(BitConverter.GetBytes((long)i), 8);
        }
        long before = memory.GetStatistics().PermissionChanges;
        using CodeBatch batch = builder.Seal();
        Assert.Equal(2, memory.GetStatistics().PermissionChanges - before);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1024)]
    public void DualMappingSealsWithoutMprotectByUnmappingTheWritableView(int functions)
    {
        using CodeMemory memory = Strategies.Create(CodeMemoryStrategy.DualMapping);
        CodeMemoryStatistics start = memory.GetStatistics();
        using CodeBatchBuilder builder = memory.CreateBatch(functions * 16);
        CodeMemoryStatistics reserved = memory.GetStatistics();
        AddConstants(builder, functions);
        using CodeBatch batch = builder.Seal();
        CodeMemoryStatistics end = memory.GetStatistics();

        // Reserve: one memfd, a writable and an executable view; seal: the writable view goes; no mprotect at all.
        Assert.Equal(1, reserved.MemfdCreates - start.MemfdCreates);
        Assert.Equal(2, reserved.MapCalls - start.MapCalls);
        Assert.Equal(1, end.UnmapCalls - reserved.UnmapCalls);
        Assert.Equal(0, end.PermissionChanges - start.PermissionChanges);
        Assert.Equal(0, ((delegate* unmanaged<int>)batch.GetAddress(new CodeItem(batch.BatchId, CodeItemKind.Function, 0, 6)))());
    }

    [Theory]
    [MemberData(nameof(Strategies.Both), MemberType = typeof(Strategies))]
    public void StatisticsFollowABatchFromReserveToFree(CodeMemoryStrategy strategy)
    {
        using CodeMemory memory = Strategies.Create(strategy);
        int page = CodeMemory.PageSize;
        Assert.Equal(0, memory.GetStatistics().BytesReserved);

        CodeBatchBuilder builder = memory.CreateBatch(3 * page, page);
        CodeMemoryStatistics open = memory.GetStatistics();
        Assert.Equal(1, open.OpenBuilders);
        Assert.Equal(strategy == CodeMemoryStrategy.DualMapping ? 2 * 4 * page : 4 * page, open.BytesReserved);

        builder.AddFunction(new byte[100]);
        builder.AddFunction(new byte[5000]); // at offset 112, ends at 5112: two code pages
        builder.AddReadOnlyData(new byte[10], 1);
        CodeMemoryStatistics written = memory.GetStatistics();
        Assert.Equal(5112 + 10, written.BytesUsed);
        Assert.Equal(3 * page, written.BytesCommitted);

        CodeBatch batch = builder.Seal();
        CodeMemoryStatistics sealedStats = memory.GetStatistics();
        Assert.Equal(0, sealedStats.OpenBuilders);
        Assert.Equal(1, sealedStats.LiveBatches);
        Assert.Equal(1, sealedStats.BatchesSealed);
        // The unused third code page is returned; under dual mapping the writable view is gone too.
        Assert.Equal(3 * page, sealedStats.BytesReserved);

        batch.Dispose();
        CodeMemoryStatistics freed = memory.GetStatistics();
        Assert.Equal(0, freed.LiveBatches);
        Assert.Equal(1, freed.BatchesFreed);
        Assert.Equal(0, freed.BytesReserved);
        Assert.Equal(0, freed.BytesCommitted);
        Assert.Equal(0, freed.BytesUsed);
    }

    private static void AddConstants(CodeBatchBuilder builder, int count)
    {
        for (int i = 0; i < count; i++)
        {
            builder.AddFunction(X64Snippets.ReturnConstant(i));
        }
    }
}
