using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Text;

namespace Kiln.Wasm.Tests.Text;

public sealed class TextParserTests
{
    private static string Hex(ReadOnlyMemory<byte> bytes) => Convert.ToHexString(bytes.Span).ToLowerInvariant();

    [Fact]
    public void Inline_imports_and_exports_expand_in_order()
    {
        WasmModule m = TextParser.ParseModule("""
            (module
              (func $i (export "a") (export "b") (import "m" "n") (param i32))
              (global $g (import "m" "g") (mut i64))
              (memory (export "mem") (import "m" "mem") 1 2)
              (table $t (export "t") 3 externref)
              (func (export "c") (result i32) (i32.const 1)))
            """);
        Assert.Equal(3, m.Imports.Count);
        Assert.Equal(new Import("m", "n", ExternKind.Function) { FunctionTypeIndex = 0 }, m.Imports[0]);
        Assert.Equal(new GlobalType(ValType.I64, Mutable: true), m.Imports[1].Global);
        Assert.Equal(new Limits(1, 2), m.Imports[2].Memory!.Limits);
        Assert.Equal(new TableType(ValType.ExternRef, new Limits(3, null)), Assert.Single(m.Tables));
        Assert.Equal(
            [new Export("a", ExternKind.Function, 0), new Export("b", ExternKind.Function, 0), new Export("mem", ExternKind.Memory, 0),
             new Export("t", ExternKind.Table, 0), new Export("c", ExternKind.Function, 1)],
            m.Exports);
        Assert.Equal([1u], m.FunctionTypeIndices);
    }

    [Fact]
    public void Implicit_types_are_appended_after_explicit_ones_and_reused()
    {
        WasmModule m = TextParser.ParseModule("""
            (module
              (func $f (result f64) (f64.const 0))
              (func $g (param i32))
              (func $h (result f64) (f64.const 1))
              (type $t (func (param i32)))
              (func (type $t) (param $x i32) (local.get $x) drop)
              (func (block (param i32 i32) (result i64) drop drop (i64.const 0)) drop))
            """);
        Assert.Equal(
            [new FuncType([ValType.I32], []), new FuncType([], [ValType.F64]), new FuncType([], []),
             new FuncType([ValType.I32, ValType.I32], [ValType.I64])],
            m.Types);
        Assert.Equal([1u, 0u, 1u, 0u, 2u], m.FunctionTypeIndices);
        // block with a multi-value type uses type index 3 (s33); then the body.
        Assert.Equal("02031a1a42000b1a0b", Hex(m.Bodies[4].Code));
    }

    [Fact]
    public void Locals_labels_and_folded_instructions_encode()
    {
        WasmModule m = TextParser.ParseModule("""
            (module
              (func (param $a i32) (param f32) (local $b i64) (local i32 i32)
                (block $out (result i32)
                  (loop $in
                    (br_if $in (local.get $a))
                    (br_table $in $out (local.get 3)))
                  (if $c (result i32) (local.get 4)
                    (then (br $c (i32.const -1)))
                    (else (i32.const 0x7fffffff))))
                local.set $a
                block $x i32.const 1 if $y br $x else br $y end $y end $x))
            """);
        FunctionBody body = Assert.Single(m.Bodies);
        Assert.Equal([new LocalGroup(1, ValType.I64), new LocalGroup(2, ValType.I32)], body.Locals);
        Assert.Equal(
            "027f" + "0340" + "2000" + "0d00" + "2003" + "0e01" + "0001" + "0b" +
            "2004" + "047f" + "417f" + "0c00" + "05" + "41ffffffff07" + "0b" + "0b" +
            "2100" + "0240" + "4101" + "0440" + "0c01" + "05" + "0c00" + "0b" + "0b" + "0b",
            Hex(body.Code));
    }

