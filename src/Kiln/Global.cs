using Kiln.Vm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln;

/// <summary>
/// A global variable: a 16-byte native cell that compiled code and every importing instance read
/// through a pointer, so a mutable global exported by one instance is shared, as the spec requires.
/// The cell holds a value as a row of slots does (<see cref="SlotLayout"/>): a v128 fills it.
/// </summary>
public sealed unsafe class Global : Extern
{
    private Global(Store store, GlobalType type)
        : base(store)
    {
        Type = type;
        Cell = (ulong*)store.AllocateNative(VmOffsets.GlobalCellSize);
    }

    public override ExternKind Kind => ExternKind.Global;

    public GlobalType Type { get; }

    internal ulong* Cell { get; }

    /// <summary>Creates a global owned by <paramref name="store"/>.</summary>
    public static Global Create(Store store, GlobalType type, Value initial)
    {
        store.ThrowIfDisposed();
        if (initial.Type != type.ValueType)
        {
            throw new ArgumentException($"initial value is {initial.Type.ToText()}, global is {type.ValueType.ToText()}", nameof(initial));
        }
        var g = new Global(store, type);
        store.WriteSlots(initial, g.Cell);
        return g;
    }

    /// <summary>A global whose 16-byte cell starts as <paramref name="contents"/> (a one-slot value has a zero high half).</summary>
    internal static Global CreateFromCell(Store store, GlobalType type, V128 contents)
    {
        var g = new Global(store, type);
        g.Cell[0] = contents.Low;
        g.Cell[1] = contents.High;
        return g;
    }

    public Value Value
    {
        get
        {
            Store.ThrowIfDisposed();
            return Store.ReadSlots(Type.ValueType, Cell);
        }
        set
        {
            Store.ThrowIfDisposed();
            if (!Type.Mutable)
            {
                throw new InvalidOperationException("the global is immutable");
            }
            if (value.Type != Type.ValueType)
            {
                throw new ArgumentException($"value is {value.Type.ToText()}, global is {Type.ValueType.ToText()}", nameof(value));
            }
            Store.WriteSlots(value, Cell);
        }
    }
}
