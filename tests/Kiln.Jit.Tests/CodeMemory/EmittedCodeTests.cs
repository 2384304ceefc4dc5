namespace Kiln.Jit.Tests;

public unsafe class EmittedCodeTests
{
    [Theory]
    [MemberData(nameof(Strategies.Both), MemberType = typeof(Strategies))]
    public void MulAddRunsAndReturnsTheRightValue(CodeMemoryStrategy strategy)
    {
        using CodeMemory memory = Strategies.Create(strategy);
        Assert.Equal(strategy, memory.Strategy);
        using CodeBatchBuilder builder = memory.CreateBatch(4096);
        CodeItem mulAdd = builder.AddFunction(X64Snippets.MulAdd);
        using CodeBatch batch = builder.Seal();

        var f = (delegate* unmanaged<long, long, long, long>)batch.GetAddress(mulAdd);
        Assert.Equal(50, f(6, 7, 8));
        Assert.Equal(-3 * 1_000_000_007L + 5, f(-3, 1_000_000_007, 5));
        Assert.Equal(long.MaxValue, f(1, long.MaxValue, 0));
    }

    [Theory]
    [MemberData(nameof(Strategies.Both), MemberType = typeof(Strategies))]
    public void EveryFunctionOfABatchReturnsItsOwnValue(CodeMemoryStrategy strategy)
    {
        using CodeMemory memory = Strategies.Create(strategy);
        using CodeBatchBuilder builder = memory.CreateBatch(500 * 16);
        var items = new CodeItem[500];
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = builder.AddFunction(X64Snippets.ReturnConstant(i * 7919 - 1000));
        }
        using CodeBatch batch = builder.Seal();

        Assert.Equal(items.Length, batch.FunctionCount);
        for (int i = 0; i < items.Length; i++)
        {
            Assert.Equal(i * 7919 - 1000, ((delegate* unmanaged<int>)batch.GetAddress(items[i]))());
        }
    }

    [Theory]
    [MemberData(nameof(Strategies.Both), MemberType = typeof(Strategies))]
    public void CodePatchedBeforeTheSealReadsItsConstantRipRelative(CodeMemoryStrategy strategy)
    {
        using CodeMemory memory = Strategies.Create(strategy);
        using CodeBatchBuilder builder = memory.CreateBatch(4096, 4096);
        // Emit in place with a zero displacement first, as an assembler would before it knows the data's address.
        CodeItem load = builder.AddFunction(X64Snippets.LoadRipRelativeLength, out Span<byte> body);
        body.Clear();
        CodeItem constant = builder.AddReadOnlyData(BitConverter.GetBytes(0x1122_3344_5566_7788L), alignment: 8);

        nint loadAddress = builder.GetExecutableAddress(load);
        nint constantAddress = builder.GetExecutableAddress(constant);
        X64Snippets.LoadRipRelative(builder.GetWritableSpan(load), loadAddress, constantAddress);
        using CodeBatch batch = builder.Seal();

        Assert.Equal(loadAddress, batch.GetAddress(load));
        Assert.Equal(constantAddress, batch.GetAddress(constant));
        Assert.Equal(0x1122_3344_5566_7788L, ((delegate* unmanaged<long>)batch.GetAddress(load))());
    }

    [Fact]
    public void TheDefaultStrategyRunsCodeToo()
    {
        using var memory = new CodeMemory(new CodeMemoryOptions { UseEnvironment = false });
        using CodeBatchBuilder builder = memory.CreateBatch(64);
        CodeItem f = builder.AddFunction(X64Snippets.MulAdd);
        using CodeBatch batch = builder.Seal();
        Assert.Equal(-14, ((delegate* unmanaged<long, long, long, long>)batch.GetAddress(f))(-2, 8, 2));
    }
}
