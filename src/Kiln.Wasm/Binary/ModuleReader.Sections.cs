using Kiln.Wasm.Model;

namespace Kiln.Wasm.Binary;

/// <summary>The readers of the non-custom sections (spec 5.5.4 to 5.5.15).</summary>
public static partial class ModuleReader
{
    private static void ReadTypeSection(ref WasmReader r, WasmModule module)
    {
        int count = ReadCount(ref r);
        module.Types.Capacity = Capacity(r, count, 3);
        for (int i = 0; i < count; i++)
        {
            int at = r.Offset;
            // Spec 5.3.6: a function type starts with 0x60.
            byte form = ReadTypeByte(ref r);
            if (form != 0x60)
            {
                throw r.MalformedAt("malformed function type", at);
            }
            ValType[] parameters = ReadValTypes(ref r);
            ValType[] results = ReadValTypes(ref r);
            module.Types.Add(parameters.Length == 0 && results.Length == 0 ? FuncType.Empty : new FuncType(parameters, results));
        }
    }

    private static ValType[] ReadValTypes(ref WasmReader r)
    {
        int count = ReadCount(ref r);
        if (count == 0)
        {
            return [];
        }
        var types = new ValType[count];
        for (int i = 0; i < types.Length; i++)
        {
            types[i] = ReadValType(ref r);
        }
        return types;
    }

    /// <summary>
    /// Type codes are one-byte signed LEB128 numbers (negative: 0x7F is -1), so a continuation bit
    /// makes the encoding too long rather than an unknown type.
    /// </summary>
    private static byte ReadTypeByte(ref WasmReader r)
    {
        byte b = r.ReadByte();
        if ((b & 0x80) != 0)
        {
            throw r.MalformedAt("integer representation too long", r.Offset - 1);
        }
        return b;
    }

    private static ValType ReadValType(ref WasmReader r)
    {
        byte b = ReadTypeByte(ref r);
        if (!ValTypeExtensions.IsValTypeCode(b))
        {
            throw r.MalformedAt("malformed value type", r.Offset - 1);
        }
        return (ValType)b;
    }

    private static ValType ReadRefType(ref WasmReader r)
    {
        byte b = ReadTypeByte(ref r);
        if (b is not ((byte)ValType.FuncRef or (byte)ValType.ExternRef))
        {
            throw r.MalformedAt("malformed reference type", r.Offset - 1);
        }
        return (ValType)b;
    }

    private static void ReadImportSection(ref WasmReader r, WasmModule module)
    {
        int count = ReadCount(ref r);
        module.Imports.Capacity = Capacity(r, count, 4);
        for (int i = 0; i < count; i++)
        {
            string moduleName = ReadName(ref r);
            string name = ReadName(ref r);
            int at = r.Offset;
            byte kind = r.ReadByte();
            module.Imports.Add(kind switch
            {
                0 => new Import(moduleName, name, ExternKind.Function) { FunctionTypeIndex = r.ReadU32() },
                1 => new Import(moduleName, name, ExternKind.Table) { Table = ReadTableType(ref r) },
                2 => new Import(moduleName, name, ExternKind.Memory) { Memory = new MemoryType(ReadLimits(ref r)) },
                3 => new Import(moduleName, name, ExternKind.Global) { Global = ReadGlobalType(ref r) },
                _ => throw r.MalformedAt("malformed import kind", at),
            });
        }
    }

    private static void ReadFunctionSection(ref WasmReader r, State state)
    {
        int count = ReadCount(ref r);
        List<uint> indices = state.Module.FunctionTypeIndices;
        indices.Capacity = Capacity(r, count, 1);
        for (int i = 0; i < count; i++)
        {
            indices.Add(r.ReadU32());
        }
    }

    private static void ReadTableSection(ref WasmReader r, WasmModule module)
    {
        int count = ReadCount(ref r);
        for (int i = 0; i < count; i++)
        {
            module.Tables.Add(ReadTableType(ref r));
        }
    }

    private static void ReadMemorySection(ref WasmReader r, WasmModule module)
    {
        int count = ReadCount(ref r);
        for (int i = 0; i < count; i++)
        {
            module.Memories.Add(new MemoryType(ReadLimits(ref r)));
        }
    }

    private static TableType ReadTableType(ref WasmReader r)
    {
        ValType elementType = ReadRefType(ref r);
        return new TableType(elementType, ReadLimits(ref r));
    }

    /// <summary>Spec 5.3.7: flag 0 (min) or 1 (min, max); the flag is a one-byte integer.</summary>
    private static Limits ReadLimits(ref WasmReader r)
    {
        int at = r.Offset;
        byte flags = r.ReadByte();
        if ((flags & 0x80) != 0)
        {
            throw r.MalformedAt("integer representation too long", at);
        }
        if (flags > 1)
        {
            throw r.MalformedAt("integer too large", at);
        }
        uint min = r.ReadU32();
        return flags == 1 ? new Limits(min, r.ReadU32()) : new Limits(min, null);
    }

