using Iced.Intel;
using Kiln.Jit.Linking;
using Kiln.Jit.X64;
using Assembler = Kiln.Jit.X64.Assembler;

namespace Kiln.Jit.Tests.X64;

/// <summary>The constant pool: deduplication by bit pattern, alignment, contents, RIP-relative reach.</summary>
public sealed class ConstantPoolTests
{
    [Fact]
    public void EqualBitPatternsShareOneEntryAndOthersDoNot()
    {
        var pool = new Assembler(CpuFeatures.All).Constants;
        int one = pool.AddF64(1.0);
        Assert.Equal(one, pool.AddF64(1.0));
        Assert.NotEqual(one, pool.AddF64(2.0));
        // 0.0 and -0.0 compare equal as doubles but are different constants.
        Assert.NotEqual(pool.AddF64(0.0), pool.AddF64(-0.0));
        Assert.NotEqual(pool.AddF32(1.0f), pool.AddF64(1.0));
        Assert.Equal(pool.AddI64(BitConverter.DoubleToInt64Bits(1.0)), one);
        Assert.NotEqual(pool.AddF64(BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0001)), pool.AddF64(double.NaN));
    }

    [Fact]
    public void EntriesAreAlignedToTheirSize()
    {
        var pool = new Assembler(CpuFeatures.All).Constants;
        int a = pool.AddF32(1.5f);
        int b = pool.AddF64(2.5);
        int c = pool.Add128(0x8000_0000_0000_0000, 0x8000_0000_0000_0000);
        int d = pool.AddI32(7);
        int e = pool.Add128(1, 2);
        Assert.Equal(0, a % 4);
        Assert.Equal(0, b % 8);
        Assert.Equal(0, c % 16);
        Assert.Equal(0, d % 4);
        Assert.Equal(0, e % 16);
        ReadOnlySpan<byte> data = pool.Data;
        Assert.Equal(1.5f, BitConverter.ToSingle(data[a..]));
        Assert.Equal(2.5, BitConverter.ToDouble(data[b..]));
        Assert.Equal(0x8000_0000_0000_0000UL, BitConverter.ToUInt64(data[(c + 8)..]));
        Assert.Equal(7, BitConverter.ToInt32(data[d..]));
        Assert.Equal(1UL, BitConverter.ToUInt64(data[e..]));
        Assert.Equal(2UL, BitConverter.ToUInt64(data[(e + 8)..]));
        Assert.Equal(16, ConstantPool.Alignment);
    }

    [Fact]
    public void ResetEmptiesThePool()
    {
        var asm = new Assembler(CpuFeatures.All);
        asm.ConstF64(3.0);
        asm.Reset();
        Assert.Equal(0, asm.Constants.Length);
        Assert.Equal(0, asm.Constants.AddF64(4.0));
    }

    [Fact]
    public void CodeReadsConstantsRipRelativeAfterRelocation()
    {
        var asm = new Assembler(CpuFeatures.All);
        Mem signMask = asm.Const128(0x8000_0000_0000_0000, 0x8000_0000_0000_0000);
        asm.Xorpd(Xmm.Xmm0, signMask);
        asm.Addsd(Xmm.Xmm0, asm.ConstF64(0.5));
        asm.Movsd(Xmm.Xmm1, asm.ConstF64(0.5));
        asm.Ret();
        asm.Finish();
        Assert.Equal(3, asm.Relocations.Length);
        Assert.All(asm.Relocations.ToArray(), r => Assert.Equal(RelocationTarget.ReadOnlyData, r.Target));

        // Read-only data lands on its own pages, here 1 MiB after the code.
        const ulong code = 0x5000_0000;
        const ulong data = 0x5010_0000;
        byte[] bytes = asm.Code.ToArray();
        byte[] rodata = asm.ReadOnlyData.ToArray();
        Relocator.Apply(bytes, rodata, asm.Relocations, new RelocationContext(code, data, [], null));
        List<Instruction> decoded = IcedOracle.DecodeAll(bytes, code);
        Assert.Equal(data + (ulong)signMask.Target, decoded[0].MemoryDisplacement64);
        Assert.Equal(0UL, decoded[0].MemoryDisplacement64 % 16);
        Assert.Equal(decoded[1].MemoryDisplacement64, decoded[2].MemoryDisplacement64);
        Assert.Equal(0.5, BitConverter.ToDouble(rodata, (int)(decoded[1].MemoryDisplacement64 - data)));
    }

    [Fact]
    public void AssembledCodeCopiesFinishedOutput()
    {
        var asm = new Assembler(CpuFeatures.All);
        var end = asm.CreateLabel();
        asm.Movsd(Xmm.Xmm0, asm.ConstF64(2.0));
        asm.Jmp(end);
        asm.Bind(end);
        asm.Ret();
        AssembledCode result = asm.ToAssembledCode();
        Assert.True(asm.IsFinished);
        Assert.Equal(asm.Code.ToArray(), result.Code);
        Assert.Equal(8, result.ReadOnlyData.Length);
        Assert.Single(result.Relocations);
        // The forward jump was patched to land on the ret right after it.
        Assert.Equal(0, BitConverter.ToInt32(result.Code, result.Code.Length - 5));
        asm.Reset();
        Assert.False(asm.IsFinished);
        Assert.Equal(0xC3, result.Code[^1]);
    }
}
