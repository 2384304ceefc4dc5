using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Kiln.Wasm.Model;

namespace Kiln.Wasm.Binary;

/// <summary>
/// The one decoder of WebAssembly instructions (spec 5.4). The validator, the interpreter's
/// translator and the compilers all pull instructions from it, so the encoding is parsed in exactly
/// one place. It checks encoding only (malformed input); typing is the validator's job.
/// </summary>
/// <example>
/// <code>
/// var reader = new InstructionReader(body.Code.Span, body.CodeOffset);
/// while (!reader.AtEnd) { Instruction ins = reader.Read(); ... }
/// </code>
/// </example>
public ref struct InstructionReader
{
    private WasmReader _reader;

    public InstructionReader(ReadOnlySpan<byte> code, int baseOffset = 0, uint? functionIndex = null)
    {
        _reader = new WasmReader(code, baseOffset, functionIndex);
    }

    public readonly bool AtEnd => _reader.AtEnd;

    /// <summary>Position relative to the start of the code.</summary>
    public int Position
    {
        readonly get => _reader.Position;
        set => _reader.Position = value;
    }

    public readonly int Offset => _reader.Offset;

    public readonly ReadOnlySpan<byte> Code => _reader.Data;

    /// <summary>
    /// Whether the next instruction is local.set or local.tee, and of which local, without advancing: lets a
    /// one-pass compiler compute <c>x = x op y</c> in x's register.
    /// </summary>
    public readonly bool PeekLocalSet(out uint local)
    {
        local = 0;
        if (_reader.AtEnd || _reader.PeekByte() is not (0x21 or 0x22))
        {
            return false;
        }
        WasmReader copy = _reader;
        copy.ReadByte();
        local = copy.ReadU32();
        return true;
    }

    /// <summary>Decodes the next instruction.</summary>
    public Instruction Read()
    {
        int offset = _reader.Offset;
        byte code = _reader.ReadByte();
        int slot = code;
        int opcode = code;
        if (code >= 0xFC)
        {
            if (code > 0xFD)
            {
                throw _reader.MalformedAt("illegal opcode", offset);
            }
            uint sub = _reader.ReadU32();
            if (sub > 0xFF)
            {
                throw _reader.MalformedAt("illegal opcode", offset);
            }
            slot = (code == 0xFC ? 256 : 512) + (int)sub;
            opcode = (code << 8) | (int)sub;
        }
        ImmediateKind kind = OpcodeTable.GetImmediateBySlot(slot);
        if (kind == OpcodeTable.NoOpcode)
        {
            throw _reader.MalformedAt("illegal opcode", offset);
        }
        var ins = new Instruction { Offset = offset, Opcode = (Opcode)opcode };
        ReadImmediates(kind, ref ins);
        return ins;
    }

    /// <summary>Reads the <paramref name="i"/>-th target of a br_table decoded earlier (<paramref name="i"/> == count gives the default).</summary>
    public readonly uint ReadBrTableTarget(in Instruction brTable, uint i)
    {
        var r = new WasmReader(_reader.Data, _reader.BaseOffset, _reader.FunctionIndex) { Position = brTable.BrTableStart };
        for (uint k = 0; k < i; k++)
        {
            r.ReadU32();
        }
        return r.ReadU32();
    }

    /// <summary>Decodes all targets of a br_table (then the default, last) into <paramref name="destination"/>.</summary>
    public readonly void ReadBrTableTargets(in Instruction brTable, Span<uint> destination)
    {
        var r = new WasmReader(_reader.Data, _reader.BaseOffset, _reader.FunctionIndex) { Position = brTable.BrTableStart };
        for (int k = 0; k < destination.Length; k++)
        {
            destination[k] = r.ReadU32();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ReadImmediates(ImmediateKind kind, ref Instruction ins)
    {
        switch (kind)
        {
            case ImmediateKind.None:
                return;
            case ImmediateKind.Label:
            case ImmediateKind.Function:
            case ImmediateKind.Local:
            case ImmediateKind.Global:
            case ImmediateKind.Table:
            case ImmediateKind.Data:
            case ImmediateKind.Element:
                ins.Index = _reader.ReadU32();
                return;
            case ImmediateKind.I32:
                ins.Value = unchecked((ulong)(long)_reader.ReadS32());
                return;
            case ImmediateKind.I64:
                ins.Value = unchecked((ulong)_reader.ReadS64());
                return;
            case ImmediateKind.F32:
                ins.Value = _reader.ReadF32Bits();
                return;
            case ImmediateKind.F64:
                ins.Value = _reader.ReadF64Bits();
                return;
            case ImmediateKind.MemArg:
                ReadMemArg(ref ins);
                return;
            case ImmediateKind.MemArgLane:
                ReadMemArg(ref ins);
                ins.Index = _reader.ReadByte();
                return;
            case ImmediateKind.Lane:
                ins.Index = _reader.ReadByte();
                return;
            case ImmediateKind.BlockType:
                ins.BlockType = ReadBlockType();
                return;
            case ImmediateKind.BrTable:
            {
                // SECURITY: each target is at least one byte, so a forged count fails fast.
                ins.BrTableCount = _reader.ReadVectorLength();
                ins.BrTableStart = _reader.Position;
                for (uint i = 0; i <= ins.BrTableCount; i++)
                {
                    _reader.ReadU32();
                }
                return;
            }
            case ImmediateKind.CallIndirect:
                ins.Index = _reader.ReadU32();
                ins.Index2 = _reader.ReadU32();
                return;
            case ImmediateKind.Memory:
                ReadZeroByte();
                return;
            case ImmediateKind.MemoryInit:
                ins.Index = _reader.ReadU32();
                ReadZeroByte();
                return;
            case ImmediateKind.MemoryCopy:
                ReadZeroByte();
                ReadZeroByte();
                return;
            case ImmediateKind.TableInit:
                ins.Index = _reader.ReadU32();
                ins.Index2 = _reader.ReadU32();
                return;
            case ImmediateKind.TableCopy:
                ins.Index = _reader.ReadU32();
                ins.Index2 = _reader.ReadU32();
                return;
            case ImmediateKind.RefType:
                ins.Type = ReadRefType();
                return;
            case ImmediateKind.SelectTyped:
            {
                ins.Index = _reader.ReadVectorLength();
                for (uint i = 0; i < ins.Index; i++)
                {
                    ValType t = ReadValType();
                    if (i == 0)
                    {
                        ins.Type = t;
                    }
                }
                return;
            }
            case ImmediateKind.V128:
            case ImmediateKind.Shuffle:
            {
                ReadOnlySpan<byte> bytes = _reader.ReadBytes(16);
                ins.V128 = new V128(BinaryPrimitives.ReadUInt64LittleEndian(bytes), BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]));
                return;
            }
            default:
                throw new InvalidOperationException($"immediate kind {kind} has no decoder");
        }
    }

    private void ReadMemArg(ref Instruction ins)
    {
        // Spec 5.4.6: in 2.0 the flags are just the alignment exponent, which the reference
        // decoder requires below 32 (an alignment of 2^32 bytes or more is not encodable).
        uint flags = _reader.ReadU32();
        if (flags >= 32)
        {
            throw _reader.Malformed("malformed memop flags");
        }
        ins.Align = flags;
        ins.Value = _reader.ReadU32();
    }

    private void ReadZeroByte()
    {
        if (_reader.ReadByte() != 0)
        {
            throw _reader.MalformedAt("zero byte expected", _reader.Offset - 1);
        }
    }

    private BlockType ReadBlockType()
    {
        byte b = _reader.PeekByte();
        if (b == 0x40)
        {
            _reader.ReadByte();
            return BlockType.Empty;
        }
        if (ValTypeExtensions.IsValTypeCode(b))
        {
            _reader.ReadByte();
            return BlockType.Value((ValType)b);
        }
        int at = _reader.Offset;
        long index = _reader.ReadS33();
        if (index < 0)
        {
            throw _reader.MalformedAt("malformed value type", at);
        }
        return BlockType.FromTypeIndex((uint)index);
    }

    private ValType ReadValType()
    {
        byte b = _reader.ReadByte();
        if (!ValTypeExtensions.IsValTypeCode(b))
        {
            throw _reader.MalformedAt("malformed value type", _reader.Offset - 1);
        }
        return (ValType)b;
    }

    private ValType ReadRefType()
    {
        byte b = _reader.ReadByte();
        if (b is not (0x70 or 0x6F))
        {
            throw _reader.MalformedAt("malformed reference type", _reader.Offset - 1);
        }
        return (ValType)b;
    }
}
