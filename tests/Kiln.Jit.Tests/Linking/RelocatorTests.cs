using Iced.Intel;
using Kiln.Jit.Linking;
using Kiln.Jit.Tests.X64;
using Kiln.Jit.X64;
using Assembler = Kiln.Jit.X64.Assembler;

namespace Kiln.Jit.Tests.Linking;

/// <summary>Relocations produced by the assembler, applied by <see cref="Relocator"/> against final addresses.</summary>
public sealed class RelocatorTests
{
    private const ulong Code = 0x7F00_1000_0000;
    private const ulong Data = 0x7F00_1001_0000;

    [Fact]
    public void Rel32CallsReachOtherFunctionsAndSymbols()
    {
        var symbols = new SymbolTable();
        SymbolId helper = symbols.Define("kiln_helper", Code + 0x4000_0000);
        var asm = new Assembler(CpuFeatures.All);
        asm.Call(RelocationTarget.Function(1));
        asm.Jmp(RelocationTarget.Symbol(helper));
        asm.Finish();
        ulong[] functions = [Code, Code - 0x7000_0000];
        byte[] code = asm.Code.ToArray();
        Relocator.Apply(code, [], asm.Relocations, new RelocationContext(Code, Data, functions, symbols));
        List<Instruction> decoded = IcedOracle.DecodeAll(code, Code);
        Assert.Equal(Mnemonic.Call, decoded[0].Mnemonic);
        Assert.Equal(functions[1], decoded[0].NearBranchTarget);
        Assert.Equal(Mnemonic.Jmp, decoded[1].Mnemonic);
        Assert.Equal(Code + 0x4000_0000, decoded[1].NearBranchTarget);
    }

    [Fact]
    public void Rel32BeyondTwoGigabytesIsALinkErrorAndWritesNothing()
    {
        var symbols = new SymbolTable();
        SymbolId far = symbols.Define("far_host_function", 0x0000_5555_0000_0000);
        var asm = new Assembler(CpuFeatures.All);
        asm.Call(RelocationTarget.Function(0));
        asm.Call(RelocationTarget.Symbol(far));
        asm.Finish();
        byte[] code = asm.Code.ToArray();
        byte[] before = (byte[])code.Clone();
        var error = Assert.Throws<LinkException>(() =>
            Relocator.Apply(code, [], asm.Relocations, new RelocationContext(Code, Data, [Code + 0x100], symbols)));
        Assert.Contains("2 GiB", error.Message);
        Assert.Equal(before, code);
    }

    [Fact]
    public void FarTargetsUseAbs64OrAnIndirectSlot()
    {
        var symbols = new SymbolTable();
        const ulong hostAddress = 0x0000_5555_1234_5678;
        SymbolId host = symbols.Define("host_print", hostAddress);
        var asm = new Assembler(CpuFeatures.All);
        asm.CallAbsolute(RelocationTarget.Symbol(host), Gpr.R11);
        asm.CallViaSlot(RelocationTarget.Symbol(host));
        asm.JmpViaSlot(RelocationTarget.Symbol(host));
        asm.Finish();
        Assert.Equal(8, asm.ReadOnlyData.Length); // one slot shared by both uses
        byte[] code = asm.Code.ToArray();
        byte[] data = asm.ReadOnlyData.ToArray();
        Relocator.Apply(code, data, asm.Relocations, new RelocationContext(Code, Data, [], symbols));
        List<Instruction> decoded = IcedOracle.DecodeAll(code, Code);
        Assert.Equal(Mnemonic.Mov, decoded[0].Mnemonic);
        Assert.Equal(Register.R11, decoded[0].Op0Register);
        Assert.Equal(hostAddress, decoded[0].GetImmediate(1));
        Assert.Equal(Mnemonic.Call, decoded[1].Mnemonic);
        Assert.Equal(Register.R11, decoded[1].Op0Register);
        Assert.Equal(Mnemonic.Call, decoded[2].Mnemonic);
        Assert.Equal(Register.RIP, decoded[2].MemoryBase);
        Assert.Equal(Data, decoded[2].MemoryDisplacement64);
        Assert.Equal(Mnemonic.Jmp, decoded[3].Mnemonic);
        Assert.Equal(Data, decoded[3].MemoryDisplacement64);
        Assert.Equal(hostAddress, BitConverter.ToUInt64(data));
    }

