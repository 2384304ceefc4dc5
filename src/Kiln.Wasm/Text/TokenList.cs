using System.Text;

namespace Kiln.Wasm.Text;

/// <summary>
/// The tokens of one source text together with the bytes they point into. Parsers walk it by index;
/// values (strings, numbers) are decoded from the source only when a parser asks for them.
/// </summary>
internal sealed class TokenList
{
    private readonly Token[] _tokens;

    public TokenList(byte[] source, string? fileName, Token[] tokens, int count)
    {
        Source = source;
        FileName = fileName;
        _tokens = tokens;
        Count = count;
    }

    public byte[] Source { get; }

    public string? FileName { get; }

    /// <summary>Number of tokens, the final <see cref="TokenKind.Eof"/> included.</summary>
    public int Count { get; }

    public ref readonly Token this[int index] => ref _tokens[index];

    public ReadOnlySpan<byte> Bytes(int index) => Source.AsSpan(_tokens[index].Start, _tokens[index].Length);

    /// <summary>The token's source text; token characters outside strings are ASCII.</summary>
    public string Text(int index) => Encoding.UTF8.GetString(Bytes(index));

    public bool Is(int index, TokenKind kind, ReadOnlySpan<byte> text) =>
        _tokens[index].Kind == kind && Bytes(index).SequenceEqual(text);

    /// <summary>Decodes a string literal (spec 6.3.3) to the bytes it denotes.</summary>
    public byte[] DecodeString(int index)
    {
        ReadOnlySpan<byte> s = Bytes(index);
        s = s[1..^1];
        var result = new List<byte>(s.Length);
        int i = 0;
        while (i < s.Length)
        {
            byte c = s[i];
            if (c != '\\')
            {
                result.Add(c);
                i++;
                continue;
            }
            byte e = s[i + 1];
            switch (e)
            {
                case (byte)'t': result.Add((byte)'\t'); i += 2; break;
                case (byte)'n': result.Add((byte)'\n'); i += 2; break;
                case (byte)'r': result.Add((byte)'\r'); i += 2; break;
                case (byte)'"': result.Add((byte)'"'); i += 2; break;
                case (byte)'\'': result.Add((byte)'\''); i += 2; break;
                case (byte)'\\': result.Add((byte)'\\'); i += 2; break;
                case (byte)'u':
                    {
                        int close = s[(i + 3)..].IndexOf((byte)'}') + i + 3;
                        Hex.TryParseScalar(s[(i + 3)..close], out int scalar);
                        Span<byte> utf8 = stackalloc byte[4];
                        int n = new Rune(scalar).EncodeToUtf8(utf8);
                        for (int k = 0; k < n; k++)
                        {
                            result.Add(utf8[k]);
                        }
                        i = close + 1;
                        break;
                    }
                default:
                    // The lexer accepted only two hex digits here.
                    result.Add((byte)(Hex.Value(e) * 16 + Hex.Value(s[i + 2])));
                    i += 3;
                    break;
            }
        }
        return result.ToArray();
    }

    /// <summary>Decodes a string literal that names something (an export, an import, a script action); names must be valid UTF-8.</summary>
    public string DecodeName(int index)
    {
        byte[] bytes = DecodeString(index);
        if (!Utf8.IsValid(bytes))
        {
            throw Error(index, "malformed UTF-8 encoding");
        }
        return Encoding.UTF8.GetString(bytes);
    }

    public MalformedModuleException Error(int index, string reason)
    {
        ref readonly Token t = ref _tokens[index];
        return new MalformedModuleException(reason, FileName, t.Line, t.Column);
    }
}
