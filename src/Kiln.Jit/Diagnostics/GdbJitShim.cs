namespace Kiln.Jit.Diagnostics;

/// <summary>
/// Builds the tiny ELF shared object that lets GDB find Kiln's JIT registrations. GDB's JIT interface looks up
/// <c>__jit_debug_register_code</c> (a function it breaks in) and <c>__jit_debug_descriptor</c> (the list of
/// in-memory objects) by name, in one loaded object; libcoreclr exports neither, and a .NET program cannot define a
/// C symbol, so Kiln writes this object (1,184 bytes) at start-up and loads it with <c>NativeLibrary.Load</c>.
/// </summary>
/// <remarks>
/// Layout: ELF header; four program headers; then, in a read-execute segment, <c>.hash</c> (SysV, one bucket),
/// <c>.dynsym</c>, <c>.dynstr</c> and a 16-byte <c>.text</c> holding <c>ret</c>; then, in a read-write segment one
/// page higher in memory, <c>.dynamic</c> and <c>.data</c> with the descriptor (version 1, no entries); finally the
/// section headers, which GDB's symbol reader uses. <c>PT_GNU_STACK</c> without execute keeps glibc from making every
/// thread stack executable, which it does for objects that lack the header. Nothing needs relocating.
/// </remarks>
internal static class GdbJitShim
{
    public const string RegisterFunctionName = "__jit_debug_register_code";
    public const string DescriptorName = "__jit_debug_descriptor";
    public const string SharedObjectName = "libkiln-gdbjit.so";

    /// <summary>Bytes of <c>struct jit_descriptor</c>: u32 version, u32 action_flag, two pointers.</summary>
    public const int DescriptorSize = 24;

    private const ulong DataSegmentBias = 0x1000;

