namespace Kiln.Jit.Diagnostics;

/// <summary>
/// The few ELF64 structures (System V gABI, "Object Files") that the GDB objects of this folder are built from:
/// header, program and section headers, symbols and dynamic entries, written little-endian for x86-64.
/// </summary>
internal static class Elf64
{
    public const int HeaderSize = 64;
    public const int ProgramHeaderSize = 56;
    public const int SectionHeaderSize = 64;
    public const int SymbolSize = 24;
    public const int DynamicEntrySize = 16;

    public const ushort TypeRelocatable = 1;
    public const ushort TypeSharedObject = 3;
    public const ushort MachineX86_64 = 62;

    public const uint SectionProgBits = 1;
    public const uint SectionSymTab = 2;
    public const uint SectionStrTab = 3;
    public const uint SectionHash = 5;
    public const uint SectionDynamic = 6;
    public const uint SectionNoBits = 8;
    public const uint SectionDynSym = 11;

    public const ulong FlagWrite = 1;
    public const ulong FlagAlloc = 2;
    public const ulong FlagExec = 4;

    public const uint SegmentLoad = 1;
    public const uint SegmentDynamic = 2;
    public const uint SegmentGnuStack = 0x6474E551;
    public const uint SegmentExecute = 1;
    public const uint SegmentWrite = 2;
    public const uint SegmentRead = 4;

    public const byte BindLocal = 0;
    public const byte BindGlobal = 1;
    public const byte SymbolObject = 1;
    public const byte SymbolFunc = 2;
    public const byte SymbolSection = 3;
    public const byte SymbolFile = 4;

    public const long DynNull = 0;
    public const long DynHash = 4;
    public const long DynStrTab = 5;
    public const long DynSymTab = 6;
    public const long DynStrSz = 10;
    public const long DynSymEnt = 11;
    public const long DynSoName = 14;

    public static void WriteHeader(ByteWriter w, ushort type, ulong programHeaderOffset, ushort programHeaderCount,
        ulong sectionHeaderOffset, ushort sectionCount, ushort sectionNameIndex)
    {
        w.Bytes([0x7F, (byte)'E', (byte)'L', (byte)'F', 2 /* 64-bit */, 1 /* little-endian */, 1 /* version */, 0 /* System V ABI */]);
        w.Zeros(8);
        w.U16(type);
        w.U16(MachineX86_64);
        w.U32(1); // e_version
        w.U64(0); // e_entry
        w.U64(programHeaderOffset);
        w.U64(sectionHeaderOffset);
        w.U32(0); // e_flags
        w.U16(HeaderSize);
        w.U16(ProgramHeaderSize);
        w.U16(programHeaderCount);
        w.U16(SectionHeaderSize);
        w.U16(sectionCount);
        w.U16(sectionNameIndex);
    }

    public static void WriteProgramHeader(ByteWriter w, uint type, uint flags, ulong offset, ulong address, ulong size, ulong alignment)
    {
        w.U32(type);
        w.U32(flags);
        w.U64(offset);
        w.U64(address);
        w.U64(address); // p_paddr
        w.U64(size); // p_filesz
        w.U64(size); // p_memsz
        w.U64(alignment);
    }

    public static void WriteSectionHeader(ByteWriter w, uint name, uint type, ulong flags, ulong address, ulong offset, ulong size,
        uint link = 0, uint info = 0, ulong alignment = 1, ulong entrySize = 0)
    {
        w.U32(name);
        w.U32(type);
        w.U64(flags);
        w.U64(address);
        w.U64(offset);
        w.U64(size);
        w.U32(link);
        w.U32(info);
        w.U64(alignment);
        w.U64(entrySize);
    }

    public static void WriteSymbol(ByteWriter w, uint name, byte binding, byte type, ushort section, ulong value, ulong size)
    {
        w.U32(name);
        w.U8((byte)((binding << 4) | type));
        w.U8(0); // st_other: default visibility
        w.U16(section);
        w.U64(value);
        w.U64(size);
    }
}
