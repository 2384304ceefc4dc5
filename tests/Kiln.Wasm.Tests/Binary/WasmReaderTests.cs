using Kiln.Wasm.Binary;

namespace Kiln.Wasm.Tests.Binary;

public class WasmReaderTests
{
    [Theory]
    [InlineData("00", 0u)]
    [InlineData("7f", 127u)]
    [InlineData("8001", 128u)]
    [InlineData("ffffffff0f", uint.MaxValue)]
    [InlineData("8080808000", 0u)]
    public void ReadsU32(string hex, uint expected) =>
        Assert.Equal(expected, new WasmReader(Convert.FromHexString(hex)).ReadU32());

    [Theory]
    [InlineData("ffffffff1f", "integer too large")]
    [InlineData("ffffffff4f", "integer too large")]
    [InlineData("8080808080", "integer representation too long")]
    [InlineData("80", "unexpected end")]
    public void RejectsBadU32(string hex, string reason)
    {
        var e = Assert.Throws<MalformedModuleException>(() => new WasmReader(Convert.FromHexString(hex)).ReadU32());
        Assert.Equal(reason, e.Reason);
    }

    [Theory]
    [InlineData("7f", -1)]
    [InlineData("3f", 63)]
    [InlineData("40", -64)]
    [InlineData("8080808078", int.MinValue)]
    [InlineData("ffffffff07", int.MaxValue)]
    public void ReadsS32(string hex, int expected) =>
        Assert.Equal(expected, new WasmReader(Convert.FromHexString(hex)).ReadS32());

    [Theory]
    [InlineData("ffffffff7f")] // last byte: bit 3 (sign) and its extension bits 4..6 all set
    public void AcceptsSignExtendedS32(string hex) =>
        Assert.Equal(-1, new WasmReader(Convert.FromHexString(hex)).ReadS32());

    [Theory]
    [InlineData("ffffffff4f")]
    [InlineData("8080808070")]
    public void RejectsS32WithBadUnusedBits(string hex)
    {
        var e = Assert.Throws<MalformedModuleException>(() => new WasmReader(Convert.FromHexString(hex)).ReadS32());
        Assert.Equal("integer too large", e.Reason);
    }

    [Theory]
    [InlineData("808080808080808080 7f", long.MinValue)]
    [InlineData("ffffffffffffffffff 00", long.MaxValue)]
    [InlineData("7f", -1L)]
    public void ReadsS64(string hex, long expected) =>
        Assert.Equal(expected, new WasmReader(Convert.FromHexString(hex.Replace(" ", ""))).ReadS64());

    [Fact]
    public void ForgedVectorLengthFailsWithoutAllocating()
    {
        var e = Assert.Throws<MalformedModuleException>(() => new WasmReader(Convert.FromHexString("ffffffff0f00")).ReadVectorLength());
        Assert.Equal("unexpected end", e.Reason);
    }

    [Fact]
    public void RejectsInvalidUtf8Name()
    {
        var e = Assert.Throws<MalformedModuleException>(() => new WasmReader(Convert.FromHexString("02c0af")).ReadName());
        Assert.Equal("malformed UTF-8 encoding", e.Reason);
    }
}
