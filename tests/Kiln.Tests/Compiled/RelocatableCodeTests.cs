using Kiln.Compiled;

namespace Kiln.Tests.Compiled;

/// <summary>
/// A function's machine code depends on neither the engine nor the process: runtime helpers and signature ids are
/// reached through vmctx, so the same module compiles to the same bytes in two engines whose signature ids differ.
/// </summary>
public class RelocatableCodeTests
{
    // Direct calls (defined and imported), call_indirect, every helper kind (memory.grow/fill/copy/init, data.drop,
    // table.init/grow/fill/copy, elem.drop, float truncation), traps, and a constant from the read-only data.
    private const string Wat = """
        (module
          (type $ii (func (param i32) (result i32)))
          (import "env" "h" (func $h (param i32) (result i32)))
          (memory 1 10)
          (table $t 4 10 funcref)
          (elem $e func $inc $dbl)
          (data $d "hello")
          (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
          (func $dbl (type $ii) (i32.mul (local.get 0) (i32.const 2)))
          (func (export "all") (param $x i32) (param $f f64) (result i32)
            (local $r i32)
            (local.set $r (call $inc (local.get $x)))
            (local.set $r (i32.add (local.get $r) (call $h (local.get $x))))
            (drop (memory.grow (i32.const 1)))
            (memory.fill (i32.const 0) (i32.const 7) (i32.const 16))
            (memory.copy (i32.const 32) (i32.const 0) (i32.const 16))
            (memory.init $d (i32.const 64) (i32.const 0) (i32.const 5))
            (data.drop $d)
            (table.init $t $e (i32.const 0) (i32.const 0) (i32.const 2))
            (elem.drop $e)
            (drop (table.grow $t (ref.null func) (i32.const 1)))
            (table.fill $t (i32.const 2) (ref.func $inc) (i32.const 1))
            (table.copy $t $t (i32.const 3) (i32.const 0) (i32.const 1))
            (local.set $r (i32.add (local.get $r) (call_indirect (type $ii) (local.get $x) (i32.const 1))))
            (local.set $r (i32.add (local.get $r) (i32.trunc_f64_s (local.get $f))))
            (local.set $r (i32.add (local.get $r) (i32.trunc_sat_f64_u (local.get $f))))
            (local.set $r (i32.add (local.get $r) (i32.load (i32.const 64))))
            (if (i32.eqz (local.get $x)) (then unreachable))
            (i32.add (i32.div_s (local.get $r) (local.get $x)) (i32.trunc_f32_s (f32.const 2.5)))))
        """;

    // Registered first in one engine so that the module's types get other ids there.
    private const string OtherTypes = """
        (module
          (func (param f64) (result f64) (local.get 0))
          (func (param i64 i64))
          (func (result f32) (f32.const 1))
          (func (param i32 i32 i32) (result i64) (i64.const 0)))
        """;

    [Fact]
    public void TheSameModuleCompilesToTheSameBytesInEnginesWithDifferentSignatureIds()
    {
        var options = new EngineOptions { Tier = Tier.Baseline, CompilationThreads = 1 };
        using var first = new Engine(options);
        using var second = new Engine(options);
        Module.FromText(second, OtherTypes);
        Module a = Module.FromText(first, Wat);
        Module b = Module.FromText(second, Wat);
        // The premise: the engines number the module's types differently.
        Assert.NotEqual(a.SignatureIds, b.SignatureIds);

        IReadOnlyList<CodeSymbol> fa = a.CompiledFunctions;
        IReadOnlyList<CodeSymbol> fb = b.CompiledFunctions;
        Assert.Equal(3, fa.Count);
        Assert.Equal(fa.Select(f => f.Name), fb.Select(f => f.Name));
        for (int i = 0; i < fa.Count; i++)
        {
            Assert.Equal(a.GetMachineCode(fa[i]), b.GetMachineCode(fb[i]));
        }
    }

    [Fact]
    public void NoHelperAddressOrSignatureIdIsInTheCode()
    {
        using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline });
        // Other types first, so that the module's ids are not small numbers that occur anyway.
        for (int i = 0; i < 300; i++)
        {
            engine.GetSignatureId(new Wasm.Model.FuncType([Wasm.Model.ValType.I32], Enumerable.Repeat(Wasm.Model.ValType.I64, i % 20).ToArray()));
            engine.GetSignatureId(new Wasm.Model.FuncType(Enumerable.Repeat(Wasm.Model.ValType.F32, i).ToArray(), []));
        }
        Module module = Module.FromText(engine, Wat);
        int id = module.SignatureIds[0];
        Assert.True(id > 255);
        byte[] idBytes = BitConverter.GetBytes(id);
        foreach (CodeSymbol f in module.CompiledFunctions)
        {
            byte[] code = module.GetMachineCode(f);
            foreach (RuntimeHelper helper in Enum.GetValues<RuntimeHelper>())
            {
                Assert.Equal(-1, code.AsSpan().IndexOf(BitConverter.GetBytes((long)HelperTable.Get(helper))));
            }
            Assert.Equal(-1, code.AsSpan().IndexOf(idBytes));
        }
    }

    [Fact]
    public void TheRelocatableCodeRunsAsTheInterpreterDoes()
    {
        foreach (Tier tier in new[] { Tier.Interpreter, Tier.Baseline })
        {
            using var engine = new Engine(new EngineOptions { Tier = tier });
            using var store = new Store(engine);
            var linker = new Linker(engine);
            linker.DefineFunction("env", "h", (int x) => x * 100);
            Module module = Module.FromText(engine, Wat);
            Func all = linker.Instantiate(store, module).GetFunction("all")!;
            // inc 3 = 4, h 3 = 300, dbl 3 = 6, trunc 7.9 = 7 twice, "hell" = 0x6c6c6568; / 3; + 2.
            int r = 4 + 300 + 6 + 7 + 7 + 0x6c6c6568;
            Assert.Equal((r / 3) + 2, all.Invoke(Value.FromI32(3), Value.FromF64(7.9))[0].AsI32());
            // The segments are dropped now: memory.init traps through the helper's status.
            Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => all.Invoke(Value.FromI32(3), Value.FromF64(1))).Code);
            Func fresh = linker.Instantiate(store, module).GetFunction("all")!;
            Assert.Equal(TrapCode.Unreachable, Assert.Throws<TrapException>(() => fresh.Invoke(Value.FromI32(0), Value.FromF64(1))).Code);
        }
    }
}
