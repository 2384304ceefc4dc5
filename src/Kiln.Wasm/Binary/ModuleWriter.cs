using System.Text;
using Kiln.Wasm.Model;

namespace Kiln.Wasm.Binary;

/// <summary>
/// Encodes a <see cref="WasmModule"/> as a .wasm binary (spec 5.5): the inverse of the binary reader,
/// so a text module can be turned into bytes that any Wasm tool (or Kiln's reader) accepts. Sections
/// are written in the spec's order, empty ones omitted, every LEB128 minimal; function bodies and
/// constant expressions are already encoded in the model and are copied as they are.
/// </summary>
public static class ModuleWriter
{
    private static readonly byte[] s_header = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00];

    public static byte[] Write(WasmModule module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var output = new List<byte>(1024);
        output.AddRange(s_header);
        var section = new List<byte>();

        if (module.Types.Count > 0)
        {
            WriteVector(section, module.Types, (s, t) =>
            {
                s.Add(0x60);
                WriteValTypes(s, t.Params.AsSpan());
                WriteValTypes(s, t.Results.AsSpan());
            });
            Flush(output, 1, section);
        }
        if (module.Imports.Count > 0)
        {
            WriteVector(section, module.Imports, WriteImport);
            Flush(output, 2, section);
        }
        if (module.FunctionTypeIndices.Count > 0)
        {
            WriteVector(section, module.FunctionTypeIndices, (s, t) => Leb128.WriteUnsigned(s, t));
            Flush(output, 3, section);
        }
        if (module.Tables.Count > 0)
        {
            WriteVector(section, module.Tables, WriteTableType);
            Flush(output, 4, section);
        }
        if (module.Memories.Count > 0)
        {
            WriteVector(section, module.Memories, (s, m) => WriteLimits(s, m.Limits));
            Flush(output, 5, section);
        }
        if (module.Globals.Count > 0)
        {
            WriteVector(section, module.Globals, (s, g) =>
            {
                WriteGlobalType(s, g.Type);
                WriteBytes(s, g.Init.Code.Span);
            });
            Flush(output, 6, section);
        }
        if (module.Exports.Count > 0)
        {
            WriteVector(section, module.Exports, (s, e) =>
            {
                WriteName(s, e.Name);
                s.Add((byte)e.Kind);
                Leb128.WriteUnsigned(s, e.Index);
            });
            Flush(output, 7, section);
        }
        if (module.StartFunction is { } start)
        {
            Leb128.WriteUnsigned(section, start);
            Flush(output, 8, section);
        }
        if (module.Elements.Count > 0)
        {
            WriteVector(section, module.Elements, WriteElement);
            Flush(output, 9, section);
        }
        if (module.DataCount is { } dataCount)
        {
            Leb128.WriteUnsigned(section, dataCount);
            Flush(output, 12, section);
        }
        if (module.Bodies.Count > 0)
        {
            var body = new List<byte>();
            WriteVector(section, module.Bodies, (s, b) =>
            {
                WriteVector(body, b.Locals, (l, g) =>
                {
                    Leb128.WriteUnsigned(l, g.Count);
                    l.Add((byte)g.Type);
                });
                WriteBytes(body, b.Code.Span);
                Leb128.WriteUnsigned(s, (uint)body.Count);
                s.AddRange(body);
                body.Clear();
            });
            Flush(output, 10, section);
        }
        if (module.Data.Count > 0)
        {
            WriteVector(section, module.Data, WriteData);
            Flush(output, 11, section);
        }
        WriteNameSection(output, section, module.Names);
        foreach (CustomSection custom in module.CustomSections)
        {
            WriteName(section, custom.Name);
            WriteBytes(section, custom.Content.Span);
            Flush(output, 0, section);
        }
        return output.ToArray();
    }

    private static void Flush(List<byte> output, byte id, List<byte> section)
    {
        output.Add(id);
        Leb128.WriteUnsigned(output, (uint)section.Count);
        output.AddRange(section);
        section.Clear();
    }

    private static void WriteVector<T>(List<byte> s, IReadOnlyList<T> items, Action<List<byte>, T> write)
    {
        Leb128.WriteUnsigned(s, (uint)items.Count);
        foreach (T item in items)
        {
            write(s, item);
        }
    }

    private static void WriteBytes(List<byte> s, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            s.Add(b);
        }
    }

    private static void WriteValTypes(List<byte> s, ReadOnlySpan<ValType> types)
    {
        Leb128.WriteUnsigned(s, (uint)types.Length);
        foreach (ValType t in types)
        {
            s.Add((byte)t);
        }
    }

    /// <summary>Spec 5.2.4: a name is a vector of UTF-8 bytes.</summary>
    private static void WriteName(List<byte> s, string name)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(name);
        Leb128.WriteUnsigned(s, (uint)utf8.Length);
        s.AddRange(utf8);
    }

    private static void WriteLimits(List<byte> s, Limits limits)
    {
        if (limits.Max is { } max)
        {
            s.Add(0x01);
            Leb128.WriteUnsigned(s, limits.Min);
            Leb128.WriteUnsigned(s, max);
        }
        else
        {
            s.Add(0x00);
            Leb128.WriteUnsigned(s, limits.Min);
        }
    }

    private static void WriteTableType(List<byte> s, TableType table)
    {
        s.Add((byte)table.ElementType);
        WriteLimits(s, table.Limits);
    }

    private static void WriteGlobalType(List<byte> s, GlobalType global)
    {
        s.Add((byte)global.ValueType);
        s.Add(global.Mutable ? (byte)0x01 : (byte)0x00);
    }

    private static void WriteImport(List<byte> s, Import import)
    {
        WriteName(s, import.Module);
        WriteName(s, import.Name);
        s.Add((byte)import.Kind);
        switch (import.Kind)
        {
            case ExternKind.Function:
                Leb128.WriteUnsigned(s, import.FunctionTypeIndex);
                break;
            case ExternKind.Table:
                WriteTableType(s, import.Table ?? throw MissingDescriptor(import));
                break;
            case ExternKind.Memory:
                WriteLimits(s, (import.Memory ?? throw MissingDescriptor(import)).Limits);
                break;
            default:
                WriteGlobalType(s, import.Global ?? throw MissingDescriptor(import));
                break;
        }
    }

    private static ArgumentException MissingDescriptor(Import import) =>
        new($"import {import.Module}.{import.Name} of kind {import.Kind} has no descriptor", nameof(import));

    /// <summary>
    /// Spec 5.5.12: the element segment's flags pick among eight encodings; function-index vectors are
    /// used when the model says the segment had that form and every item is a plain <c>ref.func</c>.
    /// </summary>
    private static void WriteElement(List<byte> s, ElementSegment segment)
    {
        uint[]? indices = segment.UsesFunctionIndices && segment.ElementType == ValType.FuncRef ? FunctionIndices(segment.Items) : null;
        bool explicitTable = segment.TableIndex != 0 || segment.ElementType != ValType.FuncRef;
        uint flags = segment.Mode switch
        {
            SegmentMode.Active => explicitTable ? 2u : 0u,
            SegmentMode.Passive => 1u,
            _ => 3u,
        };
        if (indices is null)
        {
            flags |= 4;
        }
        Leb128.WriteUnsigned(s, flags);
        if (segment.Mode == SegmentMode.Active)
        {
            if (explicitTable)
            {
                Leb128.WriteUnsigned(s, segment.TableIndex);
            }
            WriteBytes(s, (segment.Offset ?? throw new ArgumentException("active element segment without an offset", nameof(segment))).Code.Span);
        }
        // Flags 0 and 4 imply funcref; the others name the element kind (0x00 = funcref) or the reference type.
        if (segment.Mode != SegmentMode.Active || explicitTable)
        {
            s.Add(indices is null ? (byte)segment.ElementType : (byte)0x00);
        }
        if (indices is not null)
        {
            WriteVector(s, indices, (v, i) => Leb128.WriteUnsigned(v, i));
        }
        else
        {
            WriteVector(s, segment.Items, (v, e) => WriteBytes(v, e.Code.Span));
        }
    }

    /// <summary>The function indices of items that are all <c>ref.func x; end</c>, else null.</summary>
    private static uint[]? FunctionIndices(IReadOnlyList<ConstExpr> items)
    {
        var indices = new uint[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            ReadOnlySpan<byte> code = items[i].Code.Span;
            if (code.Length < 3 || code[0] != 0xD2 || code[^1] != 0x0B)
            {
                return null;
            }
            var reader = new WasmReader(code[1..^1]);
            try
            {
                indices[i] = reader.ReadU32();
            }
            catch (MalformedModuleException)
            {
                return null;
            }
            if (!reader.AtEnd)
            {
                return null;
            }
        }
        return indices;
    }

    private static void WriteData(List<byte> s, DataSegment segment)
    {
        if (segment.Mode == SegmentMode.Passive)
        {
            s.Add(0x01);
        }
        else
        {
            if (segment.MemoryIndex == 0)
            {
                s.Add(0x00);
            }
            else
            {
                s.Add(0x02);
                Leb128.WriteUnsigned(s, segment.MemoryIndex);
            }
            WriteBytes(s, (segment.Offset ?? throw new ArgumentException("active data segment without an offset", nameof(segment))).Code.Span);
        }
        Leb128.WriteUnsigned(s, (uint)segment.Bytes.Length);
        WriteBytes(s, segment.Bytes.Span);
    }

    /// <summary>The custom "name" section (spec 7.4): module name, function names, local names, each a subsection.</summary>
    private static void WriteNameSection(List<byte> output, List<byte> section, NameSection names)
    {
        if (names.ModuleName is null && names.FunctionNames.Count == 0 && names.LocalNames.Count == 0)
        {
            return;
        }
        WriteName(section, "name");
        var sub = new List<byte>();
        if (names.ModuleName is { } moduleName)
        {
            WriteName(sub, moduleName);
            FlushSubsection(section, 0, sub);
        }
        if (names.FunctionNames.Count > 0)
        {
            WriteNameMap(sub, names.FunctionNames);
            FlushSubsection(section, 1, sub);
        }
        if (names.LocalNames.Count > 0)
        {
            var functions = names.LocalNames.OrderBy(p => p.Key).ToList();
            Leb128.WriteUnsigned(sub, (uint)functions.Count);
            foreach ((uint function, Dictionary<uint, string> locals) in functions)
            {
                Leb128.WriteUnsigned(sub, function);
                WriteNameMap(sub, locals);
            }
            FlushSubsection(section, 2, sub);
        }
        Flush(output, 0, section);
    }

    /// <summary>Spec 7.4.1: a name map is sorted by index.</summary>
    private static void WriteNameMap(List<byte> s, Dictionary<uint, string> map)
    {
        Leb128.WriteUnsigned(s, (uint)map.Count);
        foreach ((uint index, string name) in map.OrderBy(p => p.Key))
        {
            Leb128.WriteUnsigned(s, index);
            WriteName(s, name);
        }
    }

    private static void FlushSubsection(List<byte> section, byte id, List<byte> sub)
    {
        section.Add(id);
        Leb128.WriteUnsigned(section, (uint)sub.Count);
        section.AddRange(sub);
        sub.Clear();
    }
}
