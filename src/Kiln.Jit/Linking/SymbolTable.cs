namespace Kiln.Jit.Linking;

/// <summary>
/// Names of things compiled code calls or reads that the compiler does not produce itself (host
/// functions, runtime helpers), mapped to their addresses. A name is interned once into a
/// <see cref="SymbolId"/> so relocations stay small and resolving them is an array read; an address
/// may be defined after the code that uses it was assembled, but must be defined before it is linked.
/// Safe for concurrent use.
/// </summary>
public sealed class SymbolTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _byName = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];
    private ulong[] _addresses = new ulong[16];
    private bool[] _defined = new bool[16];

    /// <summary>Number of symbols declared so far.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _names.Count;
            }
        }
    }

    /// <summary>The id of <paramref name="name"/>, declaring it (without an address) if new.</summary>
    public SymbolId Declare(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (_lock)
        {
            if (_byName.TryGetValue(name, out int id))
            {
                return new SymbolId(id);
            }
            id = _names.Count;
            _names.Add(name);
            _byName.Add(name, id);
            if (id == _addresses.Length)
            {
                Array.Resize(ref _addresses, id * 2);
                Array.Resize(ref _defined, id * 2);
            }
            return new SymbolId(id);
        }
    }

    /// <summary>Declares <paramref name="name"/> if needed and gives it <paramref name="address"/>.</summary>
    public SymbolId Define(string name, ulong address)
    {
        SymbolId id = Declare(name);
        Define(id, address);
        return id;
    }

    /// <summary>Sets the address of a declared symbol; redefining with a different address is an error.</summary>
    public void Define(SymbolId id, ulong address)
    {
        if (address == 0)
        {
            throw new ArgumentException("A symbol's address cannot be null.", nameof(address));
        }
        lock (_lock)
        {
            CheckId(id);
            if (_defined[id.Value] && _addresses[id.Value] != address)
            {
                throw new LinkException($"Symbol '{_names[id.Value]}' is already defined at 0x{_addresses[id.Value]:x}.");
            }
            _addresses[id.Value] = address;
            _defined[id.Value] = true;
        }
    }

    /// <summary>The id of <paramref name="name"/> if declared.</summary>
    public bool TryGetId(string name, out SymbolId id)
    {
        lock (_lock)
        {
            bool found = _byName.TryGetValue(name, out int value);
            id = new SymbolId(value);
            return found;
        }
    }

    public string GetName(SymbolId id)
    {
        lock (_lock)
        {
            CheckId(id);
            return _names[id.Value];
        }
    }

    /// <summary>The address of <paramref name="id"/>, false if it has none yet.</summary>
    public bool TryGetAddress(SymbolId id, out ulong address)
    {
        lock (_lock)
        {
            if ((uint)id.Value < (uint)_names.Count && _defined[id.Value])
            {
                address = _addresses[id.Value];
                return true;
            }
            address = 0;
            return false;
        }
    }

    /// <summary>The address of <paramref name="id"/>; a link error if it is undefined.</summary>
    public ulong GetAddress(SymbolId id)
    {
        if (TryGetAddress(id, out ulong address))
        {
            return address;
        }
        string name = (uint)id.Value < (uint)Count ? GetName(id) : id.ToString();
        throw new LinkException($"Symbol '{name}' has no address.");
    }

    /// <summary>The name of the symbol defined exactly at <paramref name="address"/>, for disassembly listings.</summary>
    public string? FindName(ulong address)
    {
        lock (_lock)
        {
            for (int i = 0; i < _names.Count; i++)
            {
                if (_defined[i] && _addresses[i] == address)
                {
                    return _names[i];
                }
            }
            return null;
        }
    }

    private void CheckId(SymbolId id)
    {
        if ((uint)id.Value >= (uint)_names.Count)
        {
            throw new LinkException($"{id} is not a symbol of this table.");
        }
    }
}
