using Kiln.Wasm.Model;

namespace Kiln.Cli.Wast;

/// <summary>
/// The <c>spectest</c> host module that the spec scripts import (the reference interpreter's
/// <c>spectest.ml</c> at the 2.0 tag): print functions with no results, four immutable globals of
/// value 666 / 666.6, a funcref table of 10..20 elements and a memory of 1..2 pages.
/// </summary>
internal static class SpecTestHost
{
    public static void Define(Linker linker, Store store)
    {
        DefinePrint(linker, "print");
        DefinePrint(linker, "print_i32", ValType.I32);
        DefinePrint(linker, "print_i64", ValType.I64);
        DefinePrint(linker, "print_f32", ValType.F32);
        DefinePrint(linker, "print_f64", ValType.F64);
        DefinePrint(linker, "print_i32_f32", ValType.I32, ValType.F32);
        DefinePrint(linker, "print_f64_f64", ValType.F64, ValType.F64);
        linker.Define("spectest", "global_i32", Global.Create(store, new GlobalType(ValType.I32, false), Value.FromI32(666)));
        linker.Define("spectest", "global_i64", Global.Create(store, new GlobalType(ValType.I64, false), Value.FromI64(666)));
        linker.Define("spectest", "global_f32", Global.Create(store, new GlobalType(ValType.F32, false), Value.FromF32(666.6f)));
        linker.Define("spectest", "global_f64", Global.Create(store, new GlobalType(ValType.F64, false), Value.FromF64(666.6)));
        linker.Define("spectest", "table", Table.Create(store, new TableType(ValType.FuncRef, new Limits(10, 20)), Value.Null(ValType.FuncRef)));
        linker.Define("spectest", "memory", Memory.Create(store, new MemoryType(new Limits(1, 2))));
    }

    private static void DefinePrint(Linker linker, string name, params ValType[] parameters) =>
        linker.DefineFunction("spectest", name, new FuncType(parameters, []), static (_, _, _) => { });
}
