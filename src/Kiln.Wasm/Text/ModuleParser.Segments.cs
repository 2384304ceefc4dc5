using Kiln.Wasm.Model;

namespace Kiln.Wasm.Text;

/// <summary>Element and data segments (spec 6.6.9, 6.6.10) with their abbreviations.</summary>
internal sealed partial class ModuleParser
{
    /// <summary>
    /// <c>(elem $id? declare? (table x)? offset? elemlist)</c>. An offset (an <c>(offset ...)</c> or a single
    /// folded instruction) makes the segment active; the element list is <c>func x*</c>, <c>reftype item*</c>,
    /// or, after an offset, bare function indices (the MVP form).
    /// </summary>
    private void BuildElem()
    {
        _c.TryId();
        SegmentMode mode = SegmentMode.Passive;
        uint table = 0;
        ConstExpr? offset = null;
        if (_c.TryKeyword("declare"u8))
        {
            mode = SegmentMode.Declarative;
        }
        else
        {
            bool explicitTable = false;
            if (_c.TryOpen("table"u8))
            {
                table = _tables.Resolve(_c);
                _c.ExpectRParen();
                explicitTable = true;
            }
            if (_c.Kind == TokenKind.LParen)
            {
                mode = SegmentMode.Active;
                offset = ParseOffset();
            }
            else if (explicitTable)
            {
                throw _c.Unexpected();
            }
        }
        ValType elementType = ValType.FuncRef;
        List<ConstExpr> items;
        bool usesIndices;
        if (_c.TryKeyword("func"u8))
        {
            items = ParseFunctionIndexItems();
            usesIndices = true;
        }
        else if (_c.Kind == TokenKind.Keyword)
        {
            elementType = ParseRefType();
            items = ParseElemExprs();
            usesIndices = elementType == ValType.FuncRef && items.TrueForAll(IsPlainRefFunc);
        }
        else if (mode == SegmentMode.Active)
        {
            items = ParseFunctionIndexItems();
            usesIndices = true;
        }
        else
        {
            throw _c.Unexpected();
        }
        _c.ExpectRParen();
        _module.Elements.Add(new ElementSegment
        {
            Mode = mode,
            ElementType = elementType,
            TableIndex = table,
            Offset = offset,
            Items = items,
            UsesFunctionIndices = usesIndices,
        });
    }

    /// <summary>The items of a table's inline <c>(elem ...)</c>: element expressions, or function indices.</summary>
    private List<ConstExpr> ParseInlineElemItems(out bool usesIndices)
    {
        if (_c.Kind != TokenKind.LParen)
        {
            usesIndices = true;
            return ParseFunctionIndexItems();
        }
        List<ConstExpr> items = ParseElemExprs();
        usesIndices = items.TrueForAll(IsPlainRefFunc);
        return items;
    }

    /// <summary>
    /// Whether an element expression is just <c>ref.func x</c>: such segments are encoded with the
    /// function-index forms, as other tools (wabt) do, so both produce the same binary and model.
    /// </summary>
    private static bool IsPlainRefFunc(ConstExpr item)
    {
        ReadOnlySpan<byte> code = item.Code.Span;
        if (code.Length < 3 || code[0] != (byte)Opcode.RefFunc || code[^1] != (byte)Opcode.End)
        {
            return false;
        }
        // The index LEB128 must span exactly the bytes between the opcode and end.
        for (int i = 1; i < code.Length - 1; i++)
        {
            if ((code[i] & 0x80) == 0)
            {
                return i == code.Length - 2;
            }
        }
        return false;
    }

    private List<ConstExpr> ParseFunctionIndexItems()
    {
        var items = new List<ConstExpr>();
        while (_c.Kind is TokenKind.Nat or TokenKind.Id)
        {
            items.Add(ConstExpr.RefFunc(_funcs.Resolve(_c), 0));
        }
        return items;
    }

    /// <summary><c>(item instr*)</c> or a single folded instruction, each an element's constant expression.</summary>
    private List<ConstExpr> ParseElemExprs()
    {
        var items = new List<ConstExpr>();
        while (_c.Kind == TokenKind.LParen)
        {
            if (_c.TryOpen("item"u8))
            {
                items.Add(ParseConstExpr());
                _c.ExpectRParen();
            }
            else
            {
                items.Add(ParseSingleFolded());
            }
        }
        return items;
    }

    /// <summary><c>(offset instr*)</c>, or the abbreviation of a single folded instruction.</summary>
    private ConstExpr ParseOffset()
    {
        if (_c.TryOpen("offset"u8))
        {
            ConstExpr expr = ParseConstExpr();
            _c.ExpectRParen();
            return expr;
        }
        return ParseSingleFolded();
    }

    private ConstExpr ParseSingleFolded()
    {
        _locals = null;
        _labels.Clear();
        var code = new List<byte>();
        ParseFolded(code);
        code.Add((byte)Opcode.End);
        return new ConstExpr(code.ToArray(), 0);
    }

    private static ConstExpr ZeroOffset() => new(new byte[] { (byte)Opcode.I32Const, 0x00, (byte)Opcode.End }, 0);

    /// <summary><c>(data $id? (memory x)? offset? string*)</c>: active with an offset, passive without.</summary>
    private void BuildData()
    {
        _c.TryId();
        uint memory = 0;
        bool explicitMemory = false;
        if (_c.TryOpen("memory"u8))
        {
            memory = _memories.Resolve(_c);
            _c.ExpectRParen();
            explicitMemory = true;
        }
        else if (_c.Kind is TokenKind.Nat or TokenKind.Id)
        {
            // The MVP abbreviation (data memidx offset string*).
            memory = _memories.Resolve(_c);
            explicitMemory = true;
        }
        ConstExpr? offset = null;
        if (_c.Kind == TokenKind.LParen)
        {
            offset = ParseOffset();
        }
        else if (explicitMemory)
        {
            throw _c.Unexpected();
        }
        byte[] bytes = ParseDataStrings();
        _c.ExpectRParen();
        _module.Data.Add(new DataSegment
        {
            Mode = offset is null ? SegmentMode.Passive : SegmentMode.Active,
            MemoryIndex = memory,
            Offset = offset,
            Bytes = bytes,
        });
    }

    private byte[] ParseDataStrings()
    {
        var bytes = new List<byte>();
        while (_c.Kind == TokenKind.String)
        {
            bytes.AddRange(_c.ExpectString());
        }
        return bytes.ToArray();
    }
}
