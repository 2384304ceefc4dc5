using Kiln.Wasm.Model;

namespace Kiln.Wasm.Text;

/// <summary>
/// Converts the fields of one text module (spec 6.6) into a <see cref="WasmModule"/>, the same model
/// the binary reader produces. Two passes over the fields: the first defines every index space and
/// its ids (so fields may refer forward) and the explicit types; the second builds the model in
/// source order, which appends implicit types from type uses in order of appearance as spec 6.6.3
/// requires, and encodes function bodies and constant expressions to binary instruction bytes.
/// </summary>
internal sealed partial class ModuleParser
{
    private readonly TokenCursor _c;
    private readonly int _firstField;
    private readonly int _end;
    private readonly WasmModule _module = new();
    private readonly IndexSpace _types = new("type");
    private readonly IndexSpace _funcs = new("func");
    private readonly IndexSpace _tables = new("table");
    private readonly IndexSpace _memories = new("memory");
    private readonly IndexSpace _globals = new("global");
    private readonly IndexSpace _elems = new("elem");
    private readonly IndexSpace _datas = new("data");
    /// <summary>First index of each distinct function type, so type uses are interned in constant time.</summary>
    private readonly Dictionary<FuncType, uint> _typeLookup = [];
    private uint _nextFunc;
    private uint _nextTable;
    private uint _nextMemory;
    private uint _nextGlobal;
    private bool _usesDataIndex;
    /// <summary>Where pass 1 stopped: the end, or a token that cannot start a field (<see cref="_structureError"/>).</summary>
    private int _declaredEnd;
    private MalformedModuleException? _structureError;

    private ModuleParser(TokenList tokens, int firstField, int end)
    {
        _c = new TokenCursor(tokens, firstField);
        _firstField = firstField;
        _end = end;
    }

    /// <summary>
    /// Parses the module fields in tokens [<paramref name="firstField"/>, <paramref name="end"/>);
    /// <paramref name="moduleId"/> (the <c>(module $id</c>) becomes the name section's module name.
    /// </summary>
    public static WasmModule Parse(TokenList tokens, int firstField, int end, string? moduleId)
    {
        var parser = new ModuleParser(tokens, firstField, end);
        parser.DeclareFields();
        parser.BuildFields();
        if (moduleId is not null)
        {
            parser._module.Names.ModuleName = moduleId[1..];
        }
        return parser._module;
    }

    // ---- Pass 1: index spaces, ids, explicit types, import ordering ----

    private void DeclareFields()
    {
        string? firstDefinition = null;
        _declaredEnd = _end;
        _c.Position = _firstField;
        while (_c.Position < _end)
        {
            int open = _c.Position;
            ReadOnlySpan<byte> field = _c.OpenKeyword();
            if (field.IsEmpty || _c.Current.Partner < 0)
            {
                if (_c.Kind == TokenKind.LParen && _c.PeekKind(1) != TokenKind.Eof)
                {
                    _c.Advance();
                }
                // Reported after the fields before it are built, so errors come in source order.
                _structureError = _c.Unexpected();
                _declaredEnd = open;
                return;
            }
            int close = _c.Current.Partner;
            _c.Position += 2;
            if (field.SequenceEqual("type"u8))
            {
                DeclareType();
            }
            else if (field.SequenceEqual("import"u8))
            {
                CheckImportOrder(firstDefinition, open + 1);
                _c.ExpectString();
                _c.ExpectString();
                _c.ExpectLParen();
                ReadOnlySpan<byte> kind = _c.Kind == TokenKind.Keyword ? _c.Tokens.Bytes(_c.Position) : default;
                IndexSpace? space = kind.SequenceEqual("elem"u8) || kind.SequenceEqual("data"u8) ? null : SpaceOf(kind);
                if (space is null)
                {
                    throw _c.Unexpected();
                }
                _c.Advance();
                DefineAt(space);
            }
            else if (SpaceOf(field) is { } space && !field.SequenceEqual("elem"u8) && !field.SequenceEqual("data"u8))
            {
                DefineAt(space);
                while (_c.IsOpen("export"u8))
                {
                    _c.SkipSExpression();
                }
                if (_c.IsOpen("import"u8))
                {
                    CheckImportOrder(firstDefinition, _c.Position + 1);
                }
                else
                {
                    firstDefinition ??= DefinitionName(field);
                    if (field.SequenceEqual("table"u8) && _c.Kind == TokenKind.Keyword && _c.PeekKind(1) == TokenKind.LParen &&
                        _c.Tokens.Is(_c.Position + 2, TokenKind.Keyword, "elem"u8))
                    {
                        _elems.Define(null, _c.Tokens, _c.Position);
                    }
                    else if (field.SequenceEqual("memory"u8) && _c.IsOpen("data"u8))
                    {
                        _datas.Define(null, _c.Tokens, _c.Position);
                    }
                }
            }
            else if (field.SequenceEqual("elem"u8) || field.SequenceEqual("data"u8))
            {
                DefineAt(field.SequenceEqual("elem"u8) ? _elems : _datas);
            }
            else if (!field.SequenceEqual("export"u8) && !field.SequenceEqual("start"u8))
            {
                throw _c.Tokens.Error(open + 1, "unknown operator");
            }
            _c.Position = close + 1;
        }
    }

