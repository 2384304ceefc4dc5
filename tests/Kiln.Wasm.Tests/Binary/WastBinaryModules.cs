using System.Globalization;
using System.Text;

namespace Kiln.Wasm.Tests.Binary;

/// <summary>What a spec script expects of a binary module.</summary>
public enum BinaryExpectation
{
    /// <summary>A plain <c>(module binary ...)</c> (or one used by assert_trap/assert_unlinkable): it decodes and validates.</summary>
    Valid,
    Malformed,
    Invalid,
}

/// <summary>One <c>(module binary "..." ...)</c> form of a .wast script.</summary>
public sealed record WastBinaryModule(string File, int Line, BinaryExpectation Expectation, string? Message, byte[] Bytes)
{
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>
/// Extracts the binary modules of .wast scripts without a text parser: a binary module is only a
/// list of string literals with <c>\hh</c> escapes, so a tokenizer of s-expressions (strings,
/// comments, parentheses) is enough to find them and the assertion around them.
/// </summary>
public static class WastBinaryModules
{
    public static List<WastBinaryModule> Extract(string path)
    {
        string text = File.ReadAllText(path);
        string file = Path.GetFileName(path);
        var result = new List<WastBinaryModule>();
        var tokens = Tokenize(text);
        int i = 0;
        while (i < tokens.Count)
        {
            Node node = Parse(tokens, ref i);
            if (node.Children is not { Count: > 0 } form || form[0].Atom is not { } head)
            {
                continue;
            }
            if (head == "module" && IsBinaryModule(node))
            {
                result.Add(new WastBinaryModule(file, node.Line, BinaryExpectation.Valid, null, Bytes(node)));
            }
            else if (form.Count >= 2 && form[1].Children is not null && IsBinaryModule(form[1]))
            {
                string? message = form[^1].String is { } s ? Encoding.UTF8.GetString(s) : null;
                BinaryExpectation? expectation = head switch
                {
                    "assert_malformed" => BinaryExpectation.Malformed,
                    "assert_invalid" => BinaryExpectation.Invalid,
                    "assert_unlinkable" or "assert_trap" or "assert_uninstantiable" => BinaryExpectation.Valid,
                    _ => null,
                };
                if (expectation is { } e)
                {
                    result.Add(new WastBinaryModule(file, form[1].Line, e, e == BinaryExpectation.Valid ? null : message, Bytes(form[1])));
                }
            }
        }
        return result;
    }

    private static bool IsBinaryModule(Node node)
    {
        if (node.Children is not { Count: >= 2 } c || c[0].Atom != "module")
        {
            return false;
        }
        int k = 1;
        if (c[k].Atom is { } name && name.StartsWith('$'))
        {
            k++;
        }
        return k < c.Count && c[k].Atom == "binary";
    }

    private static byte[] Bytes(Node module)
    {
        var bytes = new List<byte>();
        foreach (Node child in module.Children!)
        {
            if (child.String is { } s)
            {
                bytes.AddRange(s);
            }
        }
        return [.. bytes];
    }

    private sealed class Node
    {
        public int Line;
        public string? Atom;
        public byte[]? String;
        public List<Node>? Children;
    }

    private readonly record struct Token(char Kind, int Line, string? Atom, byte[]? String);

    private static Node Parse(List<Token> tokens, ref int i)
    {
        Token t = tokens[i++];
        switch (t.Kind)
        {
            case '(':
                var node = new Node { Line = t.Line, Children = [] };
                while (i < tokens.Count && tokens[i].Kind != ')')
                {
                    node.Children.Add(Parse(tokens, ref i));
                }
                i++;
                return node;
            case ')':
                return new Node { Line = t.Line };
            case '"':
                return new Node { Line = t.Line, String = t.String };
            default:
                return new Node { Line = t.Line, Atom = t.Atom };
        }
    }

    private static List<Token> Tokenize(string s)
    {
        var tokens = new List<Token>();
        int line = 1;
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '\n')
            {
                line++;
                i++;
            }
            else if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == ';' && i + 1 < s.Length && s[i + 1] == ';')
            {
                while (i < s.Length && s[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '(' && i + 1 < s.Length && s[i + 1] == ';')
            {
                // Block comments nest.
                int depth = 0;
                do
                {
                    if (s[i] == '\n')
                    {
                        line++;
                    }
                    if (s[i] == '(' && i + 1 < s.Length && s[i + 1] == ';')
                    {
                        depth++;
                        i += 2;
                    }
                    else if (s[i] == ';' && i + 1 < s.Length && s[i + 1] == ')')
                    {
                        depth--;
                        i += 2;
                    }
                    else
                    {
                        i++;
                    }
                }
                while (depth > 0 && i < s.Length);
            }
            else if (c is '(' or ')')
            {
                tokens.Add(new Token(c, line, null, null));
                i++;
            }
            else if (c == '"')
            {
                int start = line;
                tokens.Add(new Token('"', start, null, ReadString(s, ref i, ref line)));
            }
            else
            {
                int begin = i;
                while (i < s.Length && !char.IsWhiteSpace(s[i]) && s[i] is not ('(' or ')' or '"'))
                {
                    i++;
                }
                tokens.Add(new Token('a', line, s[begin..i], null));
            }
        }
        return tokens;
    }

    private static byte[] ReadString(string s, ref int i, ref int line)
    {
        var bytes = new List<byte>();
        Span<byte> utf8 = stackalloc byte[4];
        i++;
        while (s[i] != '"')
        {
            char c = s[i];
            if (c == '\\')
            {
                char e = s[i + 1];
                switch (e)
                {
                    case 'n': bytes.Add((byte)'\n'); i += 2; break;
                    case 't': bytes.Add((byte)'\t'); i += 2; break;
                    case 'r': bytes.Add((byte)'\r'); i += 2; break;
                    case '\\': bytes.Add((byte)'\\'); i += 2; break;
                    case '\'': bytes.Add((byte)'\''); i += 2; break;
                    case '"': bytes.Add((byte)'"'); i += 2; break;
                    case 'u':
                    {
                        int close = s.IndexOf('}', i);
                        int cp = int.Parse(s.AsSpan(i + 3, close - i - 3), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                        int n = new Rune(cp).EncodeToUtf8(utf8);
                        bytes.AddRange(utf8[..n]);
                        i = close + 1;
                        break;
                    }
                    default:
                        bytes.Add(byte.Parse(s.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 3;
                        break;
                }
                continue;
            }
            if (c == '\n')
            {
                line++;
            }
            Rune.DecodeFromUtf16(s.AsSpan(i), out Rune rune, out int consumed);
            int written = rune.EncodeToUtf8(utf8);
            bytes.AddRange(utf8[..written]);
            i += consumed;
        }
        i++;
        return [.. bytes];
    }
}
