namespace Kiln.Jit;

/// <summary>
/// A sealed batch: functions on read-execute pages and their data on read-only pages, nothing writable. It hands
/// out executable addresses to call through <c>delegate* unmanaged</c>, and <see cref="Dispose"/> unmaps every page,
/// after which no function of the batch may be running or called. Freeing is explicit (no finalizer): unmapping
/// code that a raw pointer may still reach is worse than holding its pages until the owner lets go.
/// </summary>
public sealed unsafe class CodeBatch : IDisposable
{
    private readonly CodeMemory _owner;
    private readonly CodeRegion _region;
    private readonly long _usedBytes;
    private readonly long _committedBytes;
    private readonly List<IDisposable> _beforeFree = [];
    private int _disposed;

    internal CodeBatch(CodeMemory owner, CodeRegion region, long batchId, int codeBytes, int dataBytes,
        int functionCount, int dataCount, long committedBytes)
    {
        _owner = owner;
        _region = region;
        BatchId = batchId;
        CodeBytes = codeBytes;
        ReadOnlyDataBytes = dataBytes;
        FunctionCount = functionCount;
        ReadOnlyDataCount = dataCount;
        _usedBytes = codeBytes + (long)dataBytes;
        _committedBytes = committedBytes;
        CodeAddress = region.ExecutableBase;
        ReadOnlyDataAddress = region.ExecutableDataBase;
    }

    /// <summary>The identity carried by this batch's <see cref="CodeItem"/>s.</summary>
    public long BatchId { get; }

    /// <summary>Start of the batch's code (its first function).</summary>
    public nint CodeAddress { get; }

    /// <summary>Bytes of code, alignment padding included.</summary>
    public int CodeBytes { get; }

    /// <summary>Start of the batch's read-only data pages (directly after the code area of the reservation).</summary>
    public nint ReadOnlyDataAddress { get; }

    /// <summary>Bytes of read-only data, alignment padding included.</summary>
    public int ReadOnlyDataBytes { get; }

    public int FunctionCount { get; }

    public int ReadOnlyDataCount { get; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The strategy of the memory the batch lives in (diagnostics need anonymous memory for some tools).</summary>
    internal CodeMemoryStrategy Strategy => _owner.Strategy;

    /// <summary>The executable address of a function (cast it to a <c>delegate* unmanaged</c>) or of a data item.</summary>
    public nint GetAddress(CodeItem item)
    {
        CheckItem(item);
        return _region.ExecutableBase + item.Offset;
    }

    /// <summary>The sealed bytes of an item, read from its executable address (for disassembly and tests).</summary>
    public ReadOnlySpan<byte> GetBytes(CodeItem item) => new((void*)GetAddress(item), item.Length);

    /// <summary>Unmaps the batch's pages. Idempotent and safe to call from any thread.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            IDisposable[] attached;
            lock (_beforeFree)
            {
                attached = [.. _beforeFree];
                _beforeFree.Clear();
            }
            // Unwinders and debuggers must forget the code before its pages go away.
            foreach (IDisposable registration in attached)
            {
                registration.Dispose();
            }
            _owner.ReleaseBatch(this, _region, _usedBytes, _committedBytes);
        }
    }

    /// <summary>
    /// Ties <paramref name="registration"/> (a diagnostics registration of this batch's code) to the batch's life:
    /// it is disposed first when the batch is freed.
    /// </summary>
    internal void DisposeBeforeFree(IDisposable registration)
    {
        lock (_beforeFree)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            _beforeFree.Add(registration);
        }
    }

    private void CheckItem(CodeItem item)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (item.BatchId != BatchId)
        {
            throw new ArgumentException($"The item belongs to batch {item.BatchId}, not to this batch ({BatchId}).", nameof(item));
        }
        if (!CodeItemBounds.Contains(item, (int)_region.CodeAreaSize, CodeBytes, ReadOnlyDataBytes))
        {
            throw new ArgumentException($"The item ({item.Kind} at {item.Offset}, {item.Length} bytes) lies outside this batch.", nameof(item));
        }
    }
}
