using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Wasm.Tests.Binary;

public class InstructionReaderTests
{
    private static List<Instruction> Decode(string hex)
    {
        byte[] code = Convert.FromHexString(hex.Replace(" ", ""));
        var reader = new InstructionReader(code, baseOffset: 100);
        var result = new List<Instruction>();
        while (!reader.AtEnd)
        {
            result.Add(reader.Read());
        }
        return result;
    }

    [Fact]
    public void DecodesImmediatesOfEachShape()
    {
        List<Instruction> ins = Decode("41 7f 42 80 01 20 03 28 02 10 fc 0a 00 00 fd 0c 01000000 00000000 00000000 00000002 02 7f 0b");
        Assert.Equal(Opcode.I32Const, ins[0].Opcode);
        Assert.Equal(-1, ins[0].I32);
        Assert.Equal(100, ins[0].Offset);
        Assert.Equal(128L, ins[1].I64);
        Assert.Equal((Opcode.LocalGet, 3u), (ins[2].Opcode, ins[2].Index));
        Assert.Equal((Opcode.I32Load, 2u, 16u), (ins[3].Opcode, ins[3].Align, ins[3].MemOffset));
        Assert.Equal(Opcode.MemoryCopy, ins[4].Opcode);
        Assert.Equal(Opcode.V128Const, ins[5].Opcode);
        Assert.Equal(1ul, ins[5].V128.Low);
        Assert.Equal(0x0200000000000000ul, ins[5].V128.High);
        Assert.Equal(Opcode.Block, ins[6].Opcode);
        Assert.Equal(BlockType.Value(ValType.I32), ins[6].BlockType);
        Assert.Equal(Opcode.End, ins[7].Opcode);
    }

    [Fact]
    public void DecodesBrTableTargets()
    {
        byte[] code = Convert.FromHexString("0e03000102050b");
        var reader = new InstructionReader(code);
        Instruction brTable = reader.Read();
        Assert.Equal(3u, brTable.BrTableCount);
        Span<uint> targets = stackalloc uint[4];
        reader.ReadBrTableTargets(brTable, targets);
        Assert.Equal(new uint[] { 0, 1, 2, 5 }, targets.ToArray());
        Assert.Equal(5u, reader.ReadBrTableTarget(brTable, 3));
        Assert.Equal(Opcode.End, reader.Read().Opcode);
    }

    [Theory]
    [InlineData("06", "illegal opcode")]
    [InlineData("fc 12", "illegal opcode")]
    [InlineData("3f 01", "zero byte expected")]
    [InlineData("41", "unexpected end")]
    [InlineData("28 40 00", "malformed memop flags")]
    public void RejectsMalformedInstructions(string hex, string reason)
    {
        var e = Assert.Throws<MalformedModuleException>(() => Decode(hex));
        Assert.Equal(reason, e.Reason);
    }

    [Fact]
    public void OpcodeTableIsConsistent()
    {
        Assert.Equal(437, OpcodeTable.All.Count);
        foreach (OpcodeInfo info in OpcodeTable.All)
        {
            Assert.Same(info, OpcodeTable.Get(info.Opcode));
            Assert.Equal(info.Params.IsDefault, info.Results.IsDefault);
        }
        Assert.Equal(Opcode.I32Add, OpcodeTable.TryGetByName("i32.add")!.Opcode);
        Assert.Equal(Opcode.Select, OpcodeTable.TryGetByName("select")!.Opcode);
        Assert.Equal(2, OpcodeTable.Get(Opcode.I32Load).NaturalAlignmentLog2);
        Assert.Equal(4, OpcodeTable.Get(Opcode.V128Load).NaturalAlignmentLog2);
        Assert.Equal(16, OpcodeTable.Get(Opcode.I8x16ExtractLaneS).LaneCount);
        Assert.Equal(2, OpcodeTable.Get(Opcode.V128Load64Lane).LaneCount);
    }
}
