using Kiln.Wasm.Model;

namespace Kiln.Wasm.Text;

/// <summary>Value types, function types, type uses, limits and table/global types (spec 6.4, 6.6.3).</summary>
internal sealed partial class ModuleParser
{
    private ValType ParseValType()
    {
        ValType? type = _c.Kind == TokenKind.Keyword ? ValTypeOf(_c.Tokens.Bytes(_c.Position)) : null;
        if (type is null)
        {
            throw _c.NotALiteral();
        }
        _c.Advance();
        return type.Value;
    }

    private static ValType? ValTypeOf(ReadOnlySpan<byte> keyword) => keyword switch
    {
        _ when keyword.SequenceEqual("i32"u8) => ValType.I32,
        _ when keyword.SequenceEqual("i64"u8) => ValType.I64,
        _ when keyword.SequenceEqual("f32"u8) => ValType.F32,
        _ when keyword.SequenceEqual("f64"u8) => ValType.F64,
        _ when keyword.SequenceEqual("v128"u8) => ValType.V128,
        _ when keyword.SequenceEqual("funcref"u8) => ValType.FuncRef,
        _ when keyword.SequenceEqual("externref"u8) => ValType.ExternRef,
        _ => null,
    };

    private ValType ParseRefType()
    {
        if (_c.TryKeyword("funcref"u8))
        {
            return ValType.FuncRef;
        }
        if (_c.TryKeyword("externref"u8))
        {
            return ValType.ExternRef;
        }
        throw _c.Kind == TokenKind.Keyword ? _c.Error("malformed reference type") : _c.Unexpected();
    }

    /// <summary>
    /// Parses <c>(param ...)*</c>. With <paramref name="names"/> non-null, a named param records its id
    /// and every param records an entry, so local indices line up.
    /// </summary>
    private void ParseParams(List<ValType> types, List<string?>? names, bool allowNames)
    {
        while (_c.TryOpen("param"u8))
        {
            if (_c.Kind == TokenKind.Id)
            {
                if (!allowNames)
                {
                    throw _c.Unexpected();
                }
                string id = _c.TryId()!;
                names?.Add(id);
                types.Add(ParseValType());
            }
            else
            {
                while (_c.Kind != TokenKind.RParen)
                {
                    types.Add(ParseValType());
                    names?.Add(null);
                }
            }
            _c.ExpectRParen();
        }
    }

    /// <summary>Spec 6.6.3: the order is fixed, type then params then results; a later one is misplaced.</summary>
    private void CheckSignatureEnd()
    {
        if (_c.IsOpen("param"u8) || _c.IsOpen("type"u8))
        {
            throw _c.Error("unexpected token");
        }
    }

    private void ParseResults(List<ValType> types)
    {
        while (_c.TryOpen("result"u8))
        {
            while (_c.Kind != TokenKind.RParen)
            {
                types.Add(ParseValType());
            }
            _c.ExpectRParen();
        }
    }

    /// <summary>
    /// Parses a type use (spec 6.6.3): <c>(type x)? (param ...)* (result ...)*</c>. With an explicit
    /// index, inline params and results must repeat that type exactly; without one, the first
    /// structurally equal type is used, or a new type is appended to the type section.
    /// </summary>
    private uint ParseTypeUse(out List<string?> paramNames, bool allowNames)
    {
        uint? explicitIndex = null;
        int typeToken = _c.Position;
        if (_c.TryOpen("type"u8))
        {
            explicitIndex = _types.Resolve(_c);
            _c.ExpectRParen();
        }
        var parameters = new List<ValType>();
        var results = new List<ValType>();
        paramNames = [];
        ParseParams(parameters, paramNames, allowNames);
        ParseResults(results);
        CheckSignatureEnd();
        if (explicitIndex is { } index)
        {
            if (index < _module.Types.Count)
            {
                FuncType declared = _module.Types[(int)index];
                if (parameters.Count + results.Count > 0 &&
                    !declared.Equals(new FuncType([.. parameters], [.. results])))
                {
                    throw _c.Tokens.Error(typeToken, "inline function type");
                }
                if (parameters.Count == 0)
                {
                    // The params come from the referenced type: they exist as locals, unnamed.
                    foreach (ValType _ in declared.Params)
                    {
                        paramNames.Add(null);
                    }
                }
            }
            else if (parameters.Count + results.Count > 0)
            {
                // Inline params and results cannot be checked against a missing type (func.wast).
                throw _c.Tokens.Error(typeToken, "unknown type");
            }
            // A bare index past the type section is left for validation to report ("unknown type").
            return index;
        }
        return InternType(new FuncType([.. parameters], [.. results]));
    }

    /// <summary>The index of the first type equal to <paramref name="type"/>, appending it when there is none.</summary>
    private uint InternType(FuncType type)
    {
        if (_typeLookup.TryGetValue(type, out uint existing))
        {
            return existing;
        }
        uint index = (uint)_module.Types.Count;
        _module.Types.Add(type);
        _typeLookup.Add(type, index);
        return index;
    }

    private Limits ParseLimits()
    {
        uint min = _c.ExpectU32();
        uint? max = _c.Kind == TokenKind.Nat ? _c.ExpectU32() : null;
        return new Limits(min, max);
    }

    private TableType ParseTableType()
    {
        Limits limits = ParseLimits();
        return new TableType(ParseRefType(), limits);
    }

    private GlobalType ParseGlobalType()
    {
        if (_c.TryOpen("mut"u8))
        {
            ValType type = ParseValType();
            _c.ExpectRParen();
            return new GlobalType(type, Mutable: true);
        }
        return new GlobalType(ParseValType(), Mutable: false);
    }
}
