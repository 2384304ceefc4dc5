namespace Kiln.Jit;

/// <summary>
/// The mutable counters behind <see cref="CodeMemoryStatistics"/>. Builders on several threads update them at
/// once, so every change is an <see cref="Interlocked"/> operation; a snapshot is not atomic across fields.
/// </summary>
internal sealed class CodeMemoryCounters
{
    public long BytesReserved;
    public long BytesCommitted;
    public long BytesUsed;
    public long PermissionChanges;
    public long MapCalls;
    public long UnmapCalls;
    public long MemfdCreates;
    public long BatchesSealed;
    public long BatchesFreed;
    public long LiveBatches;
    public long OpenBuilders;

    public static void Add(ref long counter, long delta) => Interlocked.Add(ref counter, delta);

    public static void Increment(ref long counter) => Interlocked.Increment(ref counter);

    public static long Read(ref long counter) => Interlocked.Read(ref counter);
}
