using Kiln.Wasm.Binary;
using static Kiln.Wasm.Tests.Binary.WasmBuilder;

namespace Kiln.Wasm.Tests.Binary;

/// <summary>Hand-built valid modules for the reader, validator and fuzzing tests.</summary>
internal static class SampleModules
{
    /// <summary>
    /// A module with every section and every element and data encoding: imports of each kind but
    /// memory, a body with blocks, br_table, loop, if/else, loads, SIMD, and a name section.
    /// Function indices: 0 imported <c>f</c>, 1 <c>add</c>, 2 <c>start</c>.
    /// </summary>
    public static byte[] Rich()
    {
        byte[] add =
        [
            0x20, 0x00, 0x20, 0x01, 0x6A, // local.get 0, local.get 1, i32.add
            0x22, 0x00, // local.tee 0
            0x02, 0x7F, 0x20, 0x00, 0x20, 0x01, 0x0E, 0x02, 0x00, 0x00, 0x00, 0x0B, // block i32 (br_table 0 0 0) end
            0x6A, // i32.add
            0x03, 0x40, 0x41, 0x00, 0x0D, 0x00, 0x0B, // loop (i32.const 0, br_if 0) end
            0x04, 0x7F, 0x41, 0x01, 0x05, 0x41, 0x00, 0x28, 0x02, 0x04, 0x0B, // if i32 1 else (i32.load offset=4 (i32.const 0)) end
            0x42, 0x7F, 0x21, 0x02, // i64.const -1, local.set 2
            0xFD, 0x0C, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, // v128.const
            0xFD, 0x16, 0x03, // i8x16.extract_lane_u 3
            0x6A, // i32.add
            0x3F, 0x00, 0x6A, // memory.size, i32.add
        ];
        byte[] start =
        [
            0x41, 0x05, 0x10, 0x00, // i32.const 5, call 0
            0x41, 0x00, 0x41, 0x00, 0x41, 0x01, 0xFC, 0x08, 0x01, 0x00, // memory.init 1
            0xFC, 0x09, 0x01, // data.drop 1
            0xD2, 0x01, 0x1A, // ref.func 1, drop
            0x01, // nop
        ];
        byte[] i32Const0 = [0x41, 0x00, 0x0B];
        return new WasmBuilder()
            .Section(SectionId.Custom, Cat(Name("other"), [1, 2, 3]))
            .Types(([], []), ([I32, I32], [I32]), ([I32], []))
            .Section(SectionId.Import, Vec(
                Cat(Name("env"), Name("f"), [0x00, 0x02]),
                Cat(Name("env"), Name("g"), [0x03, I32, 0x00]),
                Cat(Name("env"), Name("t"), [0x01, FuncRef, 0x00, 0x01])))
            .Functions(1, 0)
            .Section(SectionId.Table, Vec([FuncRef, 0x01, 0x02, 0x0A]))
            .Section(SectionId.Memory, Vec([0x01, 0x01, 0x02]))
            .Section(SectionId.Global, Vec(
                [I64, 0x01, 0x42, 0x7F, 0x0B],
                [FuncRef, 0x00, 0xD2, 0x01, 0x0B]))
            .Section(SectionId.Export, Vec(
                Cat(Name("add"), [0x00, 0x01]),
                Cat(Name("mem"), [0x02, 0x00]),
                Cat(Name("tab"), [0x01, 0x01])))
            .Section(SectionId.Start, 0x02)
            .Section(SectionId.Element, Vec(
                Cat([0x00], i32Const0, Vec([0x01])),
                Cat([0x01, 0x00], Vec([0x01], [0x02])),
                Cat([0x02, 0x01, 0x23, 0x00, 0x0B, 0x00], Vec([0x02])),
                Cat([0x03, 0x00], Vec([0x02])),
                Cat([0x04, 0x41, 0x01, 0x0B], Vec([0xD2, 0x01, 0x0B])),
                Cat([0x05, ExternRef], Vec([0xD0, ExternRef, 0x0B])),
                Cat([0x06, 0x01], i32Const0, [FuncRef], Vec([0xD0, FuncRef, 0x0B], [0xD2, 0x02, 0x0B])),
                Cat([0x07, FuncRef], Vec([0xD2, 0x01, 0x0B]))))
            .Section(SectionId.DataCount, 0x03)
            .Code(([0x01, 0x01, I64], add), ([0x00], start))
            .Section(SectionId.Data, Vec(
                Cat([0x00], i32Const0, Name("hi")),
                Cat([0x01], Name("abc")),
                Cat([0x02, 0x00, 0x41, 0x10, 0x0B], Name("x"))))
            .Section(SectionId.Custom, Cat(Name("name"),
                [0x00], Sized(Name("rich")),
                [0x01], Sized(Vec(Cat([0x01], Name("add")), Cat([0x02], Name("start")))),
                [0x02], Sized(Vec(Cat([0x01], Vec(Cat([0x00], Name("a")), Cat([0x01], Name("b"))))))))
            .Build();
    }

    /// <summary>A function <c>[i32 i32] -&gt; [i32]</c> that adds its parameters.</summary>
    public static byte[] Add() => Function([I32, I32], [I32], [0x20, 0x00, 0x20, 0x01, 0x6A]).Build();
}
