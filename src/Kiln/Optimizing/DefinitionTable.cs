namespace Kiln.Optimizing;

/// <summary>
/// The SSA builder's current definitions: (variable, block) → value, an open-addressing hash table with linear probing
/// whose entries hold key and value together (one memory access per probe, where a <see cref="Dictionary{TKey,TValue}"/>
/// takes two). <see cref="Clear"/> costs nothing: an entry counts only when it carries the current generation, so the
/// table is reused from function to function; one grown by a huge function is replaced by a small one, so the small
/// functions after it keep their entries close together.
/// </summary>
internal sealed class DefinitionTable
{
    private const int InitialCapacity = 1024;
    private const int KeptCapacity = 1 << 16;

    private struct Entry
    {
        public int Local;
        public int Block;
        public int Value;
        public int Generation;
    }

    private Entry[] _entries = new Entry[InitialCapacity];
    private int _count;
    private int _generation = 1;

    /// <summary>Entries set since the last <see cref="Clear"/>.</summary>
    public int Count => _count;

    public void Clear()
    {
        _count = 0;
        if (_entries.Length > KeptCapacity)
        {
            _entries = new Entry[InitialCapacity];
            _generation = 1;
            return;
        }
        if (_generation == int.MaxValue)
        {
            Array.Clear(_entries);
            _generation = 0;
        }
        _generation++;
    }

    private static int Hash(int local, int block)
    {
        uint h = unchecked(((uint)local * 0x9E3779B1u) ^ ((uint)block * 0x85EBCA77u));
        return (int)(h ^ (h >> 16));
    }

    public bool TryGetValue(int local, int block, out int value)
    {
        Entry[] entries = _entries;
        int mask = entries.Length - 1;
        for (int i = Hash(local, block) & mask; ; i = (i + 1) & mask)
        {
            ref Entry e = ref entries[i];
            if (e.Generation != _generation)
            {
                value = 0;
                return false;
            }
            if (e.Local == local && e.Block == block)
            {
                value = e.Value;
                return true;
            }
        }
    }

    /// <summary>Sets or replaces the value of (<paramref name="local"/>, <paramref name="block"/>).</summary>
    public void Set(int local, int block, int value)
    {
        Entry[] entries = _entries;
        int mask = entries.Length - 1;
        for (int i = Hash(local, block) & mask; ; i = (i + 1) & mask)
        {
            ref Entry e = ref entries[i];
            if (e.Generation != _generation)
            {
                e = new Entry { Local = local, Block = block, Value = value, Generation = _generation };
                if (++_count * 2 > entries.Length)
                {
                    Grow();
                }
                return;
            }
            if (e.Local == local && e.Block == block)
            {
                e.Value = value;
                return;
            }
        }
    }

    private void Grow()
    {
        Entry[] old = _entries;
        var entries = new Entry[old.Length * 2];
        int mask = entries.Length - 1;
        foreach (Entry e in old)
        {
            if (e.Generation != _generation)
            {
                continue;
            }
            int i = Hash(e.Local, e.Block) & mask;
            while (entries[i].Generation == _generation)
            {
                i = (i + 1) & mask;
            }
            entries[i] = e;
        }
        _entries = entries;
    }
}
