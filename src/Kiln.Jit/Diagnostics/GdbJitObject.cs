namespace Kiln.Jit.Diagnostics;

/// <summary>
/// Builds the in-memory ELF object that describes one batch to GDB: a relocatable file whose <c>.text</c> is
/// <c>SHT_NOBITS</c> at the batch's real address (GDB reads the instructions from the process), a <c>.symtab</c>
/// with one FUNC symbol per function, the batch's <c>.eh_frame</c> (absolute addresses) so GDB unwinds through the
/// frames, and, when the compiler gave line tables, <c>.debug_line</c> with the compile unit that points at it.
/// </summary>
/// <remarks>
/// A relocatable object is what GDB's JIT reader takes most directly: every allocated section's address comes from
/// its <c>sh_addr</c>, and symbol values are offsets into their section. No relocations are needed because every
/// address is final when the batch is sealed.
/// </remarks>
internal static class GdbJitObject
{
    public readonly record struct Symbol(string Name, long Address, int Size);

    public static byte[] Build(long codeAddress, int codeSize, IReadOnlyList<Symbol> symbols, ReadOnlySpan<byte> ehFrame, DebugLineSections? debug)
    {
        var shstrtab = new ByteWriter(128);
        shstrtab.U8(0);
        uint Name(string name)
        {
            uint offset = (uint)shstrtab.Length;
            shstrtab.CString(name);
            return offset;
        }

        var strtab = new ByteWriter(64 + symbols.Count * 24);
        strtab.U8(0);
        var symtab = new ByteWriter((symbols.Count + 1) * Elf64.SymbolSize);
        Elf64.WriteSymbol(symtab, 0, 0, 0, 0, 0, 0);
        foreach (Symbol symbol in symbols)
        {
            uint name = (uint)strtab.Length;
            strtab.CString(symbol.Name);
            // ET_REL: a symbol's value is its offset in its section (.text, index 1).
            Elf64.WriteSymbol(symtab, name, Elf64.BindGlobal, Elf64.SymbolFunc, 1, (ulong)(symbol.Address - codeAddress), (ulong)symbol.Size);
        }

        // Sections after the null one: .text, .eh_frame, .symtab, .strtab, [.debug_abbrev, .debug_info, .debug_line], .shstrtab.
        List<(uint Name, uint Type, ulong Flags, ulong Address, byte[]? Data, ulong Size, uint Link, uint Info, ulong Align, ulong EntSize)> sections =
        [
            (Name(".text"), Elf64.SectionNoBits, Elf64.FlagAlloc | Elf64.FlagExec, (ulong)codeAddress, null, (ulong)codeSize, 0, 0, 16, 0),
            (Name(".eh_frame"), Elf64.SectionProgBits, 0, 0, ehFrame.ToArray(), (ulong)ehFrame.Length, 0, 0, 8, 0),
            (Name(".symtab"), Elf64.SectionSymTab, 0, 0, symtab.ToArray(), (ulong)symtab.Length, 4, 1, 8, Elf64.SymbolSize),
            (Name(".strtab"), Elf64.SectionStrTab, 0, 0, strtab.ToArray(), (ulong)strtab.Length, 0, 0, 1, 0),
        ];
        if (debug is not null)
        {
            sections.Add((Name(".debug_abbrev"), Elf64.SectionProgBits, 0, 0, debug.Abbrev, (ulong)debug.Abbrev.Length, 0, 0, 1, 0));
            sections.Add((Name(".debug_info"), Elf64.SectionProgBits, 0, 0, debug.Info, (ulong)debug.Info.Length, 0, 0, 1, 0));
            sections.Add((Name(".debug_line"), Elf64.SectionProgBits, 0, 0, debug.Line, (ulong)debug.Line.Length, 0, 0, 1, 0));
        }
        uint shstrtabName = Name(".shstrtab");
        sections.Add((shstrtabName, Elf64.SectionStrTab, 0, 0, shstrtab.ToArray(), (ulong)shstrtab.Length, 0, 0, 1, 0));

        var w = new ByteWriter(1024 + ehFrame.Length + symtab.Length + strtab.Length);
        w.Zeros(Elf64.HeaderSize);
        var offsets = new ulong[sections.Count];
        for (int i = 0; i < sections.Count; i++)
        {
            w.Align((int)sections[i].Align);
            offsets[i] = (ulong)w.Length;
            if (sections[i].Data is { } data)
            {
                w.Bytes(data);
            }
        }
        w.Align(8);
        ulong sectionHeaderOffset = (ulong)w.Length;
        Elf64.WriteSectionHeader(w, 0, 0, 0, 0, 0, 0);
        for (int i = 0; i < sections.Count; i++)
        {
            var s = sections[i];
            Elf64.WriteSectionHeader(w, s.Name, s.Type, s.Flags, s.Address, offsets[i], s.Size, s.Link, s.Info, s.Align, s.EntSize);
        }
        byte[] image = w.ToArray();
        var header = new ByteWriter(Elf64.HeaderSize);
        Elf64.WriteHeader(header, Elf64.TypeRelocatable, 0, 0, sectionHeaderOffset, (ushort)(sections.Count + 1), (ushort)sections.Count);
        header.Written.CopyTo(image);
        return image;
    }
}