    public static byte[] Build()
    {
        const int programHeaderCount = 4;
        // Dynamic strings.
        var dynstr = new ByteWriter(80);
        dynstr.U8(0);
        uint registerName = (uint)dynstr.Length;
        dynstr.CString(RegisterFunctionName);
        uint descriptorName = (uint)dynstr.Length;
        dynstr.CString(DescriptorName);
        uint soName = (uint)dynstr.Length;
        dynstr.CString(SharedObjectName);

        // File layout of the read-execute segment (file offset = address).
        ulong hashOffset = Elf64.HeaderSize + programHeaderCount * Elf64.ProgramHeaderSize;
        const int symbolCount = 3;
        ulong hashSize = 4 * (2 + 1 + symbolCount);
        ulong dynsymOffset = AlignUp(hashOffset + hashSize, 8);
        ulong dynstrOffset = dynsymOffset + symbolCount * Elf64.SymbolSize;
        ulong textOffset = AlignUp(dynstrOffset + (ulong)dynstr.Length, 16);
        const ulong textSize = 16;
        ulong codeSegmentEnd = textOffset + textSize;

        // The read-write segment: file offset + bias = address (congruent modulo the page size, as mmap requires).
        ulong dynamicOffset = AlignUp(codeSegmentEnd, 8);
        const int dynamicCount = 7;
        ulong dataOffset = dynamicOffset + dynamicCount * Elf64.DynamicEntrySize;
        ulong dataSegmentEnd = dataOffset + DescriptorSize;

        var shstrtab = new ByteWriter(64);
        shstrtab.U8(0);
        uint[] names = new uint[8];
        string[] sectionNames = ["", ".hash", ".dynsym", ".dynstr", ".text", ".dynamic", ".data", ".shstrtab"];
        for (int i = 1; i < sectionNames.Length; i++)
        {
            names[i] = (uint)shstrtab.Length;
            shstrtab.CString(sectionNames[i]);
        }
        ulong shstrtabOffset = dataSegmentEnd;
        ulong sectionHeaderOffset = AlignUp(shstrtabOffset + (ulong)shstrtab.Length, 8);

        var w = new ByteWriter(1400);
        Elf64.WriteHeader(w, Elf64.TypeSharedObject, Elf64.HeaderSize, programHeaderCount, sectionHeaderOffset, 8, 7);
        Elf64.WriteProgramHeader(w, Elf64.SegmentLoad, Elf64.SegmentRead | Elf64.SegmentExecute, 0, 0, codeSegmentEnd, 0x1000);
        Elf64.WriteProgramHeader(w, Elf64.SegmentLoad, Elf64.SegmentRead | Elf64.SegmentWrite, dynamicOffset, dynamicOffset + DataSegmentBias,
            dataSegmentEnd - dynamicOffset, 0x1000);
        Elf64.WriteProgramHeader(w, Elf64.SegmentDynamic, Elf64.SegmentRead | Elf64.SegmentWrite, dynamicOffset, dynamicOffset + DataSegmentBias,
            dynamicCount * Elf64.DynamicEntrySize, 8);
        Elf64.WriteProgramHeader(w, Elf64.SegmentGnuStack, Elf64.SegmentRead | Elf64.SegmentWrite, 0, 0, 0, 16);

        // .hash: nbucket = 1, nchain = 3; the one bucket starts at symbol 1, whose chain leads to symbol 2.
        Pad(w, hashOffset);
        w.U32(1);
        w.U32(symbolCount);
        w.U32(1);
        w.U32(0);
        w.U32(2);
        w.U32(0);

        Pad(w, dynsymOffset);
        Elf64.WriteSymbol(w, 0, 0, 0, 0, 0, 0);
        Elf64.WriteSymbol(w, registerName, Elf64.BindGlobal, Elf64.SymbolFunc, 4, textOffset, 1);
        Elf64.WriteSymbol(w, descriptorName, Elf64.BindGlobal, Elf64.SymbolObject, 6, dataOffset + DataSegmentBias, DescriptorSize);

        Pad(w, dynstrOffset);
        w.Bytes(dynstr.Written);

        // __jit_debug_register_code: ret. GDB plants its breakpoint here; the call from C# is never inlined away.
        Pad(w, textOffset);
        w.U8(0xC3);
        while ((ulong)w.Length < codeSegmentEnd)
        {
            w.U8(0xCC);
        }

        Pad(w, dynamicOffset);
        WriteDynamic(w, Elf64.DynHash, hashOffset);
        WriteDynamic(w, Elf64.DynStrTab, dynstrOffset);
        WriteDynamic(w, Elf64.DynSymTab, dynsymOffset);
        WriteDynamic(w, Elf64.DynStrSz, (ulong)dynstr.Length);
        WriteDynamic(w, Elf64.DynSymEnt, Elf64.SymbolSize);
        WriteDynamic(w, Elf64.DynSoName, soName);
        WriteDynamic(w, Elf64.DynNull, 0);

        // The descriptor: version 1 (GDB ignores other versions), no action, no entries.
        w.U32(1);
        w.U32(0);
        w.U64(0);
        w.U64(0);

        w.Bytes(shstrtab.Written);
        Pad(w, sectionHeaderOffset);
        Elf64.WriteSectionHeader(w, 0, 0, 0, 0, 0, 0);
        Elf64.WriteSectionHeader(w, names[1], Elf64.SectionHash, Elf64.FlagAlloc, hashOffset, hashOffset, hashSize, link: 2, alignment: 4, entrySize: 4);
        Elf64.WriteSectionHeader(w, names[2], Elf64.SectionDynSym, Elf64.FlagAlloc, dynsymOffset, dynsymOffset, symbolCount * Elf64.SymbolSize,
            link: 3, info: 1, alignment: 8, entrySize: Elf64.SymbolSize);
        Elf64.WriteSectionHeader(w, names[3], Elf64.SectionStrTab, Elf64.FlagAlloc, dynstrOffset, dynstrOffset, (ulong)dynstr.Length);
        Elf64.WriteSectionHeader(w, names[4], Elf64.SectionProgBits, Elf64.FlagAlloc | Elf64.FlagExec, textOffset, textOffset, textSize, alignment: 16);
        Elf64.WriteSectionHeader(w, names[5], Elf64.SectionDynamic, Elf64.FlagAlloc | Elf64.FlagWrite, dynamicOffset + DataSegmentBias, dynamicOffset,
            dynamicCount * Elf64.DynamicEntrySize, link: 3, alignment: 8, entrySize: Elf64.DynamicEntrySize);
        Elf64.WriteSectionHeader(w, names[6], Elf64.SectionProgBits, Elf64.FlagAlloc | Elf64.FlagWrite, dataOffset + DataSegmentBias, dataOffset,
            DescriptorSize, alignment: 8);
        Elf64.WriteSectionHeader(w, names[7], Elf64.SectionStrTab, 0, 0, shstrtabOffset, (ulong)shstrtab.Length);
        return w.ToArray();
    }

    private static void WriteDynamic(ByteWriter w, long tag, ulong value)
    {
        w.U64((ulong)tag);
        w.U64(value);
    }

    private static void Pad(ByteWriter w, ulong offset)
    {
        if ((ulong)w.Length > offset)
        {
            throw new InvalidOperationException($"GDB shim layout overlaps at 0x{offset:x} (written 0x{w.Length:x}).");
        }
        w.Zeros((int)(offset - (ulong)w.Length));
    }

    private static ulong AlignUp(ulong value, ulong alignment) => (value + alignment - 1) & ~(alignment - 1);
}