    private static GlobalType ReadGlobalType(ref WasmReader r)
    {
        ValType type = ReadValType(ref r);
        byte mutability = r.ReadByte();
        if (mutability > 1)
        {
            throw r.MalformedAt("malformed mutability", r.Offset - 1);
        }
        return new GlobalType(type, mutability == 1);
    }

    private static void ReadGlobalSection(ref WasmReader r, State state)
    {
        int count = ReadCount(ref r);
        List<Global> globals = state.Module.Globals;
        globals.Capacity = Capacity(r, count, 4);
        for (int i = 0; i < count; i++)
        {
            GlobalType type = ReadGlobalType(ref r);
            globals.Add(new Global(type, ReadConstExpr(ref r, state)));
        }
    }

    private static void ReadExportSection(ref WasmReader r, WasmModule module)
    {
        int count = ReadCount(ref r);
        module.Exports.Capacity = Capacity(r, count, 3);
        for (int i = 0; i < count; i++)
        {
            string name = ReadName(ref r);
            int at = r.Offset;
            byte kind = r.ReadByte();
            if (kind > (byte)ExternKind.Global)
            {
                throw r.MalformedAt("malformed export kind", at);
            }
            module.Exports.Add(new Export(name, (ExternKind)kind, r.ReadU32()));
        }
    }

    /// <summary>Spec 5.5.12: the eight encodings of an element segment, chosen by a flags field.</summary>
    private static void ReadElementSection(ref WasmReader r, State state)
    {
        int count = ReadCount(ref r);
        List<ElementSegment> elements = state.Module.Elements;
        elements.Capacity = Capacity(r, count, 3);
        for (int i = 0; i < count; i++)
        {
            int at = r.Offset;
            uint flags = r.ReadU32();
            if (flags > 7)
            {
                throw r.MalformedAt("malformed elements segment kind", at);
            }
            // Bit 0: passive or declarative; bit 1: explicit table index (active) or declarative
            // (otherwise); bit 2: items are expressions rather than function indices.
            bool passiveOrDeclarative = (flags & 1) != 0;
            bool explicitTableOrDeclarative = (flags & 2) != 0;
            bool expressions = (flags & 4) != 0;
            SegmentMode mode = !passiveOrDeclarative ? SegmentMode.Active
                : explicitTableOrDeclarative ? SegmentMode.Declarative : SegmentMode.Passive;
            uint table = 0;
            ConstExpr? offset = null;
            if (mode == SegmentMode.Active)
            {
                if (explicitTableOrDeclarative)
                {
                    table = r.ReadU32();
                }
                offset = ReadConstExpr(ref r, state);
            }
            ValType elementType = ValType.FuncRef;
            if (passiveOrDeclarative || explicitTableOrDeclarative)
            {
                if (expressions)
                {
                    elementType = ReadRefType(ref r);
                }
                else
                {
                    ReadElementKind(ref r);
                }
            }
            int itemCount = ReadCount(ref r);
            var items = new ConstExpr[itemCount];
            for (int k = 0; k < items.Length; k++)
            {
                if (expressions)
                {
                    items[k] = ReadConstExpr(ref r, state);
                }
                else
                {
                    int itemAt = r.Offset;
                    items[k] = ConstExpr.RefFunc(r.ReadU32(), itemAt);
                }
            }
            elements.Add(new ElementSegment
            {
                Mode = mode,
                ElementType = elementType,
                TableIndex = table,
                Offset = offset,
                Items = items,
                UsesFunctionIndices = !expressions,
            });
        }
    }

    /// <summary>Spec 5.5.12: elemkind 0x00 is funcref, the only kind in 2.0.</summary>
    private static void ReadElementKind(ref WasmReader r)
    {
        if (r.ReadByte() != 0)
        {
            throw r.MalformedAt("malformed element kind", r.Offset - 1);
        }
    }

    private static void ReadCodeSection(ref WasmReader r, State state)
    {
        state.CodeSectionOffset = r.Offset;
        int count = ReadCount(ref r);
        WasmModule module = state.Module;
        module.Bodies.Capacity = Capacity(r, count, 2);
        uint firstIndex = (uint)module.ImportedFunctionCount;
        for (int i = 0; i < count; i++)
        {
            int size = ReadLength(ref r);
            int start = r.Position;
            module.Bodies.Add(ReadBody(r.Data.Slice(start, size), start, firstIndex + (uint)i, state.Bytes));
            r.Position = start + size;
        }
    }

