namespace Kiln.Wasm.Text;

/// <summary>
/// One index space of a text module (types, funcs, tables, memories, globals, elems, datas, or a
/// function's locals): counts entries and maps <c>$id</c>s to indices (spec 6.6.4, the identifier
/// context). A reference is a u32 literal, taken as is, or a declared id.
/// </summary>
internal sealed class IndexSpace
{
    private readonly Dictionary<string, uint> _ids = new(StringComparer.Ordinal);
    private readonly string _kind;

    public IndexSpace(string kind)
    {
        _kind = kind;
    }

    public uint Count { get; private set; }

    /// <summary>Adds the next index, named <paramref name="id"/> if given; <paramref name="idToken"/> locates a duplicate.</summary>
    public uint Define(string? id, TokenList tokens, int idToken)
    {
        uint index = Count++;
        if (id is not null && !_ids.TryAdd(id, index))
        {
            throw tokens.Error(idToken, "duplicate " + _kind);
        }
        return index;
    }

    public bool TryGet(string id, out uint index) => _ids.TryGetValue(id, out index);

    public bool IsReference(TokenCursor cursor) => cursor.Kind is TokenKind.Nat or TokenKind.Id;

    /// <summary>Parses an index or an id of this space at the cursor.</summary>
    public uint Resolve(TokenCursor cursor)
    {
        if (cursor.Kind == TokenKind.Id)
        {
            if (!_ids.TryGetValue(cursor.Tokens.Text(cursor.Position), out uint index))
            {
                throw cursor.Error("unknown " + _kind);
            }
            cursor.Advance();
            return index;
        }
        return cursor.ExpectU32();
    }
}
