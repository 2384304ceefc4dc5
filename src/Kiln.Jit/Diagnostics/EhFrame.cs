using System.Buffers.Binary;

namespace Kiln.Jit.Diagnostics;

/// <summary>
/// Generates <c>.eh_frame</c> call frame information (LSB "Exception Frames"; DWARF 4 section 6.4 for the CFA
/// instructions): one CIE holding the state at a call (CFA = rsp + 8, return address at CFA - 8), then one FDE per
/// function replaying its <see cref="FrameLayout"/>, then the zero terminator that <c>__register_frame</c> needs.
/// Also builds the <c>.eh_frame_hdr</c> binary-search table that perf's ELF files carry.
/// </summary>
internal static class EhFrame
{
    // DWARF register numbers for x86-64 (System V psABI, figure 3.36).
    private const byte DwarfRsp = 7;
    private const byte DwarfRbp = 6;
    private const byte DwarfReturnAddress = 16;

    private const byte DW_CFA_advance_loc = 0x40;
    private const byte DW_CFA_offset = 0x80;
    private const byte DW_CFA_restore = 0xC0;
    private const byte DW_CFA_nop = 0x00;
    private const byte DW_CFA_advance_loc1 = 0x02;
    private const byte DW_CFA_advance_loc2 = 0x03;
    private const byte DW_CFA_advance_loc4 = 0x04;
    private const byte DW_CFA_remember_state = 0x0A;
    private const byte DW_CFA_restore_state = 0x0B;
    private const byte DW_CFA_def_cfa = 0x0C;
    private const byte DW_CFA_def_cfa_register = 0x0D;
    private const byte DW_CFA_def_cfa_offset = 0x0E;

    private const byte DW_EH_PE_absptr = 0x00;
    private const byte DW_EH_PE_udata4 = 0x03;
    private const byte DW_EH_PE_sdata4 = 0x0B;
    private const byte DW_EH_PE_pcrel = 0x10;
    private const byte DW_EH_PE_datarel = 0x30;

    // Kiln's Gpr numbering (hardware encoding) to DWARF's.
    private static ReadOnlySpan<byte> DwarfRegister => [0, 2, 1, 3, 7, 6, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15];

    /// <summary>
    /// Builds a whole <c>.eh_frame</c> for <paramref name="functions"/>. With <see cref="EhFramePointers.PcRelative"/>
    /// the section is assumed to start at <paramref name="sectionAddress"/> in the same address space as the functions.
    /// </summary>
    public static byte[] Build(IReadOnlyList<CfiFunction> functions, EhFramePointers pointers, long sectionAddress = 0)
    {
        var w = new ByteWriter(64 + functions.Count * 48);
        WriteCie(w, pointers);
        foreach (CfiFunction function in functions)
        {
            WriteFde(w, function, pointers, sectionAddress);
        }
        // The terminator: a zero length ends the walk of __register_frame and of every .eh_frame reader.
        w.U32(0);
        return w.ToArray();
    }

    /// <summary>
    /// Builds the <c>.eh_frame_hdr</c> (LSB "The .eh_frame_hdr section") for an <c>.eh_frame</c> built with
    /// <see cref="EhFramePointers.PcRelative"/> at <paramref name="ehFrameAddress"/>, the header to be placed at
    /// <paramref name="headerAddress"/>.
    /// </summary>
    public static byte[] BuildHeader(ReadOnlySpan<byte> ehFrame, long ehFrameAddress, long headerAddress)
    {
        List<(long InitialLocation, long FdeAddress)> table = [];
        int position = 0;
        while (position + 4 <= ehFrame.Length)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(ehFrame[position..]);
            if (length == 0)
            {
                break;
            }
            int id = BinaryPrimitives.ReadInt32LittleEndian(ehFrame[(position + 4)..]);
            if (id != 0)
            {
                // An FDE: pc_begin follows the CIE pointer, pc-relative to its own field.
                long field = ehFrameAddress + position + 8;
                long initial = field + BinaryPrimitives.ReadInt32LittleEndian(ehFrame[(position + 8)..]);
                table.Add((initial, ehFrameAddress + position));
            }
            position += 4 + length;
        }
        table.Sort((a, b) => a.InitialLocation.CompareTo(b.InitialLocation));

