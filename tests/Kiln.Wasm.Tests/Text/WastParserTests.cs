using System.Text;
using Kiln.Wasm.Text;
using Kiln.Wasm.Model;

namespace Kiln.Wasm.Tests.Text;

public sealed class WastParserTests
{
    private const string Script = """
        (module $M (func (export "f") (param i32) (result i32) (local.get 0)))
        (module binary "\00asm" "\01\00\00\00")
        (module $Q quote "(func)" " (memory 1)")
        (register "m" $M)
        (register "cur")
        (invoke "f" (i32.const -1))
        (get $M "g")
        (assert_return (invoke $M "f" (i32.const 1) (i64.const 0xffff_ffff_ffff_ffff) (f32.const -0) (f64.const nan:0x1)
                                      (ref.null func) (ref.null extern) (ref.extern 7)
                                      (v128.const i16x8 0 1 2 3 4 5 -1 0x8000))
          (i32.const 1) (f32.const nan:canonical) (f64.const nan:arithmetic) (ref.extern) (ref.func) (ref.extern 3)
          (v128.const f32x4 1.0 nan:canonical -0 nan:arithmetic) (v128.const i64x2 1 -1) (ref.null func))
        (assert_trap (invoke "f") "unreachable")
        (assert_trap (module (start 0) (func unreachable)) "unreachable")
        (assert_exhaustion (invoke "f") "call stack exhausted")
        (assert_invalid (module (func (result i32))) "type mismatch")
        (assert_malformed (module quote "(func") "unexpected end")
        (assert_unlinkable (module (import "x" "y" (func))) "unknown import")
        (assert_uninstantiable (module (func)) "out of bounds")
        """;

