namespace Kiln.Wasm.Model;

/// <summary>The kind of an import or export; the value is its binary encoding.</summary>
public enum ExternKind : byte
{
    Function = 0,
    Table = 1,
    Memory = 2,
    Global = 3,
}
