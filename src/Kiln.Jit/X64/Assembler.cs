using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kiln.Jit.Linking;

namespace Kiln.Jit.X64;

/// <summary>
/// Kiln's x86-64 emitter: compilers call one method per instruction and get bytes, relocations and a
/// constant pool, with no dependence on where the code will live. Each method writes its bytes
/// straight into a reused buffer (no instruction objects, no allocation in steady state); label
/// references are recorded as fixups and patched by <see cref="Finish"/>, while references to other
/// functions, symbols and the constant pool become <see cref="Relocation"/>s that
/// <see cref="Relocator"/> applies once final addresses are known.
/// </summary>
/// <remarks>
/// Partial files: this one holds buffers, labels and finishing; <c>Assembler.Encoding.cs</c> the
/// prefix/ModRM/SIB and VEX core; <c>Assembler.Integer.cs</c>, <c>Assembler.Control.cs</c>,
/// <c>Assembler.Sse.cs</c> (scalar floats), <c>Assembler.Simd.cs</c> (packed SSE and the opcode table)
/// and <c>Assembler.Avx.cs</c> (VEX) the instruction forms. An instance is used by one thread at a time; a
/// compiler keeps one per worker and calls <see cref="Reset"/> between functions.
/// </remarks>
public sealed partial class Assembler
{
    /// <summary>Longest x86 instruction (Intel SDM Vol. 2, 2.3.11); one reservation covers any instruction.</summary>
    private const int MaxInstructionLength = 15;

    private const int Unbound = -1;

    private readonly CpuFeatures _features;
    private readonly ConstantPool _constants = new();
    private readonly Dictionary<RelocationTarget, int> _slots = [];
    private byte[] _code;
    private int _position;
    private int[] _labelOffsets = new int[64];
    private int _labelCount = 1; // id 0 is default(Label), never handed out
    private Fixup[] _fixups = new Fixup[64];
    private int _fixupCount;
    private TableEntry[] _tableEntries = new TableEntry[16];
    private int _tableEntryCount;
    private Relocation[] _relocations = new Relocation[32];
    private int _relocationCount;
    private bool _finished;

    /// <summary>An assembler for code that will run on a CPU with <paramref name="features"/>.</summary>
    public Assembler(CpuFeatures features, int initialCapacity = 4096)
    {
        _features = features;
        _code = new byte[Math.Max(initialCapacity, 64)];
    }

    /// <summary>An assembler for the host CPU.</summary>
    public Assembler() : this(CpuFeatures.Host)
    {
    }

    public CpuFeatures Features => _features;

    /// <summary>Offset of the next instruction.</summary>
    public int Position => _position;

    /// <summary>The code so far; label displacements are final only after <see cref="Finish"/>.</summary>
    public ReadOnlySpan<byte> Code => _code.AsSpan(0, _position);

    /// <summary>Relocations of the code and of the read-only data, in emission order.</summary>
    public ReadOnlySpan<Relocation> Relocations => _relocations.AsSpan(0, _relocationCount);

    /// <summary>The constant pool, output separately to go on read-only pages.</summary>
    public ConstantPool Constants => _constants;

    /// <summary>The constant pool's bytes.</summary>
    public ReadOnlySpan<byte> ReadOnlyData => _constants.Data;

    /// <summary>Forgets all code, labels, relocations and constants but keeps the buffers.</summary>
    public void Reset()
    {
        _position = 0;
        _labelCount = 1;
        _fixupCount = 0;
        _tableEntryCount = 0;
        _relocationCount = 0;
        _constants.Reset();
        _slots.Clear();
        _finished = false;
    }

    /// <summary>A new unbound label.</summary>
    public Label CreateLabel()
    {
        if (_labelCount == _labelOffsets.Length)
        {
            Array.Resize(ref _labelOffsets, _labelCount * 2);
        }
        _labelOffsets[_labelCount] = Unbound;
        return new Label(_labelCount++);
    }

    /// <summary>Binds <paramref name="label"/> to the current position.</summary>
    public void Bind(Label label)
    {
        CheckLabel(label);
        if (_labelOffsets[label.Id] != Unbound)
        {
            throw new AssemblerException($"Label {label} is already bound at offset {_labelOffsets[label.Id]}.");
        }
        _labelOffsets[label.Id] = _position;
    }

    /// <summary>True once <paramref name="label"/> is bound.</summary>
    public bool IsBound(Label label)
    {
        CheckLabel(label);
        return _labelOffsets[label.Id] != Unbound;
    }