    [Fact]
    public void Memory_instructions_constants_and_simd_encode()
    {
        WasmModule m = TextParser.ParseModule("""
            (module (memory 1) (table 1 funcref) (type $t (func (param i32)))
              (func (param v128)
                (i64.store32 offset=0x10 align=2 (i32.const 0) (i64.const -9223372036854775808))
                (drop (i32.load8_u (i32.const 0)))
                (drop (f32.const -0x1p-149))
                (drop (f64.const nan:0x4))
                (call_indirect 0 (type $t) (i32.const 7) (i32.const 0))
                (drop (select (result i32) (i32.const 1) (i32.const 2) (i32.const 0)))
                (drop (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31 (local.get 0) (local.get 0)))
                (drop (v128.load32_lane offset=4 3 (i32.const 0) (local.get 0)))
                (drop (v128.const i16x8 1 -1 2 3 4 5 6 0x8000))
                (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))
                (drop (ref.null extern))))
            """);
        string code = Hex(Assert.Single(m.Bodies).Code);
        Assert.Equal(
            "4100" + "42808080808080808080" + "7f" + "3e0110" +
            "4100" + "2d0000" + "1a" +
            "4301000080" + "1a" +
            "440400000000" + "00f07f" + "1a" +
            "4107" + "4100" + "110000" +
            "4101" + "4102" + "4100" + "1c017f" + "1a" +
            "2000" + "2000" + "fd0d" + "000102030405060708090a0b0c0d0e1f" + "1a" +
            "4100" + "2000" + "fd5602" + "04" + "03" + "1a" +
            "fd0c" + "0100ffff02000300040005000600" + "0080" + "1a" +
            "4100" + "4100" + "4100" + "fc0b00" +
            "d06f" + "1a" + "0b",
            code);
    }

    [Fact]
    public void Table_and_memory_abbreviations_create_segments()
    {
        WasmModule m = TextParser.ParseModule("""
            (module
              (func $f) (func $g)
              (table $t funcref (elem $g $f $g))
              (table externref (elem (ref.null extern)))
              (memory $m (data "abc" "\01"))
              (memory (data))
              (elem (table $t) (offset (i32.const 1)) funcref (ref.func $f) (item ref.null func))
              (elem $p func $g)
              (elem declare funcref (ref.func $f))
              (data (memory $m) (i32.const 70000) "x"))
            """);
        Assert.Equal(new TableType(ValType.FuncRef, new Limits(3, 3)), m.Tables[0]);
        Assert.Equal(new TableType(ValType.ExternRef, new Limits(1, 1)), m.Tables[1]);
        Assert.Equal(new Limits(1, 1), m.Memories[0].Limits);
        Assert.Equal(new Limits(0, 0), m.Memories[1].Limits);
        Assert.Equal(5, m.Elements.Count);
        ElementSegment inline = m.Elements[0];
        Assert.Equal((SegmentMode.Active, 0u, true), (inline.Mode, inline.TableIndex, inline.UsesFunctionIndices));
        Assert.Equal(["d2010b", "d2000b", "d2010b"], inline.Items.Select(i => Hex(i.Code)));
        Assert.Equal("41000b", Hex(inline.Offset!.Code));
        Assert.Equal((ValType.ExternRef, 1u, false), (m.Elements[1].ElementType, m.Elements[1].TableIndex, m.Elements[1].UsesFunctionIndices));
        Assert.Equal(["d2000b", "d0700b"], m.Elements[2].Items.Select(i => Hex(i.Code)));
        Assert.False(m.Elements[2].UsesFunctionIndices);
        Assert.Equal((SegmentMode.Passive, true), (m.Elements[3].Mode, m.Elements[3].UsesFunctionIndices));
        Assert.Equal(SegmentMode.Declarative, m.Elements[4].Mode);
        Assert.Equal("abc\u0001", System.Text.Encoding.ASCII.GetString(m.Data[0].Bytes.Span));
        Assert.Equal((SegmentMode.Active, 1u, 0), (m.Data[1].Mode, m.Data[1].MemoryIndex, m.Data[1].Bytes.Length));
        Assert.Equal("41f0a2040b", Hex(m.Data[2].Offset!.Code));
        Assert.Null(m.DataCount);
    }

    [Fact]
    public void Data_count_is_set_when_data_indices_are_used()
    {
        WasmModule m = TextParser.ParseModule("(memory 1) (data $d \"x\") (data \"y\") (func (data.drop $d))");
        Assert.Equal(2u, m.DataCount);
    }

    [Fact]
    public void Names_become_the_name_section()
    {
        WasmModule m = TextParser.ParseModule("(module $mod (import \"a\" \"b\" (func $imp)) (func $f) (func))");
        Assert.Equal("mod", m.Names.ModuleName);
        Assert.Equal(new Dictionary<uint, string> { [0] = "imp", [1] = "f" }, m.Names.FunctionNames);
    }

    [Fact]
    public void Quoted_and_implicit_modules_parse()
    {
        WasmModule quoted = TextParser.ParseModule("(module $q quote \"(func (export \\\"f\\\")\" \" (result i32) i32.const 42)\")");
        Assert.Equal("f", Assert.Single(quoted.Exports).Name);
        Assert.Equal("412a0b", Hex(Assert.Single(quoted.Bodies).Code));
        WasmModule bare = TextParser.ParseModule("(func) (memory 0) (func (export \"f\"))");
        Assert.Equal(2, bare.Bodies.Count);
        Assert.Single(bare.Memories);
    }

