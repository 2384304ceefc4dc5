using Kiln.Jit.Interop;

namespace Kiln.Jit.Tests;

[Collection(MapsCollection.Name)]
public unsafe class FreeingTests
{
    [Theory]
    [MemberData(nameof(Strategies.Both), MemberType = typeof(Strategies))]
    public void AFreedBatchDisappearsFromTheMemoryMap(CodeMemoryStrategy strategy)
    {
        using CodeMemory memory = Strategies.Create(strategy);
        CodeBatchBuilder builder = memory.CreateBatch(4096, 4096);
        CodeItem f = builder.AddFunction(X64Snippets.ReturnConstant(5));
        builder.AddReadOnlyData([1, 2, 3], 1);
        CodeBatch batch = builder.Seal();
        nint start = batch.CodeAddress;
        long length = batch.ReadOnlyDataAddress + CodeMemory.PageSize - start;
        Assert.Equal(5, ((delegate* unmanaged<int>)batch.GetAddress(f))());
        Assert.True(ProcMaps.AnyMapped(start, length));

        batch.Dispose();

        AssertUnmapped(start, length);
        Assert.Throws<ObjectDisposedException>(() => batch.GetAddress(f));
        batch.Dispose(); // idempotent
    }

    [Fact]
    public void DualMappingLeavesNoWritableViewAfterTheSeal()
    {
        using CodeMemory memory = Strategies.Create(CodeMemoryStrategy.DualMapping);
        using CodeBatchBuilder builder = memory.CreateBatch(4096);
        CodeItem f = builder.AddFunction(X64Snippets.ReturnConstant(9));
        nint writable;
        fixed (byte* p = builder.GetWritableSpan(f))
        {
            writable = (nint)p;
        }
        nint executable = builder.GetExecutableAddress(f);
        Assert.NotEqual(writable, executable);
        Assert.StartsWith("rw-s", ProcMaps.Find(writable)!.Value.Permissions);
        Assert.StartsWith("r-xs", ProcMaps.Find(executable)!.Value.Permissions);

        using CodeBatch batch = builder.Seal();

        // W^X: after the seal no writable alias of the code is left anywhere in the process.
        AssertUnmapped(writable, 4096);
        Assert.Equal(9, ((delegate* unmanaged<int>)batch.GetAddress(f))());
    }

    [Theory]
    [MemberData(nameof(Strategies.Both), MemberType = typeof(Strategies))]
    public void AnAbandonedBuilderReturnsItsPages(CodeMemoryStrategy strategy)
    {
        using CodeMemory memory = Strategies.Create(strategy);
        CodeBatchBuilder builder = memory.CreateBatch(8192);
        CodeItem f = builder.AddFunction(X64Snippets.ReturnConstant(1));
        nint start = builder.GetExecutableAddress(f);
        Assert.True(ProcMaps.AnyMapped(start, 8192));

        builder.Dispose();

        AssertUnmapped(start, 8192);
        Assert.Equal(0, memory.GetStatistics().BytesReserved);
        Assert.Equal(0, memory.GetStatistics().OpenBuilders);
        Assert.Throws<InvalidOperationException>(() => builder.AddFunction([0xC3]));
    }

    [Theory]
    [MemberData(nameof(Strategies.Both), MemberType = typeof(Strategies))]
    public void DisposingTheOwnerFreesEveryBatchItHolds(CodeMemoryStrategy strategy)
    {
        var memory = Strategies.Create(strategy);
        var batches = new List<CodeBatch>();
        for (int i = 0; i < 5; i++)
        {
            CodeBatchBuilder builder = memory.CreateBatch(4096);
            builder.AddFunction(X64Snippets.ReturnConstant(i));
            batches.Add(builder.Seal());
        }
        CodeBatchBuilder open = memory.CreateBatch(4096);
        nint openAddress = open.GetExecutableAddress(open.AddFunction([0xC3]));
        Assert.Equal(5, memory.GetStatistics().LiveBatches);

        memory.Dispose();

        Assert.All(batches, b => Assert.True(b.IsDisposed));
        Assert.All(batches, b => AssertUnmapped(b.CodeAddress, 4096));
        AssertUnmapped(openAddress, 4096);
        CodeMemoryStatistics stats = memory.GetStatistics();
        Assert.Equal(0, stats.LiveBatches);
        Assert.Equal(0, stats.OpenBuilders);
        Assert.Equal(0, stats.BytesReserved);
        Assert.Throws<ObjectDisposedException>(() => memory.CreateBatch(16));
    }

    [Theory]
    [MemberData(nameof(Strategies.Both), MemberType = typeof(Strategies))]
    public void FreeingABatchLeavesAloneWhatWasMappedIntoItsTrimmedPages(CodeMemoryStrategy strategy)
    {
        // The seal returns unused pages; the process may map something else there before the batch is freed
        // (the runtime does, within microseconds). Freeing the batch must not tear that mapping away.
        using CodeMemory memory = Strategies.Create(strategy);
        int page = CodeMemory.PageSize;
        CodeBatchBuilder builder = memory.CreateBatch(4 * page, page);
        builder.AddFunction(X64Snippets.ReturnConstant(1));
        builder.AddReadOnlyData([7], 1);
        CodeBatch batch = builder.Seal();
        nint hole = batch.CodeAddress + page;
        nint squatter = LibC.Mmap(hole, (nuint)page, LibC.ProtRead, LibC.MapPrivate | LibC.MapAnonymous | MapFixedNoReplace, -1, 0);
        Assert.True(squatter == hole, $"could not map into the trimmed pages at 0x{hole:x} (got 0x{squatter:x})");
        try
        {
            batch.Dispose();
            MapsEntry? entry = ProcMaps.Find(hole);
            Assert.True(entry is not null, $"freeing the batch unmapped 0x{hole:x}, which it no longer owned");
        }
        finally
        {
            LibC.Munmap(squatter, (nuint)page);
        }
    }

    private const int MapFixedNoReplace = 0x100000;

    private static void AssertUnmapped(nint address, long length)
    {
        Assert.True(ProcMaps.FreeOfKilnMappings(address, length, out string evidence),
            $"0x{address:x}+{length} is still mapped after it was freed:\n{evidence}");
    }
}
