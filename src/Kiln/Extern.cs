using Kiln.Wasm.Model;

namespace Kiln;

/// <summary>
/// Something an instance can import or export: a <see cref="Func"/>, <see cref="Memory"/>,
/// <see cref="Table"/> or <see cref="Global"/>. Every extern belongs to one store.
/// </summary>
public abstract class Extern
{
    private protected Extern(Store store)
    {
        Store = store;
    }

    public Store Store { get; }

    public abstract ExternKind Kind { get; }
}
