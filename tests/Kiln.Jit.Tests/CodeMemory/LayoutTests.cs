namespace Kiln.Jit.Tests;

public unsafe class LayoutTests
{
    [Theory]
    [MemberData(nameof(Strategies.Both), MemberType = typeof(Strategies))]
    public void FunctionsStart16ByteAlignedWithTrapsInEveryGap(CodeMemoryStrategy strategy)
    {
        using CodeMemory memory = Strategies.Create(strategy);
        using CodeBatchBuilder builder = memory.CreateBatch(8192);
        var items = new List<CodeItem>();
        for (int length = 1; length <= 40; length++)
        {
            var code = new byte[length];
            code.AsSpan().Fill(0x90); // nop
            code[^1] = 0xC3;
            items.Add(builder.AddFunction(code));
        }
        using CodeBatch batch = builder.Seal();

        byte* start = (byte*)batch.CodeAddress;
        int pageEnd = (batch.CodeBytes + CodeMemory.PageSize - 1) / CodeMemory.PageSize * CodeMemory.PageSize;
        var owned = new bool[pageEnd];
        foreach (CodeItem item in items)
        {
            Assert.Equal(0, batch.GetAddress(item) % 16);
            for (int i = 0; i < item.Length; i++)
            {
                owned[item.Offset + i] = true;
            }
            Assert.Equal(0xC3, batch.GetBytes(item)[^1]);
        }
        for (int offset = 0; offset < pageEnd; offset++)
        {
            if (!owned[offset])
            {
                Assert.True(start[offset] == 0xCC, $"byte {offset} between functions is 0x{start[offset]:x2}, not int3");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Strategies.Both), MemberType = typeof(Strategies))]
    public void ReadOnlyDataLivesOnReadOnlyPagesOfItsOwnWithinReachOfTheCode(CodeMemoryStrategy strategy)
    {
        using CodeMemory memory = Strategies.Create(strategy);
        int page = CodeMemory.PageSize;
        using CodeBatchBuilder builder = memory.CreateBatch(2 * page, 3 * page);
        var functions = new List<CodeItem>();
        for (int i = 0; i < 300; i++)
        {
            functions.Add(builder.AddFunction(X64Snippets.ReturnConstant(i)));
        }
        var data = new List<(CodeItem Item, int Alignment)>();
        foreach (int alignment in new[] { 1, 8, 64, 8, page, 2, 16 })
        {
            data.Add((builder.AddReadOnlyData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 }, alignment), alignment));
        }
        using CodeBatch batch = builder.Seal();

        var codePages = functions.Select(f => batch.GetAddress(f) / page).ToHashSet();
        foreach ((CodeItem item, int alignment) in data)
        {
            nint address = batch.GetAddress(item);
            Assert.Equal(0, address % alignment);
            Assert.Equal(11, batch.GetBytes(item)[10]);
            for (nint p = address / page; p <= (address + item.Length - 1) / page; p++)
            {
                Assert.DoesNotContain(p, codePages);
                // W^X: read-only, not writable and not executable, through every view the process has.
                MapsEntry entry = ProcMaps.Find(p * page)!.Value;
                Assert.True(entry.Permissions.StartsWith("r--"), entry.Line);
            }
            foreach (CodeItem f in functions)
            {
                long distance = Math.Abs((long)address - batch.GetAddress(f));
                Assert.True(distance < int.MaxValue, $"data at 0x{address:x} is out of RIP-relative reach of code");
            }
        }
        foreach (nint codePage in codePages)
        {
            MapsEntry entry = ProcMaps.Find(codePage * page)!.Value;
            Assert.True(entry.Permissions.StartsWith("r-x"), entry.Line);
        }
    }

    [Fact]
    public void DualMappingCodeNeverSeesItsDataAsWritableOrExecutableEvenBeforeTheSeal()
    {
        using CodeMemory memory = Strategies.Create(CodeMemoryStrategy.DualMapping);
        using CodeBatchBuilder builder = memory.CreateBatch(4096, 4096);
        CodeItem f = builder.AddFunction(X64Snippets.ReturnConstant(3));
        CodeItem d = builder.AddReadOnlyData([42], 1);
        Assert.StartsWith("r--s", ProcMaps.Find(builder.GetExecutableAddress(d))!.Value.Permissions);
        Assert.StartsWith("r-xs", ProcMaps.Find(builder.GetExecutableAddress(f))!.Value.Permissions);
    }
}
