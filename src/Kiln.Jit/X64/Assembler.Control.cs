using System.Runtime.InteropServices;
using Kiln.Jit.Linking;

namespace Kiln.Jit.X64;

// Control flow: jumps and calls to labels, registers, memory and relocation targets; ret, traps, nops.
public sealed partial class Assembler
{
    /// <summary>jmp label. See <see cref="JumpDistance"/> for how the encoding is chosen.</summary>
    public void Jmp(Label label, JumpDistance distance = JumpDistance.Auto) => Branch(-1, label, distance);

    /// <summary>jcc label.</summary>
    public void Jcc(Condition condition, Label label, JumpDistance distance = JumpDistance.Auto) =>
        Branch((int)condition, label, distance);

    /// <summary>jmp or jcc (condition -1 = unconditional) to a label.</summary>
    private void Branch(int condition, Label label, JumpDistance distance)
    {
        CheckLabel(label);
        Reserve();
        int target = _labelOffsets[label.Id];
        const int shortLength = 2;
        if (target != Unbound && distance != JumpDistance.Near)
        {
            int rel8 = target - (_position + shortLength);
            if ((sbyte)rel8 == rel8)
            {
                Put(condition < 0 ? 0xEB : 0x70 + condition);
                Put(rel8);
                return;
            }
            if (distance == JumpDistance.Short)
            {
                throw new AssemblerException($"Short jump to {label} (offset {target}) from offset {_position} is out of rel8 range.");
            }
        }
        if (target == Unbound && distance == JumpDistance.Short)
        {
            Put(condition < 0 ? 0xEB : 0x70 + condition);
            AddFixup(_position, label.Id, -1, 1);
            Put(0);
            return;
        }
        if (condition < 0)
        {
            Put(0xE9);
        }
        else
        {
            Put(0x0F);
            Put(0x80 + condition);
        }
        if (target != Unbound)
        {
            Put32(target - (_position + 4));
        }
        else
        {
            AddFixup(_position, label.Id, -4, 4);
            Put32(0);
        }
    }

    /// <summary>jmp r (indirect).</summary>
    public void Jmp(Gpr target) => EmitRR(0, 0, 0xFF, 4, target.Index);

    /// <summary>jmp qword [m] (indirect through memory).</summary>
    public void Jmp(Mem target) => EmitRM(0, 0, 0xFF, 4, target);

    /// <summary>jmp rel32 to another function or a symbol (a tail call); the target must lie within ±2 GiB.</summary>
    public void Jmp(RelocationTarget target)
    {
        Reserve();
        Put(0xE9);
        AddRelocation(RelocationSection.Code, _position, RelocationKind.Rel32, target, -4);
        Put32(0);
    }

    /// <summary>call label (rel32, e.g. an out-of-line stub of the same code).</summary>
    public void Call(Label label)
    {
        CheckLabel(label);
        Reserve();
        Put(0xE8);
        int target = _labelOffsets[label.Id];
        if (target != Unbound)
        {
            Put32(target - (_position + 4));
        }
        else
        {
            AddFixup(_position, label.Id, -4, 4);
            Put32(0);
        }
    }

    /// <summary>call r.</summary>
    public void Call(Gpr target) => EmitRR(0, 0, 0xFF, 2, target.Index);

    /// <summary>call qword [m] (e.g. through a function-pointer slot of the VM context).</summary>
    public void Call(Mem target) => EmitRM(0, 0, 0xFF, 2, target);

    /// <summary>
    /// call rel32 to another function of the batch or a symbol. Code memory places a batch within
    /// ±2 GiB of itself, but a host function can be anywhere: for those use <see cref="CallAbsolute"/>
    /// or <see cref="CallViaSlot"/>; the relocator rejects a rel32 that does not reach.
    /// </summary>
    public void Call(RelocationTarget target)
    {
        Reserve();
        Put(0xE8);
        AddRelocation(RelocationSection.Code, _position, RelocationKind.Rel32, target, -4);
        Put32(0);
    }

    /// <summary>movabs scratch, target; call scratch. Reaches any address; clobbers <paramref name="scratch"/>.</summary>
    public void CallAbsolute(RelocationTarget target, Gpr scratch)
    {
        MovAbs(scratch, target);
        Call(scratch);
    }