    private static string DefinitionName(ReadOnlySpan<byte> field) => field.SequenceEqual("func"u8) ? "function" : System.Text.Encoding.ASCII.GetString(field);

    private void CheckImportOrder(string? firstDefinition, int importToken)
    {
        // Spec 6.6.13: imports must precede all function, table, memory and global definitions.
        if (firstDefinition is not null)
        {
            throw _c.Tokens.Error(importToken, "import after " + firstDefinition);
        }
    }

    private void DefineAt(IndexSpace space)
    {
        int at = _c.Position;
        space.Define(_c.TryId(), _c.Tokens, at);
    }

    private IndexSpace? SpaceOf(ReadOnlySpan<byte> keyword) => keyword switch
    {
        _ when keyword.SequenceEqual("func"u8) => _funcs,
        _ when keyword.SequenceEqual("table"u8) => _tables,
        _ when keyword.SequenceEqual("memory"u8) => _memories,
        _ when keyword.SequenceEqual("global"u8) => _globals,
        _ when keyword.SequenceEqual("elem"u8) => _elems,
        _ when keyword.SequenceEqual("data"u8) => _datas,
        _ => null,
    };

    private void DeclareType()
    {
        DefineAt(_types);
        if (!_c.TryOpen("func"u8))
        {
            throw _c.Unexpected();
        }
        var parameters = new List<ValType>();
        var results = new List<ValType>();
        ParseParams(parameters, null, allowNames: true);
        ParseResults(results);
        CheckSignatureEnd();
        _c.ExpectRParen();
        _c.ExpectRParen();
        var type = new FuncType([.. parameters], [.. results]);
        _typeLookup.TryAdd(type, (uint)_module.Types.Count);
        _module.Types.Add(type);
    }

    // ---- Pass 2: the model, in source order ----

