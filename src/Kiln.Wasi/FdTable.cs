using Kiln.Wasi.Abi;

namespace Kiln.Wasi;

/// <summary>
/// The guest's descriptor numbers. New descriptors take the lowest free number (as POSIX does and
/// as wasi-libc expects for stdio at 0, 1, 2 and preopens from 3).
/// </summary>
internal sealed class FdTable : IDisposable
{
    private readonly List<FdEntry?> _entries = [];

    /// <summary>Most descriptors a guest may hold at once (EMFILE beyond).</summary>
    public const int MaxDescriptors = 4096;

    public FdEntry Get(uint fd)
    {
        FdEntry? entry = fd < (uint)_entries.Count ? _entries[(int)fd] : null;
        return entry ?? throw new WasiErrnoException(Errno.BadF);
    }

    public bool TryGet(uint fd, out FdEntry? entry)
    {
        entry = fd < (uint)_entries.Count ? _entries[(int)fd] : null;
        return entry is not null;
    }

    public uint Add(FdEntry entry)
    {
        for (int i = 0; i < _entries.Count; i++)
        {
            if (_entries[i] is null)
            {
                _entries[i] = entry;
                return (uint)i;
            }
        }
        if (_entries.Count >= MaxDescriptors)
        {
            entry.Dispose();
            throw new WasiErrnoException(Errno.MFile);
        }
        _entries.Add(entry);
        return (uint)(_entries.Count - 1);
    }

    public void Close(uint fd)
    {
        FdEntry entry = Get(fd);
        _entries[(int)fd] = null;
        entry.Dispose();
    }

    /// <summary>Spec fd_renumber: <paramref name="to"/> (which must be open) is closed and becomes <paramref name="from"/>.</summary>
    public void Renumber(uint from, uint to)
    {
        FdEntry source = Get(from);
        FdEntry target = Get(to);
        if (from == to)
        {
            return;
        }
        target.Dispose();
        _entries[(int)to] = source;
        _entries[(int)from] = null;
    }

    public IEnumerable<(uint Fd, FdEntry Entry)> Entries()
    {
        for (int i = 0; i < _entries.Count; i++)
        {
            if (_entries[i] is { } e)
            {
                yield return ((uint)i, e);
            }
        }
    }

    public void Dispose()
    {
        foreach (FdEntry? e in _entries)
        {
            e?.Dispose();
        }
        _entries.Clear();
    }
}
