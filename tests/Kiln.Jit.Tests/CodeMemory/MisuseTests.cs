namespace Kiln.Jit.Tests;

public class MisuseTests
{
    [Fact]
    public void AnItemOfAnotherBatchIsRejected()
    {
        using CodeMemory memory = Strategies.Create(CodeMemoryStrategy.Mprotect);
        using CodeBatchBuilder first = memory.CreateBatch(64);
        using CodeBatchBuilder second = memory.CreateBatch(64);
        CodeItem item = first.AddFunction([0xC3]);
        Assert.Throws<ArgumentException>(() => second.GetWritableSpan(item));
        Assert.Throws<ArgumentException>(() => second.GetExecutableAddress(item));
        using CodeBatch batch = second.Seal();
        Assert.Throws<ArgumentException>(() => batch.GetAddress(item));
    }

    [Fact]
    public void AForgedItemOutsideTheBatchIsRejected()
    {
        using CodeMemory memory = Strategies.Create(CodeMemoryStrategy.Mprotect);
        using CodeBatchBuilder builder = memory.CreateBatch(64, 64);
        CodeItem item = builder.AddFunction([0x90, 0xC3]);
        Assert.Throws<ArgumentException>(() => builder.GetWritableSpan(item with { Length = 100_000 }));
        Assert.Throws<ArgumentException>(() => builder.GetWritableSpan(item with { Offset = -16 }));
        Assert.Throws<ArgumentException>(() => builder.GetWritableSpan(item with { Kind = CodeItemKind.ReadOnlyData }));
        using CodeBatch batch = builder.Seal();
        Assert.Throws<ArgumentException>(() => batch.GetAddress(item with { Offset = 4096 }));
    }

    [Fact]
    public void OutgrowingTheCapacityIsAClearError()
    {
        using CodeMemory memory = Strategies.Create(CodeMemoryStrategy.Mprotect);
        using CodeBatchBuilder builder = memory.CreateBatch(4096, 16);
        builder.AddFunction(new byte[4000]);
        var code = Assert.Throws<CodeMemoryException>(() => builder.AddFunction(new byte[100]));
        Assert.Contains("code capacity", code.Message);
        builder.AddReadOnlyData(new byte[16], 16);
        Assert.Throws<CodeMemoryException>(() => builder.AddReadOnlyData(new byte[4096], 1));
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        using CodeMemory memory = Strategies.Create(CodeMemoryStrategy.Mprotect);
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.CreateBatch(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.CreateBatch(64, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.CreateBatch(CodeMemory.MaxBatchBytes, 4096));
        using CodeBatchBuilder builder = memory.CreateBatch(64, 64);
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddFunction([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddReadOnlyData([1], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddReadOnlyData([1], 2 * CodeMemory.PageSize));
    }

    [Fact]
    public void ASealedBuilderCannotBeWrittenOrSealedAgain()
    {
        using CodeMemory memory = Strategies.Create(CodeMemoryStrategy.DualMapping);
        CodeBatchBuilder builder = memory.CreateBatch(64);
        CodeItem item = builder.AddFunction([0xC3]);
        using CodeBatch batch = builder.Seal();
        Assert.Throws<InvalidOperationException>(() => builder.GetWritableSpan(item));
        Assert.Throws<InvalidOperationException>(() => builder.AddFunction([0xC3]));
        Assert.Throws<InvalidOperationException>(() => builder.Seal());
        builder.Dispose(); // after the seal, disposing the builder leaves the batch alone
        Assert.False(batch.IsDisposed);
        Assert.Equal(1, memory.GetStatistics().LiveBatches);
    }
}
