using Kiln.Tests.Support;
using System.Collections.Immutable;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Text;

namespace Kiln.Tests.Api;

/// <summary>
/// Validation is the only door: every path by which an embedder could change a module after it
/// was validated (the model it passed in, the bytes it read from, what the module hands out) is
/// tried on every tier, and the module must still run exactly what was validated.
/// </summary>
public class ModuleImmutabilityTests
{
    private const string Validated = """
        (module
          (global $g (mut i32) (i32.const 7))
          (func (export "f") (param i32) (result i32) local.get 0 global.get $g i32.add))
        """;

    // Invalid as a replacement: no memory, and global 100000 does not exist.
    private const string Hostile = """
        (module
          (memory 1)
          (global (mut i32) (i32.const 0))
          (func (export "f") (param i32) (result i32) local.get 0 i32.load global.get 0 i32.add))
        """;

    public static TheoryData<string> Tiers => TestTiers.All;

    private static EngineOptions Options(string tier) => TestTiers.Options(tier);

    private static int CallF(Engine engine, Module module)
    {
        using var store = new Store(engine);
        Instance instance = new Linker(engine).Instantiate(store, module);
        return instance.GetFunction<int, int>("f").Invoke(35);
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void Changing_the_model_after_FromWasmModule_changes_nothing(string tier)
    {
        var engine = new Engine(Options(tier));
        WasmModule model = TextParser.ParseModule(Validated);
        Module module = Module.FromWasmModule(engine, model);

        // Every list of the caller's model replaced with the hostile module's parts.
        WasmModule hostile = TextParser.ParseModule(Hostile);
        model.Bodies[0] = hostile.Bodies[0];
        model.Memories.AddRange(hostile.Memories);
        model.Globals.Clear();
        model.Types[0] = new FuncType([ValType.I64], [ValType.I64]);
        model.Exports.Clear();
        model.Exports.Add(new Export("f", ExternKind.Global, 100_000));

        Assert.Equal(42, CallF(engine, module));
        Assert.Equal(ExternKind.Function, Assert.Single(module.Exports).Kind);
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void Overwriting_the_bytes_after_FromBinary_changes_nothing(string tier)
    {
        var engine = new Engine(Options(tier));
        byte[] bytes = ModuleWriter.Write(TextParser.ParseModule(Validated));
        Module module = Module.FromBinary(engine, bytes);

        // The lazy tier reads bodies on first call, long after validation: nothing of these bytes may reach it.
        Array.Fill(bytes, (byte)0xFF);

        Assert.Equal(42, CallF(engine, module));
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void What_a_module_hands_out_cannot_change_it(string tier)
    {
        var engine = new Engine(Options(tier));
        Module module = Module.FromText(engine, Validated);

        Assert.IsNotType<List<Export>>(module.Exports);
        Assert.IsNotType<List<Import>>(module.Imports);
        Assert.Throws<NotSupportedException>(() => ((IList<Export>)module.Exports).Clear());
        Assert.Throws<NotSupportedException>(() => ((IList<Import>)module.Imports).Add(new Import("m", "n", ExternKind.Function)));

        // ToWasmModule gives a fresh copy each time; changing it is not changing the module.
        WasmModule copy = module.ToWasmModule();
        Assert.NotSame(copy, module.ToWasmModule());
        copy.Bodies[0] = TextParser.ParseModule(Hostile).Bodies[0];
        copy.Globals.Clear();
        Assert.Equal(42, CallF(engine, module));

        // Function types are immutable, and an instance's export map is a read-only view.
        using var store = new Store(engine);
        Instance instance = new Linker(engine).Instantiate(store, module);
        ImmutableArray<ValType> ps = instance.GetFunction("f")!.Type.Params;
        Assert.Equal([ValType.I32], ps.ToArray());
        Assert.Throws<NotSupportedException>(() => ((IDictionary<string, Extern>)instance.Exports).Clear());
    }

    [Fact]
    public void A_model_exposes_no_public_path_to_the_module()
    {
        // The only public member of Module that returns a model is the copying one.
        var returningModels = typeof(Module).GetMembers(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static)
            .Where(m => m is System.Reflection.PropertyInfo p && p.PropertyType == typeof(WasmModule)
                || m is System.Reflection.MethodInfo mi && mi.ReturnType == typeof(WasmModule))
            .Select(m => m.Name);
        Assert.Equal(["ToWasmModule"], returningModels);
    }

    [Fact]
    public void A_function_type_copies_what_it_is_given()
    {
        ValType[] parameters = [ValType.I32, ValType.I64];
        var type = new FuncType(parameters, [ValType.F32]);
        parameters[0] = ValType.F64;
        Assert.Equal(ValType.I32, type.Params[0]);
    }

    [Fact]
    public void The_immutable_opcode_table_keeps_fixed_types()
    {
        OpcodeInfo add = OpcodeTable.Get(Opcode.I32Add);
        Assert.True(add.HasFixedTypes);
        Assert.Equal([ValType.I32, ValType.I32], add.Params.ToArray());
    }
}

/// <summary>The defence-in-depth checks every tier runs on index immediates before compiling them.</summary>
public class ImmediateChecksTests
{
    [Theory]
    [InlineData(Opcode.GlobalGet, 1u, 0u)]
    [InlineData(Opcode.Call, 1u, 0u)]
    [InlineData(Opcode.LocalGet, 1u, 0u)]
    [InlineData(Opcode.CallIndirect, 5u, 0u)]
    [InlineData(Opcode.CallIndirect, 0u, 3u)]
    [InlineData(Opcode.I32Load, 0u, 0u)]
    [InlineData(Opcode.DataDrop, 0u, 0u)]
    [InlineData(Opcode.ElemDrop, 0u, 0u)]
    [InlineData(Opcode.I8x16ExtractLaneS, 16u, 0u)]
    [InlineData(Opcode.I64x2ReplaceLane, 2u, 0u)]
    public void An_out_of_range_index_is_an_internal_error(Opcode opcode, uint index, uint index2)
    {
        var context = Kiln.Wasm.Validation.ModuleValidator.Validate(TextParser.ParseModule(
            "(module (type (func)) (table 1 funcref) (global i32 (i32.const 0)) (func (param i32)))"));
        var ins = new Instruction { Opcode = opcode, Index = index, Index2 = index2 };

        Assert.Throws<InternalErrorException>(() => Kiln.FrontEnd.ImmediateChecks.Check(in ins, context, localCount: 1));
        var inRange = new Instruction { Opcode = Opcode.GlobalGet, Index = 0 };
        Kiln.FrontEnd.ImmediateChecks.Check(in inRange, context, localCount: 1);
    }

    [Fact]
    public void A_shuffle_lane_past_both_operands_is_an_internal_error()
    {
        var context = Kiln.Wasm.Validation.ModuleValidator.Validate(TextParser.ParseModule("(module)"));
        var ins = new Instruction { Opcode = Opcode.I8x16Shuffle, V128 = new V128(0x0706050403020100, 0x20_0e0d0c0b0a0908) };
        Assert.Throws<InternalErrorException>(() => Kiln.FrontEnd.ImmediateChecks.Check(in ins, context, localCount: 0));
        ins.V128 = new V128(0x0706050403020100, 0x1f_0e0d0c0b0a0908);
        Kiln.FrontEnd.ImmediateChecks.Check(in ins, context, localCount: 0);
    }
}
