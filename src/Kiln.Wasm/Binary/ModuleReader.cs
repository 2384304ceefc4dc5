using System.Buffers.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Wasm.Binary;

/// <summary>
/// Decodes a WebAssembly 2.0 binary module (spec chapter 5) into a <see cref="WasmModule"/>.
/// One forward pass over the sections: structure is decoded, function bodies and constant
/// expressions stay encoded bytes (the validator is their first full decode), and every count is
/// checked against the bytes that remain before anything is allocated for it.
/// </summary>
/// <remarks>
/// Section contents are read from the module stream and their declared size is checked afterwards
/// ("section size mismatch"), as the reference interpreter does, so malformed modules are reported
/// with the spec test suite's wording. Errors are <see cref="MalformedModuleException"/> with the
/// byte offset, and the function index inside the code section.
/// </remarks>
public static partial class ModuleReader
{
    /// <summary>Spec 5.5.16: the magic <c>\0asm</c>, little-endian.</summary>
    public const uint Magic = 0x6D736100;

    public const uint Version = 1;

    /// <summary>
    /// Declared locals allowed per function. SECURITY: the spec only bounds the total by 2^32, which
    /// would let a 20-byte body ask the tiers for gigabytes of frame; engines cap it at 50000 too.
    /// </summary>
    public const int MaxLocals = 50000;

    private const string UnexpectedEndOfSection = "unexpected end of section or function";

    /// <summary>Decodes <paramref name="bytes"/>. The model keeps slices of it (bodies, data), so it must not change afterwards.</summary>
    /// <exception cref="MalformedModuleException">
    /// The bytes are not a well-formed 2.0 module. The instructions inside function bodies are
    /// decoded, and their encoding checked, by <see cref="Validation.ModuleValidator"/>.
    /// </exception>
    public static WasmModule Read(ReadOnlyMemory<byte> bytes)
    {
        var state = new State(bytes);
        var r = new WasmReader(bytes.Span);
        ReadHeader(ref r);
        try
        {
            ReadSections(ref r, state);
        }
        catch (MalformedModuleException e) when (e.Reason == "unexpected end")
        {
            // Running out of bytes inside a section: the suite's fuller wording for the same fault.
            throw new MalformedModuleException(UnexpectedEndOfSection, e.Offset, e.FunctionIndex);
        }
        return state.Module;
    }

    /// <inheritdoc cref="Read(ReadOnlyMemory{byte})"/>
    public static WasmModule Read(byte[] bytes) => Read(new ReadOnlyMemory<byte>(bytes));

    private static void ReadHeader(ref WasmReader r)
    {
        if (r.Remaining < 4)
        {
            throw r.Malformed("unexpected end");
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(r.ReadBytes(4)) != Magic)
        {
            throw r.MalformedAt("magic header not detected", 0);
        }
        if (r.Remaining < 4)
        {
            throw r.Malformed("unexpected end");
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(r.ReadBytes(4)) != Version)
        {
            throw r.MalformedAt("unknown binary version", 4);
        }
    }

    private static void ReadSections(ref WasmReader r, State state)
    {
        int lastRank = 0;
        while (!r.AtEnd)
        {
            int idOffset = r.Offset;
            byte id = r.ReadByte();
            int rank = SectionRank(id);
            if (rank < 0)
            {
                throw r.MalformedAt("malformed section id", idOffset);
            }
            int size = ReadLength(ref r);
            int start = r.Position;
            int end = start + size;
            if (id == (byte)SectionId.Custom)
            {
                ReadCustomSection(r.Data.Slice(start, size), start, state);
                r.Position = end;
                continue;
            }
            // Spec 5.5.2: non-custom sections appear at most once, in a fixed order.
            if (rank <= lastRank)
            {
                throw r.MalformedAt("unexpected content after last section", idOffset);
            }
            lastRank = rank;
            ReadSection((SectionId)id, ref r, state, end);
            if (r.Position != end)
            {
                throw r.MalformedAt("section size mismatch", start);
            }
        }
        Finish(ref r, state);
    }

