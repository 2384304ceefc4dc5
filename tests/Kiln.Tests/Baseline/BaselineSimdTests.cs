using Kiln.Baseline;
using Kiln.Jit.X64;
using Kiln.Tests.Support;
using Kiln.Wasm.Validation;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Baseline;

/// <summary>
/// How the baseline tier carries v128 values, beyond single instructions (which the spec suite covers): more live
/// values than xmm registers (spills to 16-byte slots), many locals (the prologue's zeroing loop), calls with v128
/// arguments and results beside scalars (two slots each in the argument area), calls across tiers in both
/// directions, v128 loop and block parameters, br_table and select. Every tier must give the interpreter's results,
/// and the optimizing tier must compile every function itself.
/// </summary>
public class BaselineSimdTests
{
    private const string Wat = """
        (module
          (memory 1)
          ;; Twenty v128 values live at once: more than the fourteen xmm registers values may use.
          (func $pressure (export "pressure") (param $x v128) (result v128)
            (local $i i32)
            (local.get $x)
            (i32x4.add (local.get $x) (v128.const i32x4 1 1 1 1))
            (i32x4.add (local.get $x) (v128.const i32x4 2 2 2 2))
            (i32x4.add (local.get $x) (v128.const i32x4 3 3 3 3))
            (i32x4.add (local.get $x) (v128.const i32x4 4 4 4 4))
            (i32x4.add (local.get $x) (v128.const i32x4 5 5 5 5))
            (i32x4.add (local.get $x) (v128.const i32x4 6 6 6 6))
            (i32x4.add (local.get $x) (v128.const i32x4 7 7 7 7))
            (i32x4.add (local.get $x) (v128.const i32x4 8 8 8 8))
            (i32x4.add (local.get $x) (v128.const i32x4 9 9 9 9))
            (i32x4.add (local.get $x) (v128.const i32x4 10 10 10 10))
            (i32x4.add (local.get $x) (v128.const i32x4 11 11 11 11))
            (i32x4.add (local.get $x) (v128.const i32x4 12 12 12 12))
            (i32x4.add (local.get $x) (v128.const i32x4 13 13 13 13))
            (i32x4.add (local.get $x) (v128.const i32x4 14 14 14 14))
            (i32x4.add (local.get $x) (v128.const i32x4 15 15 15 15))
            (i32x4.add (local.get $x) (v128.const i32x4 16 16 16 16))
            (i32x4.add (local.get $x) (v128.const i32x4 17 17 17 17))
            (i32x4.add (local.get $x) (v128.const i32x4 18 18 18 18))
            (i32x4.mul (local.get $x) (v128.const i32x4 19 19 19 19))
            (i32x4.sub) (i32x4.sub) (i32x4.sub) (i32x4.sub) (i32x4.sub) (i32x4.sub) (i32x4.sub) (i32x4.sub) (i32x4.sub)
            (i32x4.sub) (i32x4.sub) (i32x4.sub) (i32x4.sub) (i32x4.sub) (i32x4.sub) (i32x4.sub) (i32x4.sub) (i32x4.sub)
            (i32x4.sub))

          ;; Sixteen declared locals, v128 and scalar: the prologue zeroes them with a loop (both halves of each v128).
          (func (export "locals") (param $seed v128) (result v128)
            (local $a v128) (local $b i64) (local $c v128) (local $d f64) (local $e v128) (local $f i32) (local $g v128)
            (local $h v128) (local $i f32) (local $j v128) (local $k i64) (local $l v128) (local $m v128) (local $n i32)
            (local $o v128) (local $p v128)
            (local.set $c (i64x2.add (local.get $seed) (local.get $a)))
            (local.set $p (i8x16.add (local.get $c) (local.get $o)))
            (v128.or (v128.or (local.get $p) (local.get $h))
              (v128.or (i64x2.splat (i64.add (local.get $b) (local.get $k)))
                       (i32x4.splat (i32.add (local.get $f) (local.get $n))))))

          ;; v128 arguments and results beside scalars, in both orders.
          (func $mix (param $a i32) (param $b v128) (param $c f64) (param $d v128) (param $e i64)
                     (result v128 i64 v128 f64)
            (i32x4.add (local.get $b) (i32x4.splat (local.get $a)))
            (i64.add (local.get $e) (i64.extend_i32_u (local.get $a)))
            (f64x2.add (local.get $d) (f64x2.splat (local.get $c)))
            (f64.mul (local.get $c) (f64.const 2)))
          (func (export "calls") (param $x v128) (result i64)
            (local $r0 v128) (local $r1 i64) (local $r2 v128) (local $r3 f64)
            (call $mix (i32.const 7) (local.get $x) (f64.const 1.5) (local.get $x) (i64.const 100))
            (local.set $r3) (local.set $r2) (local.set $r1) (local.set $r0)
            (i64.add (local.get $r1)
              (i64.add (i64x2.extract_lane 0 (local.get $r0))
                (i64.add (i64.trunc_sat_f64_s (f64x2.extract_lane 1 (local.get $r2)))
                  (i64.trunc_sat_f64_s (local.get $r3))))))

          ;; A loop carrying two v128 values as parameters, then a br_table between blocks with a v128 parameter.
          (func (export "loop") (param $x v128) (param $n i32) (result v128)
            (local.get $x) (v128.const i32x4 0 0 0 0)
            (loop $next (param v128 v128) (result v128 v128)
              (local.set $x (i32x4.add))
              (local.get $x) (local.get $x)
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br_if $next (local.get $n)))
            (drop)
            (block $a (param v128) (result v128)
              (block $b (param v128) (result v128)
                (br_table $b $a (local.get $n)))
              (i32x4.neg)))

          ;; Memory round trip through a v128 local and a select.
          (func (export "memory") (param $x v128) (param $c i32) (result v128)
            (v128.store offset=3 (i32.const 100) (local.get $x))
            (select (v128.load offset=3 (i32.const 100)) (i8x16.splat (i32.const 9)) (local.get $c))))
        """;

