namespace Kiln.Jit;

/// <summary>
/// Collects the functions and read-only data of one batch in writable memory, then seals them all with one
/// permission change. Every item's final executable address is known as soon as it is added, and its bytes stay
/// writable (through <see cref="GetWritableSpan"/>) until <see cref="Seal"/>, so a linker can patch relocations
/// in place. A builder is used by one thread at a time; separate builders may run on separate threads.
/// </summary>
public sealed unsafe class CodeBatchBuilder : IDisposable
{
    private const int Open = 0;
    private const int Sealed = 1;
    private const int Abandoned = 2;

    private static long s_nextBatchId;

    private readonly CodeMemory _owner;
    private readonly CodeRegion _region;
    private readonly long _batchId;
    private int _state;
    private int _codeUsed;
    private int _dataUsed;
    private int _functionCount;
    private int _dataCount;
    private long _committedBytes;

    internal CodeBatchBuilder(CodeMemory owner, CodeRegion region)
    {
        _owner = owner;
        _region = region;
        _batchId = Interlocked.Increment(ref s_nextBatchId);
    }

    /// <summary>The identity that every <see cref="CodeItem"/> of this batch carries.</summary>
    public long BatchId => _batchId;

    /// <summary>Bytes of code the batch can take (the requested capacity rounded up to pages).</summary>
    public int CodeCapacity => (int)_region.CodeAreaSize;

    /// <summary>Bytes of read-only data the batch can take.</summary>
    public int ReadOnlyDataCapacity => (int)_region.DataAreaSize;

    /// <summary>Bytes of the code area used so far, alignment padding included.</summary>
    public int CodeBytesUsed => _codeUsed;

    /// <summary>Bytes of the data area used so far, alignment padding included.</summary>
    public int ReadOnlyDataBytesUsed => _dataUsed;

    /// <summary>Copies a function into the batch at the next 16-byte boundary.</summary>
    public CodeItem AddFunction(ReadOnlySpan<byte> code)
    {
        CodeItem item = AddFunction(code.Length, out Span<byte> body);
        code.CopyTo(body);
        return item;
    }

    /// <summary>Places a function of <paramref name="length"/> bytes at the next 16-byte boundary and hands out its writable bytes to emit into.</summary>
    public CodeItem AddFunction(int length, out Span<byte> body)
    {
        ThrowIfNotOpen();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        int offset = AlignUp(_codeUsed, CodeMemory.FunctionAlignment);
        if ((long)offset + length > CodeCapacity)
        {
            throw new CodeMemoryException(
                $"Batch code capacity of {CodeCapacity} bytes exceeded: {_codeUsed} used, a {length}-byte function needs {offset + (long)length - _codeUsed} more.");
        }
        // A stray jump into the gap between functions hits a trap instruction, not the next function's tail.
        Writable(_codeUsed, offset - _codeUsed).Fill(CodeMemory.CodePaddingByte);
        body = Writable(offset, length);
        Grow(ref _codeUsed, offset + length);
        _functionCount++;
        return new CodeItem(_batchId, CodeItemKind.Function, offset, length);
    }

    /// <summary>Copies read-only data (constants, a jump table) into the batch's data pages at the given alignment.</summary>
    public CodeItem AddReadOnlyData(ReadOnlySpan<byte> data, int alignment = 16)
    {
        CodeItem item = AddReadOnlyData(data.Length, alignment, out Span<byte> body);
        data.CopyTo(body);
        return item;
    }

