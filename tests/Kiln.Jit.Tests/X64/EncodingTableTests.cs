using System.Globalization;
using System.Reflection;
using Kiln.Jit.X64;

namespace Kiln.Jit.Tests.X64;

/// <summary>
/// Exact bytes for the encodings that break encoders, kept as a plain-text table
/// (<c>EncodingTable.txt</c>). Each row is checked against Iced (the bytes decode to the row's text)
/// and against Kiln (the text, parsed into an assembler call, produces the row's bytes).
/// </summary>
public sealed class EncodingTableTests
{
    public static TheoryData<int, string, string, string> Rows()
    {
        var data = new TheoryData<int, string, string, string>();
        string[] lines = File.ReadAllLines(FindTable());
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            string[] columns = line.Split('|', StringSplitOptions.TrimEntries);
            data.Add(i + 1, columns[0], columns[1], columns.Length > 2 ? columns[2] : "");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void IcedDecodesTheBytesToTheText(int line, string hex, string text, string method)
    {
        _ = method;
        byte[] bytes = Convert.FromHexString(hex.Replace(" ", ""));
        var decoded = IcedOracle.DecodeOne(bytes, 0);
        Assert.True(decoded.Length == bytes.Length, $"line {line}: Iced decoded {decoded.Length} of {bytes.Length} bytes");
        Assert.Equal(text, Disassembler.Format(decoded));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void AssemblerProducesTheBytes(int line, string hex, string text, string method)
    {
        byte[] expected = Convert.FromHexString(hex.Replace(" ", ""));
        var asm = new Assembler(CpuFeatures.All);
        if (method == "Nop")
        {
            asm.Nop(expected.Length);
        }
        else
        {
            InstructionText.Emit(asm, text, method.Length > 0 ? method : null);
        }
        Assert.True(expected.AsSpan().SequenceEqual(asm.Code),
            $"line {line}: '{text}' expected {hex}, got {IcedOracle.Hex(asm.Code)}");
    }

    private static string FindTable()
    {
        // The table lives beside this file; search upward from the test binaries so no build step copies it.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "Kiln.Jit.Tests", "X64", "EncodingTable.txt");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException("tests/Kiln.Jit.Tests/X64/EncodingTable.txt not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// Parses one line of Iced's Intel syntax into a call on <see cref="Assembler"/>: the mnemonic names the
/// method, operands bind to its parameters in order, and each <see cref="OperandSize"/> parameter takes
/// the size of the operand that follows it.
/// </summary>
internal static class InstructionText
{
    private sealed record Operand(object Value, OperandSize? Size);

    private static readonly string[] s_conditions =
        ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];

    public static void Emit(Assembler asm, string text, string? methodOverride)
    {
        int space = text.IndexOf(' ');
        string mnemonic = space < 0 ? text : text[..space];
        List<Operand> operands = space < 0 ? [] : SplitOperands(text[(space + 1)..]).Select(ParseOperand).ToList();

        Condition? condition = null;
        string method = methodOverride ?? char.ToUpperInvariant(mnemonic[0]) + mnemonic[1..];
        foreach ((string prefix, string name) in new[] { ("set", "Setcc"), ("cmov", "Cmovcc") })
        {
            int cc = Array.IndexOf(s_conditions, mnemonic.StartsWith(prefix, StringComparison.Ordinal) ? mnemonic[prefix.Length..] : "?");
            if (cc >= 0 && methodOverride is null)
            {
                condition = (Condition)cc;
                method = name;
            }
        }
        if (method is "Shl" or "Shr" or "Sar" or "Rol" or "Ror" && operands.Count == 2 && operands[1].Value is Gpr { Index: 1 } && operands[1].Size == OperandSize.S8)
        {
            method += "Cl";
            operands.RemoveAt(1);
        }

        foreach (MethodInfo candidate in typeof(Assembler).GetMethods().Where(m => m.Name == method))
        {
            if (TryBind(candidate.GetParameters(), operands, condition, out object[] args))
            {
                candidate.Invoke(asm, args);
                return;
            }
        }
        throw new InvalidOperationException($"No Assembler.{method} overload matches '{text}'.");
    }

    private static bool TryBind(ParameterInfo[] parameters, List<Operand> operands, Condition? condition, out object[] args)
    {
        args = new object[parameters.Length];
        int next = 0;
        for (int p = 0; p < parameters.Length; p++)
        {
            Type type = parameters[p].ParameterType;
            if (type == typeof(Condition))
            {
                if (condition is null)
                {
                    return false;
                }
                args[p] = condition.Value;
                continue;
            }
            if (next >= operands.Count)
            {
                return false;
            }
            Operand operand = operands[next];
            if (type == typeof(OperandSize))
            {
                if (operand.Size is null)
                {
                    return false;
                }
                args[p] = operand.Size.Value;
                continue;
            }
            next++;
            if (type == typeof(Gpr) || type == typeof(Xmm) || type == typeof(Mem))
            {
                if (operand.Value.GetType() != type)
                {
                    return false;
                }
                args[p] = operand.Value;
            }
            else if (operand.Value is ulong imm)
            {
                long value = unchecked((long)imm);
                if (type == typeof(int))
                {
                    if (value is >= int.MinValue and <= int.MaxValue)
                    {
                        args[p] = (int)value;
                    }
                    else if (imm <= uint.MaxValue)
                    {
                        args[p] = unchecked((int)(uint)imm);
                    }
                    else
                    {
                        return false;
                    }
                }
                else if (type == typeof(long))
                {
                    args[p] = value;
                }
                else if (type == typeof(ushort))
                {
                    args[p] = checked((ushort)imm);
                }
                else if (type == typeof(RoundingMode))
                {
                    args[p] = (RoundingMode)imm;
                }
                else if (type == typeof(byte) && imm <= byte.MaxValue)
                {
                    args[p] = (byte)imm;
                }
                else if (type == typeof(FloatComparison) && imm <= byte.MaxValue)
                {
                    args[p] = (FloatComparison)imm;
                }
                else
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }
        return next == operands.Count;
    }

    private static IEnumerable<string> SplitOperands(string text) => text.Split(", ", StringSplitOptions.TrimEntries);

    private static Operand ParseOperand(string text)
    {
        int bracket = text.IndexOf('[');
        if (bracket >= 0)
        {
            OperandSize? size = null;
            int memSize = 0;
            if (text.Contains(" ptr ", StringComparison.Ordinal))
            {
                string sizeName = text[..text.IndexOf(' ')];
                memSize = sizeName switch { "byte" => 1, "word" => 2, "dword" => 4, "qword" => 8, "xmmword" => 16, _ => throw new FormatException(text) };
                size = memSize <= 8 ? (OperandSize)memSize : null;
            }
            return new Operand(ParseMemory(text[(bracket + 1)..text.IndexOf(']')]), size);
        }
        if (TryRegister(text, out object? register, out OperandSize? registerSize))
        {
            return new Operand(register!, registerSize);
        }
        return new Operand(ParseImmediate(text), null);
    }

    private static ulong ParseImmediate(string text)
    {
        bool negative = text.StartsWith('-');
        string digits = negative ? text[1..] : text;
        ulong value = digits.StartsWith("0x", StringComparison.Ordinal)
            ? ulong.Parse(digits[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : ulong.Parse(digits, CultureInfo.InvariantCulture);
        return negative ? unchecked(0 - value) : value;
    }

    private static Mem ParseMemory(string inner)
    {
        Gpr? @base = null, index = null;
        int scale = 1;
        long disp = 0;
        int position = 0;
        while (position < inner.Length)
        {
            int sign = 1;
            if (inner[position] is '+' or '-')
            {
                sign = inner[position] == '-' ? -1 : 1;
                position++;
            }
            int end = inner.IndexOfAny(['+', '-'], position);
            string term = end < 0 ? inner[position..] : inner[position..end];
            position = end < 0 ? inner.Length : end;
            string[] parts = term.Split('*');
            if (TryRegister(parts[0], out object? register, out _) && register is Gpr gpr)
            {
                if (parts.Length == 2)
                {
                    index = gpr;
                    scale = int.Parse(parts[1], CultureInfo.InvariantCulture);
                }
                else if (@base is null)
                {
                    @base = gpr;
                }
                else
                {
                    index = gpr;
                }
            }
            else
            {
                disp += sign * (long)ParseImmediate(term);
            }
        }
        int d = checked((int)disp);
        if (@base is null)
        {
            return index is null ? Mem.Absolute(d) : Mem.Indexed(index.Value, scale, d);
        }
        return index is null ? Mem.At(@base.Value, d) : Mem.At(@base.Value, index.Value, scale, d);
    }

    private static readonly string[] s_names64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"];
    private static readonly string[] s_names32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
    private static readonly string[] s_names16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
    private static readonly string[] s_names8 = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"];

    private static bool TryRegister(string name, out object? register, out OperandSize? size)
    {
        register = null;
        size = null;
        if (name.StartsWith("xmm", StringComparison.Ordinal))
        {
            register = Xmm.FromIndex(int.Parse(name[3..], CultureInfo.InvariantCulture));
            return true;
        }
        foreach ((string[] names, OperandSize s) in new[]
                 {
                     (s_names64, OperandSize.S64), (s_names32, OperandSize.S32), (s_names16, OperandSize.S16), (s_names8, OperandSize.S8),
                 })
        {
            int i = Array.IndexOf(names, name);
            if (i >= 0)
            {
                register = Gpr.FromIndex(i);
                size = s;
                return true;
            }
        }
        if (name.Length >= 2 && name[0] == 'r' && char.IsDigit(name[1]))
        {
            int digits = name[1..].TakeWhile(char.IsDigit).Count();
            int number = int.Parse(name.AsSpan(1, digits), CultureInfo.InvariantCulture);
            string suffix = name[(1 + digits)..];
            size = suffix switch { "" => OperandSize.S64, "d" => OperandSize.S32, "w" => OperandSize.S16, "b" or "l" => OperandSize.S8, _ => null };
            if (size is null || number > 15)
            {
                return false;
            }
            register = Gpr.FromIndex(number);
            return true;
        }
        return false;
    }
}