    private static readonly V128 s_pattern = new(0x0706050403020100, 0x0F0E0D0C0B0A0908);

    public static TheoryData<string> Tiers => TestTiers.All;

    [Theory]
    [MemberData(nameof(Tiers))]
    public void V128ValuesKeepTheirBitsThroughSpillsLocalsCallsAndLoops(string tier)
    {
        (string Name, Value[] Args)[] calls =
        [
            ("pressure", [Value.FromV128(s_pattern)]),
            ("locals", [Value.FromV128(s_pattern)]),
            ("calls", [Value.FromV128(new V128(0x4000_0000_0000_0000, 0x4008_0000_0000_0000))]),
            ("loop", [Value.FromV128(new V128(1, 2)), Value.FromI32(5)]),
            ("memory", [Value.FromV128(s_pattern), Value.FromI32(1)]),
            ("memory", [Value.FromV128(s_pattern), Value.FromI32(0)]),
        ];
        foreach ((string name, Value[] args) in calls)
        {
            Value[] expected = Run(new EngineOptions { Tier = Tier.Interpreter }, name, args);
            Assert.Equal(expected, Run(TestTiers.Options(tier), name, args));
        }
        // Spot checks of the oracle itself: the zeroed locals leave the seed as it was; the loop doubles four times,
        // then br_table takes the branch that negates.
        Assert.Equal(s_pattern, Run(TestTiers.Options(tier), "locals", [Value.FromV128(s_pattern)])[0].AsV128());
        Assert.Equal(new V128(0x0000_0000_FFFF_FFF0, 0x0000_0000_FFFF_FFE0), Run(TestTiers.Options(tier), "loop", [Value.FromV128(new V128(1, 2)), Value.FromI32(5)])[0].AsV128());
    }

    [Fact]
    public void V128CallsCrossTiersInBothDirections()
    {
        // Every other function interpreted: the baseline calls interpreted functions with v128 arguments and results,
        // and the interpreter calls compiled ones.
        foreach (Func<uint, bool> interpret in new Func<uint, bool>[] { f => (f & 1) == 1, f => (f & 1) == 0 })
        {
            var options = new EngineOptions { Tier = Tier.Baseline, InterpretFunction = interpret };
            foreach (string name in new[] { "calls", "pressure", "loop" })
            {
                Value[] args = name == "loop" ? [Value.FromV128(s_pattern), Value.FromI32(3)] : [Value.FromV128(s_pattern)];
                Assert.Equal(Run(new EngineOptions { Tier = Tier.Interpreter }, name, args), Run(options, name, args));
            }
        }
    }

    [Fact]
    public void ACpuWithoutSse41IsRefusedBeforeV128CodeIsCompiled()
    {
        using var host = new TestHost();
        WasmModule model = Module.FromText(host.Engine, Wat).ToWasmModule();
        ValidationContext context = ModuleValidator.Validate(model);
        var plain = new BaselineCompiler(new Kiln.FrontEnd.IndexSpaces(context), consumeFuel: false, new CpuFeatures(CpuFeature.Sse3 | CpuFeature.Ssse3));
        plain.BeginBatch();
        UnsupportedFeatureException e = Assert.Throws<UnsupportedFeatureException>(() => plain.CompileFunction(0, out _, out _));
        Assert.Contains("SSE4.1", e.Message, StringComparison.Ordinal);

        // The same function compiles where the CPU has what SIMD needs.
        var full = new BaselineCompiler(new Kiln.FrontEnd.IndexSpaces(context), consumeFuel: false, CpuFeatures.All);
        full.BeginBatch();
        full.CompileFunction(0, out _, out _);
    }

    private static Value[] Run(EngineOptions options, string export, Value[] args)
    {
        using var host = new TestHost(options);
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Wat));
        Value[] results = instance.GetFunction(export)!.Invoke(args);
        if (options.Tier == Tier.Optimizing)
        {
            // The optimizing tier must compile these itself, not leave them to the baseline compiler.
            Assert.Equal(0, host.Engine.OptimizingStatistics!.FellBack);
        }
        return results;
    }
}