    private static void ReadSection(SectionId id, ref WasmReader r, State state, int end)
    {
        switch (id)
        {
            case SectionId.Type:
                ReadTypeSection(ref r, state.Module);
                break;
            case SectionId.Import:
                ReadImportSection(ref r, state.Module);
                break;
            case SectionId.Function:
                ReadFunctionSection(ref r, state);
                break;
            case SectionId.Table:
                ReadTableSection(ref r, state.Module);
                break;
            case SectionId.Memory:
                ReadMemorySection(ref r, state.Module);
                break;
            case SectionId.Global:
                ReadGlobalSection(ref r, state);
                break;
            case SectionId.Export:
                ReadExportSection(ref r, state.Module);
                break;
            case SectionId.Start:
                state.Module.StartFunction = r.ReadU32();
                break;
            case SectionId.Element:
                ReadElementSection(ref r, state);
                break;
            case SectionId.DataCount:
                state.Module.DataCount = r.ReadU32();
                break;
            case SectionId.Code:
                ReadCodeSection(ref r, state);
                break;
            case SectionId.Data:
                ReadDataSection(ref r, state);
                break;
            default:
                throw new InvalidOperationException($"section {id} has no reader");
        }
    }

    private static void Finish(ref WasmReader r, State state)
    {
        WasmModule module = state.Module;
        // Spec 5.5.16: the function and code sections must describe the same functions.
        if (module.FunctionTypeIndices.Count != module.Bodies.Count)
        {
            throw r.MalformedAt("function and code section have inconsistent lengths", state.CodeSectionOffset >= 0 ? state.CodeSectionOffset : r.Offset);
        }
        if (module.DataCount is { } count && count != module.Data.Count)
        {
            throw r.MalformedAt("data count and data section have inconsistent lengths", state.DataSectionOffset >= 0 ? state.DataSectionOffset : r.Offset);
        }
    }

    /// <summary>Order of the non-custom sections (spec 5.5.2): the data count section sits between element and code.</summary>
    private static int SectionRank(byte id) => id switch
    {
        0 => 0,
        >= 1 and <= 9 => id,
        12 => 10,
        10 => 11,
        11 => 12,
        _ => -1,
    };

    /// <summary>A byte length (section, body, name, data): it must fit in the rest of the module.</summary>
    private static int ReadLength(ref WasmReader r)
    {
        int at = r.Offset;
        uint length = r.ReadU32();
        if (length > (uint)r.Remaining)
        {
            throw r.MalformedAt("length out of bounds", at);
        }
        return (int)length;
    }

    /// <summary>
    /// A vector count. SECURITY: every element takes at least one byte, so a count above the
    /// remaining bytes is forged; checking it first bounds all allocation by the module's size.
    /// </summary>
    private static int ReadCount(ref WasmReader r)
    {
        int at = r.Offset;
        uint count = r.ReadU32();
        if (count > (uint)r.Remaining)
        {
            // The elements cannot all be there: the section ends before them.
            throw r.MalformedAt(UnexpectedEndOfSection, at);
        }
        return (int)count;
    }

    /// <summary>Initial capacity for a list of <paramref name="count"/> elements of at least <paramref name="minSize"/> bytes.</summary>
    private static int Capacity(in WasmReader r, int count, int minSize) => Math.Min(count, r.Remaining / minSize);

    private static string ReadName(ref WasmReader r)
    {
        int length = ReadLength(ref r);
        int at = r.Offset;
        ReadOnlySpan<byte> bytes = r.ReadBytes(length);
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw r.MalformedAt("malformed UTF-8 encoding", at);
        }
        return System.Text.Encoding.UTF8.GetString(bytes);
    }

    /// <summary>What the reader remembers across sections.</summary>
    private sealed class State(ReadOnlyMemory<byte> bytes)
    {
        public ReadOnlyMemory<byte> Bytes { get; } = bytes;

        public WasmModule Module { get; } = new();

        public int CodeSectionOffset { get; set; } = -1;

        public int DataSectionOffset { get; set; } = -1;
    }
}
