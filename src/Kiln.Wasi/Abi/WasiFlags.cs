namespace Kiln.Wasi.Abi;

/// <summary>
/// The small flag sets and enumerations of the preview1 witx, each with its ABI values: fd flags,
/// open flags, lookup flags, timestamp flags, whence, clocks, event types and sizes of the structs
/// Kiln reads and writes in guest memory.
/// </summary>
public static class WasiFlags
{
    // fdflags (u16)
    public const ushort FdAppend = 1;
    public const ushort FdDsync = 2;
    public const ushort FdNonblock = 4;
    public const ushort FdRsync = 8;
    public const ushort FdSync = 16;

    // oflags (u16)
    public const ushort OCreat = 1;
    public const ushort ODirectory = 2;
    public const ushort OExcl = 4;
    public const ushort OTrunc = 8;

    // lookupflags (u32)
    public const uint LookupSymlinkFollow = 1;

    // fstflags (u16)
    public const ushort FstAtim = 1;
    public const ushort FstAtimNow = 2;
    public const ushort FstMtim = 4;
    public const ushort FstMtimNow = 8;

    // whence (u8)
    public const byte WhenceSet = 0;
    public const byte WhenceCur = 1;
    public const byte WhenceEnd = 2;

    // clockid (u32)
    public const uint ClockRealtime = 0;
    public const uint ClockMonotonic = 1;
    public const uint ClockProcessCputime = 2;
    public const uint ClockThreadCputime = 3;

    // eventtype (u8)
    public const byte EventClock = 0;
    public const byte EventFdRead = 1;
    public const byte EventFdWrite = 2;

    // subclockflags (u16), eventrwflags (u16)
    public const ushort SubclockAbstime = 1;
    public const ushort EventFdReadwriteHangup = 1;

    // advice (u8): normal .. noreuse
    public const byte AdviceNoReuse = 5;

    // preopentype (u8)
    public const byte PreopenDir = 0;

    // Struct sizes per the witx (the offsets are where each struct is written).
    public const int FilestatSize = 64;
    public const int FdstatSize = 24;
    public const int DirentSize = 24;
    public const int PrestatSize = 8;
    public const int EventSize = 32;
    public const int SubscriptionSize = 48;
    public const int IovecSize = 8;
}