    private void BuildFields()
    {
        _c.Position = _firstField;
        while (_c.Position < _declaredEnd)
        {
            int close = _c.Current.Partner;
            ReadOnlySpan<byte> field = _c.OpenKeyword();
            _c.Position += 2;
            if (field.SequenceEqual("type"u8))
            {
                // Explicit types were added in pass 1.
                _c.Position = close + 1;
            }
            else if (field.SequenceEqual("import"u8))
            {
                BuildImport();
            }
            else if (field.SequenceEqual("func"u8))
            {
                BuildFunc();
            }
            else if (field.SequenceEqual("table"u8))
            {
                BuildTable();
            }
            else if (field.SequenceEqual("memory"u8))
            {
                BuildMemory();
            }
            else if (field.SequenceEqual("global"u8))
            {
                BuildGlobal();
            }
            else if (field.SequenceEqual("export"u8))
            {
                BuildExport();
            }
            else if (field.SequenceEqual("start"u8))
            {
                if (_module.StartFunction is not null)
                {
                    throw _c.Tokens.Error(_c.Position - 1, "multiple start sections");
                }
                _module.StartFunction = _funcs.Resolve(_c);
                _c.ExpectRParen();
            }
            else if (field.SequenceEqual("elem"u8))
            {
                BuildElem();
            }
            else
            {
                BuildData();
            }
            if (_c.Position != close + 1)
            {
                throw _c.Unexpected();
            }
        }
        if (_structureError is not null)
        {
            throw _structureError;
        }
        if (_usesDataIndex)
        {
            // Spec 5.5.16: the data count section is needed (only) when memory.init or data.drop index data segments.
            _module.DataCount = (uint)_module.Data.Count;
        }
    }

    private void BuildImport()
    {
        string moduleName = _c.ExpectName();
        string name = _c.ExpectName();
        _c.ExpectLParen();
        int kindToken = _c.Advance();
        TokenList t = _c.Tokens;
        string? id = _c.TryId();
        Import import;
        if (t.Is(kindToken, TokenKind.Keyword, "func"u8))
        {
            uint funcIndex = _nextFunc++;
            uint type = ParseTypeUse(out _, allowNames: true);
            NameFunction(funcIndex, id);
            import = new Import(moduleName, name, ExternKind.Function) { FunctionTypeIndex = type };
        }
        else if (t.Is(kindToken, TokenKind.Keyword, "table"u8))
        {
            _nextTable++;
            import = new Import(moduleName, name, ExternKind.Table) { Table = ParseTableType() };
        }
        else if (t.Is(kindToken, TokenKind.Keyword, "memory"u8))
        {
            _nextMemory++;
            import = new Import(moduleName, name, ExternKind.Memory) { Memory = new MemoryType(ParseLimits()) };
        }
        else
        {
            _nextGlobal++;
            import = new Import(moduleName, name, ExternKind.Global) { Global = ParseGlobalType() };
        }
        _c.ExpectRParen();
        _c.ExpectRParen();
        _module.Imports.Add(import);
    }

    /// <summary>Parses <c>(export "name")*</c> of an inline export and records them for <paramref name="index"/>.</summary>
    private void ParseInlineExports(ExternKind kind, uint index)
    {
        while (_c.TryOpen("export"u8))
        {
            _module.Exports.Add(new Export(_c.ExpectName(), kind, index));
            _c.ExpectRParen();
        }
    }

    /// <summary>Parses an inline <c>(import "m" "n")</c>; null when absent.</summary>
    private (string Module, string Name)? ParseInlineImport()
    {
        if (!_c.TryOpen("import"u8))
        {
            return null;
        }
        string module = _c.ExpectName();
        string name = _c.ExpectName();
        _c.ExpectRParen();
        return (module, name);
    }

    private void BuildFunc()
    {
        uint index = _nextFunc++;
        string? id = _c.TryId();
        NameFunction(index, id);
        ParseInlineExports(ExternKind.Function, index);
        if (ParseInlineImport() is { } import)
        {
            uint importType = ParseTypeUse(out _, allowNames: true);
            _module.Imports.Add(new Import(import.Module, import.Name, ExternKind.Function) { FunctionTypeIndex = importType });
            _c.ExpectRParen();
            return;
        }
        uint type = ParseTypeUse(out List<string?> paramNames, allowNames: true);
        _module.FunctionTypeIndices.Add(type);
        _module.Bodies.Add(ParseFunctionBody(paramNames));
        _c.ExpectRParen();
    }

    private void NameFunction(uint index, string? id)
    {
        if (id is not null)
        {
            _module.Names.FunctionNames[index] = id[1..];
        }
    }

