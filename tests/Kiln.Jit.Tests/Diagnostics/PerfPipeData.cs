using Kiln.Jit.Diagnostics;

namespace Kiln.Jit.Tests.Diagnostics;

/// <summary>
/// Writes the smallest perf.data stream in perf's pipe format (tools/perf/Documentation/perf.data-file-format.txt:
/// the 16-byte pipe header, a PERF_RECORD_HEADER_ATTR, then PERF_RECORD_MMAP2 events) that makes <c>perf inject
/// --jit</c> process a jitdump: the mmap of <c>jit-PID.dump</c> that <c>perf record</c> would have seen. It lets the
/// inject step be tested where the kernel forbids sampling; the recorded path is tested too where sampling works.
/// </summary>
internal static class PerfPipeData
{
    private const ulong PipeMagic = 0x32454C4946524550; // "PERFILE2"
    private const uint RecordMmap2 = 10;
    private const uint RecordHeaderAttr = 64;
    private const ushort MiscUser = 2;

    private const ulong SampleIp = 1 << 0;
    private const ulong SampleTid = 1 << 1;
    private const ulong SampleTime = 1 << 2;
    private const ulong SamplePeriod = 1 << 8;

    public static byte[] MmapOfJitDump(int pid, long address, string dumpPath)
    {
        var w = new ByteWriter(512);
        w.U64(PipeMagic);
        w.U64(16);

        // PERF_RECORD_HEADER_ATTR: struct perf_event_attr (PERF_ATTR_SIZE_VER7, 128 bytes), then one id.
        int start = w.Length;
        w.U32(RecordHeaderAttr);
        w.U16(0);
        w.U16(0); // size, patched
        w.U32(1); // type: PERF_TYPE_SOFTWARE
        w.U32(128); // size
        w.U64(0); // config: PERF_COUNT_SW_CPU_CLOCK
        w.U64(4000); // sample_period
        w.U64(SampleIp | SampleTid | SampleTime | SamplePeriod);
        w.U64(0); // read_format
        // flags: mmap (8), comm (9), sample_id_all (18), mmap2 (23), use_clockid (25); perf inject --jit insists on CLOCK_MONOTONIC.
        w.U64((1UL << 8) | (1UL << 9) | (1UL << 18) | (1UL << 23) | (1UL << 25));
        w.U32(0); // wakeup_events
        w.U32(0); // bp_type
        w.U64(0); // config1
        w.U64(0); // config2
        w.U64(0); // branch_sample_type
        w.U64(0); // sample_regs_user
        w.U32(0); // sample_stack_user
        w.I32(1); // clockid: CLOCK_MONOTONIC
        w.U64(0); // sample_regs_intr
        w.U32(0); // aux_watermark
        w.U16(0); // sample_max_stack
        w.U16(0);
        w.U32(0); // aux_sample_size
        w.U32(0);
        w.U64(0); // sig_data
        w.U64(1); // the event id
        w.PatchU16(start + 6, (ushort)(w.Length - start));

        // PERF_RECORD_MMAP2 of the dump, executable, by the process that wrote it.
        start = w.Length;
        w.U32(RecordMmap2);
        w.U16(MiscUser);
        w.U16(0); // size, patched
        w.U32((uint)pid);
        w.U32((uint)pid);
        w.U64((ulong)address);
        w.U64(4096); // len
        w.U64(0); // pgoff
        w.U32(0); // maj
        w.U32(0); // min
        w.U64(0); // ino
        w.U64(0); // ino_generation
        w.U32(5); // prot: PROT_READ | PROT_EXEC
        w.U32(2); // flags: MAP_PRIVATE
        w.CString(dumpPath);
        w.Align(8);
        // sample_id_all trailer for IP|TID|TIME|PERIOD: pid, tid, time.
        w.U32((uint)pid);
        w.U32((uint)pid);
        w.U64(1);
        w.PatchU16(start + 6, (ushort)(w.Length - start));
        return w.ToArray();
    }
}
