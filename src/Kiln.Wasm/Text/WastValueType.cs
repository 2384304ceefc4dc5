namespace Kiln.Wasm.Text;

/// <summary>The value types a script constant or result can have (the WebAssembly 2.0 value types).</summary>
public enum WastValueType
{
    I32,
    I64,
    F32,
    F64,
    V128,
    FuncRef,
    ExternRef,
}
