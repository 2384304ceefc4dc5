using System.Runtime.InteropServices;
using Kiln.Vm;
using Kiln.Wasm.Model;

namespace Kiln;

/// <summary>
/// A table of references in native memory: funcref entries are <see cref="VmFuncRef"/> pointers,
/// externref entries store handles, zero is null. Code reaches the elements through the table's
/// definition, so growing (which may move the elements) updates every user at once.
/// </summary>
public sealed unsafe class Table : Extern
{
    private VmTableDefinition* _definition;

    private Table(Store store, TableType type, uint maximum)
        : base(store)
    {
        Type = type;
        MaximumElements = maximum;
        _definition = (VmTableDefinition*)NativeMemory.AllocZeroed((nuint)sizeof(VmTableDefinition));
    }

    public override ExternKind Kind => ExternKind.Table;

    public TableType Type { get; }

    public ValType ElementType => Type.ElementType;

    /// <summary>Most elements this table may reach: the declared maximum capped by the store's limit.</summary>
    public uint MaximumElements { get; }

    public uint Size
    {
        get
        {
            Store.ThrowIfDisposed();
            return _definition->Length;
        }
    }

    internal VmTableDefinition* Definition => _definition;

    /// <summary>Creates a table owned by <paramref name="store"/>, every element set to <paramref name="initial"/>.</summary>
    public static Table Create(Store store, TableType type, Value initial)
    {
        store.ThrowIfDisposed();
        if (initial.Type != type.ElementType)
        {
            throw new ArgumentException($"initial value is {initial.Type.ToText()}, table holds {type.ElementType.ToText()}", nameof(initial));
        }
        return CreateFromSlot(store, type, store.ToSlot(initial));
    }

    internal static Table CreateFromSlot(Store store, TableType type, ulong initial)
    {
        uint limit = store.Limits.MaxTableElements;
        if (type.Limits.Min > limit)
        {
            throw new ResourceLimitException($"table of {type.Limits.Min} elements exceeds the limit of {limit} elements");
        }
        var table = new Table(store, type, Math.Min(type.Limits.Max ?? uint.MaxValue, limit));
        store.Own(new Storage(table));
        if (!table.TryGrow(type.Limits.Min, initial, out _))
        {
            throw new ResourceLimitException($"cannot allocate a table of {type.Limits.Min} elements");
        }
        return table;
    }

    public Value Get(uint index)
    {
        Store.ThrowIfDisposed();
        if (index >= _definition->Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is outside the table of {_definition->Length} elements");
        }
        return Store.FromSlot(ElementType, (ulong)_definition->Elements[index]);
    }

    public void Set(uint index, Value value)
    {
        Store.ThrowIfDisposed();
        if (value.Type != ElementType)
        {
            throw new ArgumentException($"value is {value.Type.ToText()}, table holds {ElementType.ToText()}", nameof(value));
        }
        if (index >= _definition->Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is outside the table of {_definition->Length} elements");
        }
        _definition->Elements[index] = (nint)Store.ToSlot(value);
    }

    /// <summary>Spec 4.4.6 table.grow: returns the previous size, or -1 when the limit refuses.</summary>
    public int Grow(uint delta, Value initial)
    {
        Store.ThrowIfDisposed();
        if (initial.Type != ElementType)
        {
            throw new ArgumentException($"value is {initial.Type.ToText()}, table holds {ElementType.ToText()}", nameof(initial));
        }
        return TryGrow(delta, Store.ToSlot(initial), out uint previous) ? (int)previous : -1;
    }

    internal bool TryGrow(uint delta, ulong initial, out uint previous)
    {
        previous = _definition->Length;
        ulong newLength = (ulong)previous + delta;
        if (newLength > MaximumElements)
        {
            return false;
        }
        if (delta == 0)
        {
            return true;
        }
        nint* elements;
        try
        {
            elements = (nint*)NativeMemory.Realloc(_definition->Elements, (nuint)(newLength * (ulong)sizeof(nint)));
        }
        catch (OutOfMemoryException)
        {
            return false;
        }
        new Span<nint>(elements + previous, (int)delta).Fill((nint)initial);
        _definition->Elements = elements;
        _definition->Length = (uint)newLength;
        return true;
    }

    /// <summary>Frees the native elements when the store is released (the store owns every table).</summary>
    private sealed class Storage(Table table) : IDisposable
    {
        public void Dispose()
        {
            if (table._definition != null)
            {
                NativeMemory.Free(table._definition->Elements);
                NativeMemory.Free(table._definition);
                table._definition = null;
            }
        }
    }
}