    [Theory]
    [InlineData("(module (func $f) (func $f))", "duplicate func", 1, 25)]
    [InlineData("(module (func (local $x i32) (local $x i64)))", "duplicate local", 1, 37)]
    [InlineData("(module (func) (import \"a\" \"b\" (func)))", "import after function", 1, 17)]
    [InlineData("(module (memory 0) (import \"a\" \"b\" (global i32)))", "import after memory", 1, 21)]
    [InlineData("(module (func\n  (i32.add0)))", "unknown operator i32.add0", 2, 4)]
    [InlineData("(module (func (block $a (br $b))))", "unknown label", 1, 29)]
    [InlineData("(module (func block $a end $b))", "mismatching label", 1, 28)]
    [InlineData("(module (func (local.get $x)))", "unknown local", 1, 26)]
    [InlineData("(module (func (call $nope)))", "unknown func", 1, 21)]
    [InlineData("(module (type $t (func)) (func (type $t) (param i32)))", "inline function type", 1, 32)]
    [InlineData("(module (func (result i32) (param i32)))", "unexpected token", 1, 28)]
    [InlineData("(module (memory 0x1_0000_0000))", "i32 constant out of range", 1, 17)]
    [InlineData("(module (func (drop (i32.load align=3 (i32.const 0)))))", "alignment must be a power of two", 1, 31)]
    [InlineData("(module (func (i32.const 2147483648_0)))", "constant out of range", 1, 26)]
    [InlineData("(module (start 0) (start 0) (func))", "multiple start sections", 1, 20)]
    [InlineData("(module (func (v128.const i32x4 1 2)))", "wrong number of lane literals", 1, 33)]
    [InlineData("(module (func (f32.const nan:1)))", "unknown operator nan:1", 1, 26)]
    [InlineData("(module (func)) (func)", "unexpected token", 1, 17)]
    [InlineData("(module (func (block (param $x i32))))", "unexpected token", 1, 29)]
    [InlineData("(module (func (export \"\\ff\")))", "malformed UTF-8 encoding", 1, 23)]
    [InlineData("(module (func $f \"a\"x))", "unknown operator", 1, 18)]
    [InlineData("(module (bogus))", "unknown operator", 1, 10)]
    [InlineData("(module (import \"a\" \"b\" (data)))", "unexpected token", 1, 26)]
    [InlineData("(module binary \"\\00asm\")", "unexpected token", 1, 9)]
    [InlineData("(module (func (i8x16.extract_lane_s 256 (local.get 0))))", "malformed lane index", 1, 37)]
    public void Malformed_text_reports_reason_and_position(string text, string reason, int line, int column)
    {
        var e = Assert.Throws<MalformedModuleException>(() => TextParser.ParseModule(text, "m.wat"));
        Assert.Equal((reason, line, column), (e.Reason, e.Line, e.Column));
        Assert.Equal("m.wat", e.SourceName);
    }

    [Fact]
    public void Quoted_script_module_errors_name_the_script_line()
    {
        WastScript script = WastParser.ParseScript("\n\n(assert_malformed (module quote \"(func\" \" (i32.const0))\") \"unknown operator\")", "q.wast");
        var command = Assert.IsType<WastAssertMalformed>(Assert.Single(script.Commands));
        var e = Assert.Throws<MalformedModuleException>(() => command.Module.ParseText());
        Assert.Equal("unknown operator i32.const0", e.Reason);
        Assert.StartsWith("q.wast:3(quote):1:8:", e.Message);
    }

    [Fact]
    public void Written_module_is_the_expected_binary()
    {
        WasmModule m = TextParser.ParseModule("""
            (module
              (import "env" "f" (func (param i32)))
              (memory 1)
              (global (mut i32) (i32.const 5))
              (func (export "run") (call 0 (i32.const 1)))
              (elem declare func 1)
              (data (i32.const 0) "hi"))
            """);
        byte[] bytes = ModuleWriter.Write(m);
        Assert.Equal(
            "0061736d01000000" +
            "0108" + "02" + "60017f00" + "600000" +
            "0209" + "01" + "03656e76" + "0166" + "0000" +
            "0302" + "0101" +
            "0503" + "010001" +
            "0606" + "01" + "7f01" + "41050b" +
            "0707" + "01" + "0372756e" + "0001" +
            "0905" + "01" + "03" + "00" + "0101" +
            "0a08" + "01" + "06" + "00" + "410110000b" +
            "0b08" + "01" + "00" + "41000b" + "026869",
            Convert.ToHexString(bytes).ToLowerInvariant());
    }
}