        var w = new ByteWriter(12 + table.Count * 8);
        w.U8(1); // version
        w.U8(DW_EH_PE_pcrel | DW_EH_PE_sdata4); // eh_frame_ptr encoding
        w.U8(DW_EH_PE_udata4); // fde_count encoding
        w.U8(DW_EH_PE_datarel | DW_EH_PE_sdata4); // table encoding: relative to the header's start
        w.I32(checked((int)(ehFrameAddress - (headerAddress + 4))));
        w.U32((uint)table.Count);
        foreach ((long initial, long fde) in table)
        {
            w.I32(checked((int)(initial - headerAddress)));
            w.I32(checked((int)(fde - headerAddress)));
        }
        return w.ToArray();
    }

    private static void WriteCie(ByteWriter w, EhFramePointers pointers)
    {
        int start = w.Length;
        w.U32(0); // length, patched
        w.U32(0); // CIE id: 0 in .eh_frame
        w.U8(1); // version
        w.CString("zR"); // augmentation: a data length, then the FDE pointer encoding
        w.Uleb(1); // code alignment factor: advance in bytes
        w.Sleb(-8); // data alignment factor: offsets in 8-byte slots
        w.U8(DwarfReturnAddress); // return address column (a byte in version 1)
        w.Uleb(1); // augmentation data length
        w.U8(pointers == EhFramePointers.Absolute ? DW_EH_PE_absptr : (byte)(DW_EH_PE_pcrel | DW_EH_PE_sdata4));
        // At a call: CFA = rsp + 8 and the return address at CFA - 8.
        w.U8(DW_CFA_def_cfa);
        w.Uleb(DwarfRsp);
        w.Uleb(8);
        w.U8(DW_CFA_offset | DwarfReturnAddress);
        w.Uleb(1);
        Finish(w, start);
    }

    private static void WriteFde(ByteWriter w, CfiFunction function, EhFramePointers pointers, long sectionAddress)
    {
        int start = w.Length;
        w.U32(0); // length, patched
        w.U32((uint)w.Length); // CIE pointer: distance from this field back to the CIE at offset 0
        if (pointers == EhFramePointers.Absolute)
        {
            w.U64((ulong)function.Address);
            w.U64((ulong)function.Length);
        }
        else
        {
            long field = sectionAddress + w.Length;
            w.I32(checked((int)(function.Address - field)));
            w.U32((uint)function.Length);
        }
        w.Uleb(0); // augmentation data length

        FrameLayout frame = function.Frame;
        if (frame.HasFramePointer)
        {
            int location = 0;
            Advance(w, ref location, frame.AfterPushRbp);
            // push rbp: CFA = rsp + 16, caller's rbp at CFA - 16.
            w.U8(DW_CFA_def_cfa_offset);
            w.Uleb(16);
            w.U8(DW_CFA_offset | DwarfRbp);
            w.Uleb(2);
            Advance(w, ref location, frame.AfterMovRbp);
            // mov rbp, rsp: CFA = rbp + 16 from here on, whatever rsp does.
            w.U8(DW_CFA_def_cfa_register);
            w.Uleb(DwarfRbp);
            foreach (SavedRegister saved in frame.SavedRegisters)
            {
                Advance(w, ref location, saved.AfterSave);
                WriteOffset(w, DwarfRegister[saved.Register.Index], saved.CfaOffset);
            }
            foreach ((int epilogueStart, int epilogueEnd) in frame.Epilogues)
            {
                Advance(w, ref location, epilogueStart);
                // Frame torn down: CFA = rsp + 8, rbp holds the caller's value again.
                w.U8(DW_CFA_remember_state);
                w.U8(DW_CFA_def_cfa);
                w.Uleb(DwarfRsp);
                w.Uleb(8);
                w.U8(DW_CFA_restore | DwarfRbp);
                foreach (SavedRegister saved in frame.SavedRegisters)
                {
                    RestoreRegister(w, DwarfRegister[saved.Register.Index]);
                }
                if (epilogueEnd < function.Length)
                {
                    Advance(w, ref location, epilogueEnd);
                    w.U8(DW_CFA_restore_state);
                }
            }
        }
        Finish(w, start);
    }

    private static void WriteOffset(ByteWriter w, byte register, int cfaOffset)
    {
        // DW_CFA_offset takes a factored offset: cfaOffset / 8 (the data alignment factor is -8).
        w.U8((byte)(DW_CFA_offset | register));
        w.Uleb((ulong)(cfaOffset / 8));
    }

    private static void RestoreRegister(ByteWriter w, byte register)
    {
        if (register < 64)
        {
            w.U8((byte)(DW_CFA_restore | register));
        }
    }

    private static void Advance(ByteWriter w, ref int location, int target)
    {
        int delta = target - location;
        if (delta == 0)
        {
            return;
        }
        if (delta < 64)
        {
            w.U8((byte)(DW_CFA_advance_loc | delta));
        }
        else if (delta <= byte.MaxValue)
        {
            w.U8(DW_CFA_advance_loc1);
            w.U8((byte)delta);
        }
        else if (delta <= ushort.MaxValue)
        {
            w.U8(DW_CFA_advance_loc2);
            w.U16((ushort)delta);
        }
        else
        {
            w.U8(DW_CFA_advance_loc4);
            w.U32((uint)delta);
        }
        location = target;
    }

    /// <summary>Pads the entry with DW_CFA_nop to a multiple of 8 bytes (the address size) and patches its length.</summary>
    private static void Finish(ByteWriter w, int start)
    {
        w.Align(8, DW_CFA_nop);
        w.PatchU32(start, (uint)(w.Length - start - 4));
    }
}
