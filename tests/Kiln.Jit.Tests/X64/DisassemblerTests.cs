using Kiln.Jit.Linking;
using Kiln.Jit.X64;

namespace Kiln.Jit.Tests.X64;

public sealed class DisassemblerTests
{
    [Fact]
    public void ListsAddressBytesAndInstruction()
    {
        var asm = new Assembler(CpuFeatures.All);
        asm.Push(Gpr.Rbp);
        asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(Gpr.Rsp, 8));
        asm.Ret();
        IReadOnlyList<string> lines = Disassembler.Disassemble(asm.Code, 0x7F00_0000_1000);
        Assert.Equal(3, lines.Count);
        Assert.Equal("00007F0000001000  55                    push    rbp", lines[0]);
        Assert.Equal("00007F0000001001  488B442408            mov     rax, qword ptr [rsp+0x8]", lines[1]);
        Assert.Equal("00007F0000001006  C3                    ret", lines[2]);
    }

    [Fact]
    public void NamesCallTargetsThroughTheResolver()
    {
        var symbols = new SymbolTable();
        SymbolId trap = symbols.Define("kiln_trap", 0x7F00_0000_2000);
        var asm = new Assembler(CpuFeatures.All);
        asm.Call(RelocationTarget.Symbol(trap));
        asm.Finish();
        byte[] code = asm.Code.ToArray();
        Relocator.Apply(code, [], asm.Relocations, new RelocationContext(0x7F00_0000_1000, 0, [], symbols));
        string text = Disassembler.ToText(code, 0x7F00_0000_1000, symbols.FindName);
        Assert.Contains("call    kiln_trap", text);
        Assert.EndsWith("\n", text);
    }

    [Fact]
    public void UndecodableBytesShowAsBad()
    {
        IReadOnlyList<string> lines = Disassembler.Disassemble([0x06, 0xC3], 0);
        Assert.Contains(lines, l => l.EndsWith("(bad)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith("ret", StringComparison.Ordinal));
    }
}
