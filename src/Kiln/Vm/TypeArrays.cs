using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Kiln.Wasm.Model;

namespace Kiln.Vm;

/// <summary>
/// The array behind an immutable type list (<see cref="FuncType.Params"/>, <see cref="FuncType.Results"/>),
/// for code paths that hold types in arrays beside block types. SECURITY: callers only read it; the
/// array never leaves the runtime, so a validated type cannot change.
/// </summary>
internal static class TypeArrays
{
    public static ValType[] ReadOnlyArray(this ImmutableArray<ValType> types) => ImmutableCollectionsMarshal.AsArray(types)!;
}