    private void BuildTable()
    {
        uint index = _nextTable++;
        _c.TryId();
        ParseInlineExports(ExternKind.Table, index);
        if (ParseInlineImport() is { } import)
        {
            _module.Imports.Add(new Import(import.Module, import.Name, ExternKind.Table) { Table = ParseTableType() });
            _c.ExpectRParen();
            return;
        }
        if (_c.Kind == TokenKind.Keyword)
        {
            // Spec 6.6.6 abbreviation: (table reftype (elem ...)) sizes the table to its inline segment.
            ValType elementType = ParseRefType();
            if (!_c.TryOpen("elem"u8))
            {
                throw _c.Unexpected();
            }
            List<ConstExpr> items = ParseInlineElemItems(out bool usesIndices);
            _c.ExpectRParen();
            uint n = (uint)items.Count;
            _module.Tables.Add(new TableType(elementType, new Limits(n, n)));
            _module.Elements.Add(new ElementSegment
            {
                Mode = SegmentMode.Active,
                ElementType = elementType,
                TableIndex = index,
                Offset = ZeroOffset(),
                Items = items,
                UsesFunctionIndices = usesIndices,
            });
        }
        else
        {
            _module.Tables.Add(ParseTableType());
        }
        _c.ExpectRParen();
    }

    private void BuildMemory()
    {
        uint index = _nextMemory++;
        _c.TryId();
        ParseInlineExports(ExternKind.Memory, index);
        if (ParseInlineImport() is { } import)
        {
            _module.Imports.Add(new Import(import.Module, import.Name, ExternKind.Memory) { Memory = new MemoryType(ParseLimits()) });
            _c.ExpectRParen();
            return;
        }
        if (_c.TryOpen("data"u8))
        {
            // Spec 6.6.7 abbreviation: (memory (data ...)) sizes the memory to its inline segment, in whole pages.
            byte[] bytes = ParseDataStrings();
            _c.ExpectRParen();
            uint pages = (uint)(((long)bytes.Length + MemoryType.PageSize - 1) / MemoryType.PageSize);
            _module.Memories.Add(new MemoryType(new Limits(pages, pages)));
            _module.Data.Add(new DataSegment { Mode = SegmentMode.Active, MemoryIndex = index, Offset = ZeroOffset(), Bytes = bytes });
        }
        else
        {
            _module.Memories.Add(new MemoryType(ParseLimits()));
        }
        _c.ExpectRParen();
    }

    private void BuildGlobal()
    {
        uint index = _nextGlobal++;
        _c.TryId();
        ParseInlineExports(ExternKind.Global, index);
        if (ParseInlineImport() is { } import)
        {
            _module.Imports.Add(new Import(import.Module, import.Name, ExternKind.Global) { Global = ParseGlobalType() });
            _c.ExpectRParen();
            return;
        }
        GlobalType type = ParseGlobalType();
        _module.Globals.Add(new Global(type, ParseConstExpr()));
        _c.ExpectRParen();
    }

    private void BuildExport()
    {
        string name = _c.ExpectName();
        _c.ExpectLParen();
        ExternKind kind;
        IndexSpace space;
        if (_c.TryKeyword("func"u8))
        {
            (kind, space) = (ExternKind.Function, _funcs);
        }
        else if (_c.TryKeyword("table"u8))
        {
            (kind, space) = (ExternKind.Table, _tables);
        }
        else if (_c.TryKeyword("memory"u8))
        {
            (kind, space) = (ExternKind.Memory, _memories);
        }
        else if (_c.TryKeyword("global"u8))
        {
            (kind, space) = (ExternKind.Global, _globals);
        }
        else
        {
            throw _c.Unexpected();
        }
        _module.Exports.Add(new Export(name, kind, space.Resolve(_c)));
        _c.ExpectRParen();
        _c.ExpectRParen();
    }
}