    /// <summary>
    /// Places <paramref name="length"/> bytes of read-only data at a power-of-two <paramref name="alignment"/> (at most
    /// a page) and hands out its writable bytes. The data lands on pages that hold no code and that are read-only
    /// after the seal.
    /// </summary>
    public CodeItem AddReadOnlyData(int length, int alignment, out Span<byte> body)
    {
        ThrowIfNotOpen();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0 || alignment > CodeMemory.PageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, $"Alignment must be a power of two from 1 to {CodeMemory.PageSize}.");
        }
        int start = AlignUp(_dataUsed, alignment);
        if ((long)start + length > ReadOnlyDataCapacity)
        {
            throw new CodeMemoryException(
                $"Batch read-only data capacity of {ReadOnlyDataCapacity} bytes exceeded: {_dataUsed} used, {length} bytes at alignment {alignment} do not fit.");
        }
        int offset = CodeCapacity + start;
        body = Writable(offset, length);
        Grow(ref _dataUsed, start + length);
        _dataCount++;
        return new CodeItem(_batchId, CodeItemKind.ReadOnlyData, offset, length);
    }

    /// <summary>The writable bytes of an item of this batch, for patching until <see cref="Seal"/>; invalid afterwards.</summary>
    public Span<byte> GetWritableSpan(CodeItem item)
    {
        ThrowIfNotOpen();
        CheckItem(item);
        return Writable(item.Offset, item.Length);
    }

    /// <summary>
    /// The address the item will have once sealed (final already, for relocations). Code must not be called before
    /// <see cref="Seal"/>: its pages are not executable yet (mprotect) or not complete (dual mapping).
    /// </summary>
    public nint GetExecutableAddress(CodeItem item)
    {
        ThrowIfNotOpen();
        CheckItem(item);
        return _region.ExecutableBase + item.Offset;
    }

    /// <summary>
    /// Seals the batch: one permission change for all its functions (none under dual mapping, which drops the
    /// writable view), the instruction cache flushed, unused pages returned. The builder is finished afterwards.
    /// </summary>
    public CodeBatch Seal()
    {
        if (Interlocked.CompareExchange(ref _state, Sealed, Open) != Open)
        {
            ThrowNotOpen();
        }
        nuint codePages = PageSyscalls.RoundUpToPage((nuint)_codeUsed);
        nuint dataPages = PageSyscalls.RoundUpToPage((nuint)_dataUsed);
        // The tail of the last code page gets trap bytes too: nothing executable is left as zeros.
        Writable(_codeUsed, (int)codePages - _codeUsed).Fill(CodeMemory.CodePaddingByte);
        try
        {
            _owner.SealRegion(_region, codePages, dataPages, (nuint)_codeUsed);
        }
        catch
        {
            // A half-sealed region is never handed out: release it and report the failure.
            _owner.ReleaseAbandoned(this, _region, _codeUsed + (long)_dataUsed, _committedBytes);
            throw;
        }
        var batch = new CodeBatch(_owner, _region, _batchId, _codeUsed, _dataUsed, _functionCount, _dataCount, _committedBytes);
        _owner.OnBuilderSealed(this, batch);
        return batch;
    }

    /// <summary>Abandons an unsealed batch and returns its pages; does nothing after <see cref="Seal"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.CompareExchange(ref _state, Abandoned, Open) == Open)
        {
            _owner.ReleaseAbandoned(this, _region, _codeUsed + (long)_dataUsed, _committedBytes);
        }
    }

    private Span<byte> Writable(int offset, int length) => new((void*)(_region.WritableBase + offset), length);

    private void Grow(ref int used, int newUsed)
    {
        CodeMemoryCounters counters = _owner.Counters;
        long oldPages = (long)PageSyscalls.RoundUpToPage((nuint)used);
        long newPages = (long)PageSyscalls.RoundUpToPage((nuint)newUsed);
        CodeMemoryCounters.Add(ref counters.BytesUsed, newUsed - used);
        if (newPages != oldPages)
        {
            CodeMemoryCounters.Add(ref counters.BytesCommitted, newPages - oldPages);
            _committedBytes += newPages - oldPages;
        }
        used = newUsed;
    }

    private void CheckItem(CodeItem item)
    {
        if (item.BatchId != _batchId)
        {
            throw new ArgumentException($"The item belongs to batch {item.BatchId}, not to this batch ({_batchId}).", nameof(item));
        }
        if (!CodeItemBounds.Contains(item, CodeCapacity, _codeUsed, _dataUsed))
        {
            throw new ArgumentException($"The item ({item.Kind} at {item.Offset}, {item.Length} bytes) lies outside what this batch holds.", nameof(item));
        }
    }

    private void ThrowIfNotOpen()
    {
        if (Volatile.Read(ref _state) != Open)
        {
            ThrowNotOpen();
        }
    }

    private void ThrowNotOpen() => throw new InvalidOperationException(
        _state == Sealed ? "The batch is already sealed: use the CodeBatch that Seal returned." : "The batch builder was disposed.");

    private static int AlignUp(int value, int alignment) => (value + alignment - 1) & ~(alignment - 1);
}
