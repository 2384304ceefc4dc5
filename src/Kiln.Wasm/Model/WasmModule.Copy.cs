namespace Kiln.Wasm.Model;

public sealed partial class WasmModule
{
    /// <summary>
    /// A copy that shares nothing mutable with this model: new lists and dictionaries, and every
    /// encoded byte (function bodies, constant expressions, data, custom sections) copied into one
    /// buffer of its own. SECURITY: the runtime validates and compiles such a copy, so code that
    /// still holds the original (its lists, its bytes) cannot change what was validated. The copy is
    /// not known valid, like any model, until the validator accepts it.
    /// </summary>
    public WasmModule DeepCopy()
    {
        var bytes = new ByteArena(CountEncodedBytes());
        var copy = new WasmModule { StartFunction = StartFunction, DataCount = DataCount };
        foreach (FuncType t in Types)
        {
            copy.Types.Add(new FuncType(t.Params.AsSpan(), t.Results.AsSpan()));
        }
        copy.Imports.AddRange(Imports);
        copy.FunctionTypeIndices.AddRange(FunctionTypeIndices);
        copy.Tables.AddRange(Tables);
        copy.Memories.AddRange(Memories);
        foreach (Global g in Globals)
        {
            copy.Globals.Add(g with { Init = bytes.Copy(g.Init) });
        }
        copy.Exports.AddRange(Exports);
        foreach (ElementSegment e in Elements)
        {
            var items = new ConstExpr[e.Items.Count];
            for (int i = 0; i < items.Length; i++)
            {
                items[i] = bytes.Copy(e.Items[i]);
            }
            copy.Elements.Add(new ElementSegment
            {
                Mode = e.Mode,
                ElementType = e.ElementType,
                TableIndex = e.TableIndex,
                Offset = e.Offset is null ? null : bytes.Copy(e.Offset),
                Items = items,
                UsesFunctionIndices = e.UsesFunctionIndices,
            });
        }
        foreach (FunctionBody b in Bodies)
        {
            copy.Bodies.Add(new FunctionBody([.. b.Locals], bytes.Copy(b.Code), b.CodeOffset));
        }
        foreach (DataSegment d in Data)
        {
            copy.Data.Add(new DataSegment
            {
                Mode = d.Mode,
                MemoryIndex = d.MemoryIndex,
                Offset = d.Offset is null ? null : bytes.Copy(d.Offset),
                Bytes = bytes.Copy(d.Bytes),
            });
        }
        copy.Names.ModuleName = Names.ModuleName;
        foreach ((uint index, string name) in Names.FunctionNames)
        {
            copy.Names.FunctionNames[index] = name;
        }
        foreach ((uint index, Dictionary<uint, string> locals) in Names.LocalNames)
        {
            copy.Names.LocalNames[index] = new Dictionary<uint, string>(locals);
        }
        foreach (CustomSection c in CustomSections)
        {
            copy.CustomSections.Add(c with { Content = bytes.Copy(c.Content) });
        }
        return copy;
    }

    private long CountEncodedBytes()
    {
        long n = 0;
        foreach (Global g in Globals)
        {
            n += g.Init.Code.Length;
        }
        foreach (ElementSegment e in Elements)
        {
            n += e.Offset?.Code.Length ?? 0;
            foreach (ConstExpr item in e.Items)
            {
                n += item.Code.Length;
            }
        }
        foreach (FunctionBody b in Bodies)
        {
            n += b.Code.Length;
        }
        foreach (DataSegment d in Data)
        {
            n += (d.Offset?.Code.Length ?? 0) + d.Bytes.Length;
        }
        foreach (CustomSection c in CustomSections)
        {
            n += c.Content.Length;
        }
        return n;
    }

    /// <summary>Hands out consecutive slices of one buffer (one allocation for a whole module's bytes).</summary>
    private sealed class ByteArena(long size)
    {
        private readonly byte[] _buffer = new byte[checked((int)size)];
        private int _used;

        public ReadOnlyMemory<byte> Copy(ReadOnlyMemory<byte> source)
        {
            Memory<byte> slice = _buffer.AsMemory(_used, source.Length);
            source.CopyTo(slice);
            _used += source.Length;
            return slice;
        }

        public ConstExpr Copy(ConstExpr expr) => new(Copy(expr.Code), expr.Offset);
    }
}
