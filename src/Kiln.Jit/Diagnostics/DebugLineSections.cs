namespace Kiln.Jit.Diagnostics;

/// <summary>
/// The DWARF that gives GDB source lines for a batch: <c>.debug_line</c> (a line program per function, DWARF 4
/// section 6.2, version 3 header) and the smallest <c>.debug_info</c>/<c>.debug_abbrev</c> that reach it (one compile
/// unit with <c>DW_AT_stmt_list</c> and the batch's code range), which is how GDB finds a line table for an address.
/// </summary>
internal sealed class DebugLineSections
{
    private const byte DW_TAG_compile_unit = 0x11;
    private const byte DW_AT_name = 0x03;
    private const byte DW_AT_stmt_list = 0x10;
    private const byte DW_AT_low_pc = 0x11;
    private const byte DW_AT_high_pc = 0x12;
    private const byte DW_FORM_addr = 0x01;
    private const byte DW_FORM_data8 = 0x07;
    private const byte DW_FORM_string = 0x08;
    private const byte DW_FORM_sec_offset = 0x17;

    private const byte DW_LNS_copy = 0x01;
    private const byte DW_LNS_advance_pc = 0x02;
    private const byte DW_LNS_advance_line = 0x03;
    private const byte DW_LNS_set_file = 0x04;
    private const byte DW_LNE_end_sequence = 0x01;
    private const byte DW_LNE_set_address = 0x02;
    private const byte OpcodeBase = 13;

    private DebugLineSections(byte[] abbrev, byte[] info, byte[] line)
    {
        Abbrev = abbrev;
        Info = info;
        Line = line;
    }

    public byte[] Abbrev { get; }

    public byte[] Info { get; }

    public byte[] Line { get; }

    /// <summary>Builds the sections for the functions that have line tables, or returns null when none has.</summary>
    public static DebugLineSections? Build(long codeAddress, int codeSize, IReadOnlyList<(long Address, int Size, IReadOnlyList<SourceLocation> Lines)> functions)
    {
        List<string> files = [];
        Dictionary<string, int> fileIndex = [];
        foreach (var function in functions)
        {
            foreach (SourceLocation location in function.Lines)
            {
                if (!fileIndex.ContainsKey(location.File))
                {
                    files.Add(location.File);
                    fileIndex[location.File] = files.Count; // file numbers start at 1
                }
            }
        }
        if (files.Count == 0)
        {
            return null;
        }

        var abbrev = new ByteWriter(32);
        abbrev.Uleb(1);
        abbrev.Uleb(DW_TAG_compile_unit);
        abbrev.U8(0); // no children
        abbrev.Uleb(DW_AT_name);
        abbrev.Uleb(DW_FORM_string);
        abbrev.Uleb(DW_AT_stmt_list);
        abbrev.Uleb(DW_FORM_sec_offset);
        abbrev.Uleb(DW_AT_low_pc);
        abbrev.Uleb(DW_FORM_addr);
        abbrev.Uleb(DW_AT_high_pc);
        abbrev.Uleb(DW_FORM_data8); // DWARF 4: a constant high_pc is the size of the range
        abbrev.U8(0);
        abbrev.U8(0);
        abbrev.U8(0);

        var info = new ByteWriter(64);
        info.U32(0); // unit_length, patched
        info.U16(4);
        info.U32(0); // debug_abbrev_offset
        info.U8(8); // address size
        info.Uleb(1);
        info.CString(files[0]);
        info.U32(0); // stmt_list: the line program at offset 0
        info.U64((ulong)codeAddress);
        info.U64((ulong)codeSize);
        info.PatchU32(0, (uint)(info.Length - 4));

        var line = new ByteWriter(256);
        line.U32(0); // unit_length, patched
        line.U16(3);
        line.U32(0); // header_length, patched
        int headerStart = line.Length;
        line.U8(1); // minimum_instruction_length
        line.U8(1); // default_is_stmt
        line.U8(unchecked((byte)-5)); // line_base
        line.U8(14); // line_range
        line.U8(OpcodeBase);
        line.Bytes([0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1]); // operand counts of the standard opcodes 1..12
        line.U8(0); // no include directories
        foreach (string file in files)
        {
            line.CString(file);
            line.Uleb(0); // directory
            line.Uleb(0); // modification time
            line.Uleb(0); // length
        }
        line.U8(0);
        line.PatchU32(6, (uint)(line.Length - headerStart));

        foreach (var function in functions)
        {
            if (function.Lines.Count == 0)
            {
                continue;
            }
            // One sequence per function: its registers start at address 0, file 1, line 1.
            line.U8(0);
            line.Uleb(9);
            line.U8(DW_LNE_set_address);
            line.U64((ulong)function.Address);
            long address = function.Address;
            int file = 1;
            long lineNumber = 1;
            foreach (SourceLocation location in function.Lines)
            {
                int wanted = fileIndex[location.File];
                if (wanted != file)
                {
                    line.U8(DW_LNS_set_file);
                    line.Uleb((ulong)wanted);
                    file = wanted;
                }
                long target = function.Address + location.CodeOffset;
                if (target != address)
                {
                    line.U8(DW_LNS_advance_pc);
                    line.Uleb((ulong)(target - address));
                    address = target;
                }
                if (location.Line != lineNumber)
                {
                    line.U8(DW_LNS_advance_line);
                    line.Sleb(location.Line - lineNumber);
                    lineNumber = location.Line;
                }
                line.U8(DW_LNS_copy);
            }
            long end = function.Address + function.Size;
            if (end != address)
            {
                line.U8(DW_LNS_advance_pc);
                line.Uleb((ulong)(end - address));
            }
            line.U8(0);
            line.Uleb(1);
            line.U8(DW_LNE_end_sequence);
        }
        line.PatchU32(0, (uint)(line.Length - 4));
        return new DebugLineSections(abbrev.ToArray(), info.ToArray(), line.ToArray());
    }
}