    /// <summary>Spec 5.5.13: locals as (count, type) runs, then the expression, kept encoded.</summary>
    private static FunctionBody ReadBody(ReadOnlySpan<byte> body, int offset, uint functionIndex, ReadOnlyMemory<byte> bytes)
    {
        var r = new WasmReader(body, offset, functionIndex);
        int groupCount = ReadCount(ref r);
        LocalGroup[] locals = groupCount == 0 ? [] : new LocalGroup[groupCount];
        long total = 0;
        int localsAt = r.Offset;
        for (int i = 0; i < locals.Length; i++)
        {
            uint n = r.ReadU32();
            total += n;
            if (total > MaxLocals)
            {
                throw r.MalformedAt("too many locals", localsAt);
            }
            locals[i] = new LocalGroup(n, ReadValType(ref r));
        }
        // The final instruction is always `end`, so a body whose last byte is not 0x0B is cut short
        // or its size is wrong. Nesting is checked when the validator decodes the instructions.
        if (r.AtEnd || body[^1] != (byte)Opcode.End)
        {
            throw DiagnoseUnterminatedBody(bytes.Span, r.Offset, offset + body.Length, functionIndex);
        }
        return new FunctionBody(locals, bytes.Slice(r.Offset, r.Remaining), r.Offset);
    }

    /// <summary>
    /// Error path only: finds the fault of a body that does not end with <c>end</c> the way the
    /// reference interpreter does, by decoding on past the declared size to the final <c>end</c>,
    /// so the message names the real fault (a bad immediate, a stray <c>else</c>, a wrong size).
    /// </summary>
    private static MalformedModuleException DiagnoseUnterminatedBody(ReadOnlySpan<byte> module, int codeOffset, int bodyEnd, uint functionIndex)
    {
        var instructions = new InstructionReader(module[codeOffset..], codeOffset, functionIndex);
        int depth = 0;
        while (true)
        {
            int at = instructions.Offset;
            Instruction ins = instructions.Read();
            switch (ins.Opcode)
            {
                case Opcode.Block or Opcode.Loop or Opcode.If:
                    depth++;
                    break;
                case Opcode.Else when depth == 0:
                    return new MalformedModuleException("END opcode expected", at, functionIndex);
                case Opcode.End when depth == 0:
                    return new MalformedModuleException("section size mismatch", bodyEnd, functionIndex);
                case Opcode.End:
                    depth--;
                    break;
            }
        }
    }

    /// <summary>Spec 5.5.14: data segments in three encodings.</summary>
    private static void ReadDataSection(ref WasmReader r, State state)
    {
        state.DataSectionOffset = r.Offset;
        int count = ReadCount(ref r);
        List<DataSegment> data = state.Module.Data;
        data.Capacity = Capacity(r, count, 2);
        for (int i = 0; i < count; i++)
        {
            int at = r.Offset;
            uint flags = r.ReadU32();
            DataSegment segment = flags switch
            {
                0 => new DataSegment { Mode = SegmentMode.Active, Offset = ReadConstExpr(ref r, state), Bytes = ReadData(ref r, state) },
                1 => new DataSegment { Mode = SegmentMode.Passive, Bytes = ReadData(ref r, state) },
                2 => new DataSegment
                {
                    Mode = SegmentMode.Active,
                    MemoryIndex = r.ReadU32(),
                    Offset = ReadConstExpr(ref r, state),
                    Bytes = ReadData(ref r, state),
                },
                _ => throw r.MalformedAt("malformed data segment kind", at),
            };
            data.Add(segment);
        }
    }

    private static ReadOnlyMemory<byte> ReadData(ref WasmReader r, State state)
    {
        // Like a vector count: bytes missing here mean the section ended early.
        int length = ReadCount(ref r);
        int start = r.Position;
        r.Position += length;
        return state.Bytes.Slice(start, length);
    }

    /// <summary>
    /// Finds the end of a constant expression by decoding it; it is kept encoded. Typing and the
    /// "constant" rule are the validator's; here only the encoding and the nesting are checked.
    /// </summary>
    private static ConstExpr ReadConstExpr(ref WasmReader r, State state)
    {
        int start = r.Position;
        var instructions = new InstructionReader(r.Data[start..], start);
        int depth = 0;
        while (true)
        {
            Instruction ins = instructions.Read();
            switch (ins.Opcode)
            {
                case Opcode.Block or Opcode.Loop or Opcode.If:
                    depth++;
                    break;
                case Opcode.End when depth == 0:
                    r.Position = start + instructions.Position;
                    return new ConstExpr(state.Bytes.Slice(start, instructions.Position), start);
                case Opcode.End:
                    depth--;
                    break;
            }
        }
    }
}