    /// <summary>movabs dst, address-of(target) + addend, patched by an abs64 relocation.</summary>
    public void MovAbs(Gpr dst, RelocationTarget target, long addend = 0)
    {
        EmitOpcodeReg(0, RexW, 0xB8, dst.Index);
        AddRelocation(RelocationSection.Code, _position, RelocationKind.Abs64, target, addend);
        Put64(0);
    }

    /// <summary>
    /// call qword [rip + slot]: the slot is an 8-byte constant-pool entry holding the target's absolute
    /// address (an abs64 relocation in the read-only data). Reaches any address without a scratch
    /// register; one slot per target and function.
    /// </summary>
    public void CallViaSlot(RelocationTarget target) => Call(SlotOf(target));

    /// <summary>jmp qword [rip + slot] (a far tail call).</summary>
    public void JmpViaSlot(RelocationTarget target) => Jmp(SlotOf(target));

    /// <summary>The constant-pool slot holding the address of <paramref name="target"/>, created on first use.</summary>
    public Mem SlotOf(RelocationTarget target)
    {
        ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_slots, target, out bool exists);
        if (!exists)
        {
            slot = _constants.AddSlot();
            AddRelocation(RelocationSection.ReadOnlyData, slot, RelocationKind.Abs64, target, 0);
        }
        return Mem.Constant(slot);
    }

    /// <summary>
    /// A table of the absolute addresses of <paramref name="targets"/> in the read-only data (for
    /// br_table-style dispatch: <c>lea r, [table]; jmp qword [r + index*8]</c>). The labels may still be
    /// unbound; <see cref="Finish"/> turns each entry into an abs64 relocation to this code.
    /// </summary>
    public Mem JumpTable(ReadOnlySpan<Label> targets)
    {
        if (targets.IsEmpty)
        {
            throw new AssemblerException("A jump table needs at least one target.");
        }
        foreach (Label target in targets)
        {
            CheckLabel(target);
        }
        int offset = _constants.AddSlots(targets.Length);
        for (int i = 0; i < targets.Length; i++)
        {
            if (_tableEntryCount == _tableEntries.Length)
            {
                Array.Resize(ref _tableEntries, _tableEntryCount * 2);
            }
            _tableEntries[_tableEntryCount++] = new TableEntry(offset + 8 * i, targets[i].Id);
        }
        return Mem.Constant(offset);
    }

    /// <summary>ret.</summary>
    public void Ret()
    {
        Reserve();
        Put(0xC3);
    }

    /// <summary>ret imm16: also pops <paramref name="bytes"/> of arguments.</summary>
    public void Ret(ushort bytes)
    {
        Reserve();
        Put(0xC2);
        Put16(bytes);
    }

    /// <summary>ud2: a guaranteed invalid-opcode fault (#UD).</summary>
    public void Ud2()
    {
        Reserve();
        Put(0x0F);
        Put(0x0B);
    }

    /// <summary>int3: a breakpoint (#BP), also used as padding that traps if executed.</summary>
    public void Int3()
    {
        Reserve();
        Put(0xCC);
    }

    /// <summary>
    /// <paramref name="length"/> bytes of no-ops as few instructions as possible: the recommended
    /// multi-byte nops of 1..9 bytes (Intel SDM Vol. 2, NOP, table 4-12), repeated for longer runs.
    /// </summary>
    public void Nop(int length = 1)
    {
        if (length < 0)
        {
            throw new AssemblerException($"Nop length {length} is negative.");
        }
        while (length > 0)
        {
            int n = Math.Min(length, 9);
            Reserve();
            ReadOnlySpan<byte> bytes = NopBytes(n);
            bytes.CopyTo(_code.AsSpan(_position));
            _position += n;
            length -= n;
        }
    }

    /// <summary>Pads with nops up to a multiple of <paramref name="alignment"/> (a power of two), e.g. a loop head.</summary>
    public void Align(int alignment)
    {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
        {
            throw new AssemblerException($"Alignment {alignment} is not a power of two.");
        }
        Nop((alignment - (_position & (alignment - 1))) & (alignment - 1));
    }

    private static ReadOnlySpan<byte> NopBytes(int length) => length switch
    {
        1 => [0x90],
        2 => [0x66, 0x90],
        3 => [0x0F, 0x1F, 0x00],
        4 => [0x0F, 0x1F, 0x40, 0x00],
        5 => [0x0F, 0x1F, 0x44, 0x00, 0x00],
        6 => [0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00],
        7 => [0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00],
        8 => [0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        _ => [0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
    };
}