    /// <summary>The offset <paramref name="label"/> is bound to.</summary>
    public int GetLabelOffset(Label label)
    {
        CheckLabel(label);
        int offset = _labelOffsets[label.Id];
        return offset == Unbound ? throw new AssemblerException($"Label {label} is not bound.") : offset;
    }

    /// <summary>
    /// Patches every label reference and turns jump-table entries into relocations. Throws
    /// <see cref="AssemblerException"/> for a label that was referenced but never bound, or a short
    /// jump whose target is out of rel8 range.
    /// </summary>
    public void Finish()
    {
        for (int i = 0; i < _tableEntryCount; i++)
        {
            ref readonly TableEntry entry = ref _tableEntries[i];
            int target = _labelOffsets[entry.LabelId];
            if (target == Unbound)
            {
                throw new AssemblerException($"Label L{entry.LabelId} is in a jump table but never bound.");
            }
            AddRelocation(RelocationSection.ReadOnlyData, entry.DataOffset, RelocationKind.Abs64, RelocationTarget.Code, target);
        }
        // Entries become relocations once, so finishing again (after more code) does not duplicate them.
        _tableEntryCount = 0;

        Span<byte> code = _code.AsSpan(0, _position);
        for (int i = 0; i < _fixupCount; i++)
        {
            ref readonly Fixup fixup = ref _fixups[i];
            int target = _labelOffsets[fixup.LabelId];
            if (target == Unbound)
            {
                throw new AssemblerException($"Label L{fixup.LabelId} is referenced at offset {fixup.FieldOffset} but never bound.");
            }
            long value = (long)target - fixup.FieldOffset + fixup.Addend;
            if (fixup.Width == 1)
            {
                if (value is < sbyte.MinValue or > sbyte.MaxValue)
                {
                    throw new AssemblerException(
                        $"Short jump at offset {fixup.FieldOffset - 1} to L{fixup.LabelId} (offset {target}) needs {value}, beyond rel8 range.");
                }
                code[fixup.FieldOffset] = (byte)(sbyte)value;
            }
            else
            {
                if (value is < int.MinValue or > int.MaxValue)
                {
                    throw new AssemblerException($"Reference at offset {fixup.FieldOffset} to L{fixup.LabelId} is beyond rel32 range.");
                }
                BinaryPrimitives.WriteInt32LittleEndian(code.Slice(fixup.FieldOffset, 4), (int)value);
            }
        }
        _finished = true;
    }

    /// <summary>True after <see cref="Finish"/> until the next <see cref="Reset"/>.</summary>
    public bool IsFinished => _finished;

    /// <summary>Copies the finished code, read-only data and relocations into a standalone result.</summary>
    public AssembledCode ToAssembledCode()
    {
        if (!_finished)
        {
            Finish();
        }
        return new AssembledCode(Code.ToArray(), ReadOnlyData.ToArray(), Relocations.ToArray());
    }

    private void CheckLabel(Label label)
    {
        if (label.Id <= 0 || label.Id >= _labelCount)
        {
            throw new AssemblerException($"Label {label} was not created by this assembler (or was created before the last Reset).");
        }
    }

    private void AddFixup(int fieldOffset, int labelId, int addend, int width)
    {
        if (_fixupCount == _fixups.Length)
        {
            Array.Resize(ref _fixups, _fixupCount * 2);
        }
        _fixups[_fixupCount++] = new Fixup(fieldOffset, labelId, addend, (byte)width);
    }

    private void AddRelocation(RelocationSection section, int offset, RelocationKind kind, RelocationTarget target, long addend)
    {
        if (_relocationCount == _relocations.Length)
        {
            Array.Resize(ref _relocations, _relocationCount * 2);
        }
        _relocations[_relocationCount++] = new Relocation(section, offset, kind, target, addend);
    }

    /// <summary>
    /// Makes room for one instruction. Invariant: every instruction method calls this before its first
    /// <see cref="Put"/>, so the unchecked writes below stay inside the buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Reserve()
    {
        if (_code.Length - _position < MaxInstructionLength + 1)
        {
            Grow();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow() => Array.Resize(ref _code, _code.Length * 2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Put(int value) => Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_code), _position++) = (byte)value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Put16(int value)
    {
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_code), _position), (ushort)value);
        _position += 2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Put32(int value)
    {
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_code), _position), value);
        _position += 4;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Put64(long value)
    {
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_code), _position), value);
        _position += 8;
    }

    /// <summary>A jump-table entry in the read-only data waiting for its label's offset.</summary>
    private readonly record struct TableEntry(int DataOffset, int LabelId);

    /// <summary>A pending label reference: write (label offset - field offset + addend) into the field.</summary>
    private readonly record struct Fixup(int FieldOffset, int LabelId, int Addend, byte Width);
}
