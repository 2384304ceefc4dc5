using System.Text;
using Iced.Intel;

namespace Kiln.Jit.X64;

/// <summary>
/// Turns machine code back into text for tests and for <c>kiln compile --disasm</c>. Iced decodes and
/// formats (it is the reference decoder, not on any hot path); lines read
/// <c>address  bytes  instruction</c>, and call/jump targets that a resolver names are shown by name.
/// </summary>
public static class Disassembler
{
    /// <summary>
    /// One line per instruction of <paramref name="code"/>, which starts at <paramref name="baseAddress"/>.
    /// <paramref name="symbolName"/> maps an absolute address to a name (or null) for branch targets
    /// and RIP-relative operands. Undecodable bytes show as <c>(bad)</c>, never an exception.
    /// </summary>
    public static IReadOnlyList<string> Disassemble(ReadOnlySpan<byte> code, ulong baseAddress, Func<ulong, string?>? symbolName = null)
    {
        var lines = new List<string>();
        var reader = new ByteArrayCodeReader(code.ToArray());
        var decoder = Iced.Intel.Decoder.Create(64, reader, baseAddress);
        var formatter = CreateFormatter(symbolName, alignOperands: true);
        var output = new StringOutput();
        var line = new StringBuilder();
        int offset = 0;
        while (reader.CanReadByte)
        {
            decoder.Decode(out Instruction instruction);
            int length = instruction.Length;
            if (instruction.IsInvalid)
            {
                // Resynchronise one byte later, as objdump does, instead of skipping what Iced looked at.
                length = 1;
                reader.Position = offset + 1;
                decoder.IP = baseAddress + (ulong)offset + 1;
            }
            line.Clear();
            line.Append((baseAddress + (ulong)offset).ToString("X16")).Append("  ");
            for (int i = 0; i < 10; i++)
            {
                line.Append(i < length ? code[offset + i].ToString("X2") : "  ");
            }
            line.Append(length > 10 ? "+ " : "  ");
            if (instruction.IsInvalid)
            {
                line.Append("(bad)");
            }
            else
            {
                formatter.Format(instruction, output);
                line.Append(output.ToStringAndReset());
            }
            lines.Add(line.ToString().TrimEnd());
            offset += length;
        }
        return lines;
    }

    /// <summary>The listing as one string with a newline after each line.</summary>
    public static string ToText(ReadOnlySpan<byte> code, ulong baseAddress, Func<ulong, string?>? symbolName = null)
    {
        var text = new StringBuilder();
        foreach (string line in Disassemble(code, baseAddress, symbolName))
        {
            text.Append(line).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Formats one decoded instruction the way Kiln's tests compare text (Intel syntax, 0x hex).</summary>
    public static string Format(in Instruction instruction)
    {
        var formatter = CreateFormatter(null, alignOperands: false);
        var output = new StringOutput();
        formatter.Format(instruction, output);
        return output.ToString();
    }

    private static IntelFormatter CreateFormatter(Func<ulong, string?>? symbolName, bool alignOperands)
    {
        var formatter = symbolName is null ? new IntelFormatter() : new IntelFormatter(new NameResolver(symbolName));
        formatter.Options.HexPrefix = "0x";
        formatter.Options.HexSuffix = null;
        formatter.Options.UppercaseHex = false;
        formatter.Options.SpaceAfterOperandSeparator = true;
        formatter.Options.FirstOperandCharIndex = alignOperands ? 8 : 0;
        formatter.Options.ShowBranchSize = false;
        formatter.Options.RipRelativeAddresses = false;
        formatter.Options.MemorySizeOptions = MemorySizeOptions.Always;
        formatter.Options.SmallHexNumbersInDecimal = false;
        return formatter;
    }

    /// <summary>Adapts a plain address-to-name function to Iced's symbol lookup.</summary>
    private sealed class NameResolver(Func<ulong, string?> symbolName) : ISymbolResolver
    {
        public bool TryGetSymbol(in Instruction instruction, int operand, int instructionOperand, ulong address, int addressSize, out SymbolResult symbol)
        {
            string? name = symbolName(address);
            if (name is null)
            {
                symbol = default;
                return false;
            }
            symbol = new SymbolResult(address, name);
            return true;
        }
    }
}