    [Fact]
    public void MovAbsOfCodeAndDataAddressesAddsTheAddend()
    {
        var asm = new Assembler(CpuFeatures.All);
        asm.MovAbs(Gpr.Rax, RelocationTarget.Code, 0x40);
        asm.MovAbs(Gpr.Rcx, RelocationTarget.ReadOnlyData, 8);
        asm.Finish();
        byte[] code = asm.Code.ToArray();
        Relocator.Apply(code, new byte[16], asm.Relocations, new RelocationContext(Code, Data, [], null));
        List<Instruction> decoded = IcedOracle.DecodeAll(code, Code);
        Assert.Equal(Code + 0x40, decoded[0].GetImmediate(1));
        Assert.Equal(Data + 8, decoded[1].GetImmediate(1));
    }

    [Fact]
    public void UnknownTargetsAreLinkErrors()
    {
        var symbols = new SymbolTable();
        SymbolId undefined = symbols.Declare("not_yet");
        var asm = new Assembler(CpuFeatures.All);
        asm.Call(RelocationTarget.Symbol(undefined));
        asm.Finish();
        byte[] code = asm.Code.ToArray();
        Assert.Throws<LinkException>(() => Relocator.Apply(code, [], asm.Relocations, new RelocationContext(Code, Data, [], symbols)));
        Assert.Throws<LinkException>(() => Relocator.Apply(code, [], asm.Relocations, new RelocationContext(Code, Data, [], null)));

        asm.Reset();
        asm.Call(RelocationTarget.Function(3));
        asm.Finish();
        code = asm.Code.ToArray();
        Assert.Throws<LinkException>(() => Relocator.Apply(code, [], asm.Relocations, new RelocationContext(Code, Data, [Code], null)));
        Assert.Throws<LinkException>(() => Relocator.Apply(code, [], asm.Relocations, new RelocationContext(Code, Data, [Code, Code, Code, 0], null)));
    }

    [Fact]
    public void RelocationsOutsideTheirSectionAreRejected()
    {
        Relocation[] relocations = [new(RelocationSection.Code, 2, RelocationKind.Abs64, RelocationTarget.Code, 0)];
        Assert.Throws<LinkException>(() => Relocator.Apply(new byte[9], [], relocations, new RelocationContext(Code, Data, [], null)));
        relocations = [new(RelocationSection.ReadOnlyData, -1, RelocationKind.Rel32, RelocationTarget.Code, 0)];
        Assert.Throws<LinkException>(() => Relocator.Apply(new byte[9], new byte[8], relocations, new RelocationContext(Code, Data, [], null)));
    }

    [Fact]
    public void Rel32IsRelativeToTheFieldPlusAddend()
    {
        // A hand-made relocation: S + A - P with P the field's own address.
        Relocation[] relocations = [new(RelocationSection.Code, 4, RelocationKind.Rel32, RelocationTarget.Function(0), -4)];
        byte[] code = new byte[8];
        Relocator.Apply(code, [], relocations, new RelocationContext(0x1000, 0, [0x2000], null));
        Assert.Equal(0x2000 - 4 - (0x1000 + 4), BitConverter.ToInt32(code, 4));
        Assert.Equal(0, BitConverter.ToInt32(code, 0));
    }

    [Fact]
    public void JumpTablesHoldAbsoluteLabelAddresses()
    {
        var asm = new Assembler(CpuFeatures.All);
        var cases = new[] { asm.CreateLabel(), asm.CreateLabel(), asm.CreateLabel() };
        asm.ConstF32(1.0f); // misaligns the pool so the table must realign to 8
        Mem table = asm.JumpTable([cases[0], cases[1], cases[2], cases[0]]);
        asm.Lea(OperandSize.S64, Gpr.R11, table);
        asm.Jmp(Mem.At(Gpr.R11, Gpr.Rax, 8));
        foreach (var label in cases)
        {
            asm.Bind(label);
            asm.Ret();
        }
        asm.Finish();
        asm.Finish();
        Assert.Equal(5, asm.Relocations.Length); // the lea plus one abs64 per entry, not duplicated
        byte[] code = asm.Code.ToArray();
        byte[] data = asm.ReadOnlyData.ToArray();
        Relocator.Apply(code, data, asm.Relocations, new RelocationContext(Code, Data, [], null));
        Assert.Equal(0, table.Target % 8);
        List<Instruction> decoded = IcedOracle.DecodeAll(code, Code);
        Assert.Equal(Data + (ulong)table.Target, decoded[0].MemoryDisplacement64);
        for (int i = 0; i < 4; i++)
        {
            ulong entry = BitConverter.ToUInt64(data, table.Target + 8 * i);
            Assert.Equal(Code + (ulong)asm.GetLabelOffset(cases[i % 3]), entry);
        }

        asm.Reset();
        asm.JumpTable([asm.CreateLabel()]);
        Assert.Throws<AssemblerException>(asm.Finish);
    }
}