    [Fact]
    public void Every_command_form_parses()
    {
        WastScript script = WastParser.ParseScript(Script, "s.wast");
        Assert.Equal("s.wast", script.FileName);
        IReadOnlyList<WastCommand> c = script.Commands;
        Assert.Equal(15, c.Count);

        var m = Assert.IsType<WastModuleCommand>(c[0]);
        Assert.Equal(("$M", WastModuleKind.Text, 1), (m.Module.Id, m.Module.Kind, m.Module.Line));
        Assert.StartsWith("(module $M (func", Encoding.UTF8.GetString(m.Module.Bytes));
        Assert.EndsWith("(local.get 0)))", Encoding.UTF8.GetString(m.Module.Bytes));

        var b = Assert.IsType<WastModuleCommand>(c[1]).Module;
        Assert.Equal(WastModuleKind.Binary, b.Kind);
        Assert.Equal([0, (byte)'a', (byte)'s', (byte)'m', 1, 0, 0, 0], b.Bytes);

        var q = Assert.IsType<WastModuleCommand>(c[2]).Module;
        Assert.Equal((WastModuleKind.Quote, "$Q"), (q.Kind, q.Id));
        Assert.Equal("(func) (memory 1)", Encoding.UTF8.GetString(q.Bytes));

        Assert.Equal(new WastRegisterCommand(4, "m", "$M"), c[3]);
        Assert.Equal(new WastRegisterCommand(5, "cur", null), c[4]);

        var invoke = Assert.IsType<WastActionCommand>(c[5]).Action;
        Assert.Equal((WastActionKind.Invoke, null, "f"), (invoke.Kind, invoke.ModuleId, invoke.Name));
        Assert.Equal([WastValue.I32(0xFFFF_FFFF)], invoke.Arguments);
        var get = Assert.IsType<WastActionCommand>(c[6]).Action;
        Assert.Equal((WastActionKind.Get, "$M", "g", 7), (get.Kind, get.ModuleId, get.Name, get.Line));

        var ret = Assert.IsType<WastAssertReturn>(c[7]);
        Assert.Equal(8, ret.Line);
        Assert.Equal("$M", ret.Action.ModuleId);
        Assert.Equal(
            [WastValue.I32(1), WastValue.I64(ulong.MaxValue), WastValue.F32(0x8000_0000), WastValue.F64(0x7FF0_0000_0000_0001),
             WastValue.NullRef(ValType.FuncRef), WastValue.NullRef(ValType.ExternRef), WastValue.ExternRef(7),
             WastValue.V128(0x0003_0002_0001_0000, 0x8000_FFFF_0005_0004)],
            ret.Action.Arguments);
        IReadOnlyList<WastExpected> r = ret.Results;
        Assert.Equal(9, r.Count);
        Assert.Equal((WastExpectedKind.Value, WastValue.I32(1)), (r[0].Kind, r[0].Value));
        Assert.Equal((WastExpectedKind.Nan, ValType.F32, WastNanPattern.Canonical), (r[1].Kind, r[1].Type, r[1].Nan));
        Assert.Equal((WastExpectedKind.Nan, ValType.F64, WastNanPattern.Arithmetic), (r[2].Kind, r[2].Type, r[2].Nan));
        Assert.Equal(WastExpectedKind.AnyExternRef, r[3].Kind);
        Assert.Equal(WastExpectedKind.AnyFuncRef, r[4].Kind);
        Assert.Equal(WastValue.ExternRef(3), r[5].Value);
        Assert.Equal((WastExpectedKind.Lanes, V128Shape.F32x4), (r[6].Kind, r[6].Shape));
        Assert.Equal(
            [new WastLane(0x3F80_0000, WastNanPattern.None), new WastLane(0, WastNanPattern.Canonical),
             new WastLane(0x8000_0000, WastNanPattern.None), new WastLane(0, WastNanPattern.Arithmetic)],
            r[6].Lanes);
        Assert.Equal(WastValue.V128(1, ulong.MaxValue), r[7].Value);
        Assert.Equal(WastValue.NullRef(ValType.FuncRef), r[8].Value);

        var trap = Assert.IsType<WastAssertTrap>(c[8]);
        Assert.Equal(("unreachable", true, (WastModule?)null), (trap.Message, trap.Action is not null, trap.Module));
        var trapModule = Assert.IsType<WastAssertTrap>(c[9]);
        Assert.Null(trapModule.Action);
        Assert.Equal(WastModuleKind.Text, trapModule.Module!.Kind);
        Assert.Equal("call stack exhausted", Assert.IsType<WastAssertExhaustion>(c[10]).Message);
        Assert.Equal("type mismatch", Assert.IsType<WastAssertInvalid>(c[11]).Message);
        var malformed = Assert.IsType<WastAssertMalformed>(c[12]);
        Assert.Equal((WastModuleKind.Quote, "unexpected end", 17), (malformed.Module.Kind, malformed.Message, malformed.Line));
        Assert.Equal("unknown import", Assert.IsType<WastAssertUnlinkable>(c[13]).Message);
        Assert.Equal("out of bounds", Assert.IsType<WastAssertUninstantiable>(c[14]).Message);
    }

    [Theory]
    [InlineData("(assert_return (invoke \"f\") (i32.const 4294967296))", "constant out of range", 1, 40)]
    [InlineData("(assert_return (invoke \"f\") (f32.const nan:0x800000))", "constant out of range", 1, 40)]
    [InlineData("(assert_return (invoke \"f\") (v128.const i32x4 1 2 3))", "wrong number of lane literals", 1, 47)]
    [InlineData("(invoke \"f\" (f32.const nan:canonical))", "unexpected token", 1, 24)]
    [InlineData("(assert_bogus (invoke \"f\"))", "unknown command", 1, 2)]
    [InlineData("(module", "unexpected end of input", 1, 8)]
    [InlineData("(invoke \"\\ff\")", "malformed UTF-8 encoding", 1, 9)]
    [InlineData("(register $M)", "unexpected token", 1, 11)]
    [InlineData("\n(assert_return (invoke \"f\") (i32.const 1)", "unexpected end of input", 2, 42)]
    public void Malformed_scripts_report_positions(string text, string reason, int line, int column)
    {
        var e = Assert.Throws<MalformedModuleException>(() => WastParser.ParseScript(text, "bad.wast"));
        Assert.Equal((reason, line, column), (e.Reason, e.Line, e.Column));
    }

    [Fact]
    public void Bare_module_fields_form_an_implicit_module()
    {
        WastScript script = WastParser.ParseScript("(func) (memory 0) (func (export \"f\"))", "inline.wast");
        var m = Assert.IsType<WastModuleCommand>(Assert.Single(script.Commands));
        Assert.Equal(WastModuleKind.Text, m.Module.Kind);
    }
}
