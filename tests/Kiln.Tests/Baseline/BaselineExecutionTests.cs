using Kiln.Tests.Support;
using Kiln.Tests.Tiers;

namespace Kiln.Tests.Baseline;

/// <summary>
/// What only the baseline tier has: float and integer locals cached in registers (against the interpreter), mixed tiers,
/// lazy and parallel compilation, the code observer. Behaviour every tier shares (calls, traps, interruption, fuel,
/// numerics) is tested once for all tiers in Tiers/.
/// </summary>
public class BaselineExecutionTests
{
    private static Instance Instantiate(TestHost host, string wat, Func<int, int>? hostFunction = null)
    {
        host.Linker.DefineFunction("env", "host", hostFunction ?? (x => x * 10));
        return host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, wat));
    }

    private const string FloatLocals = """
        (module $floatLocals
          (func $clobber (param f64) (result f64)
            (f64.add (f64.mul (local.get 0) (f64.const 3)) (f64.sqrt (f64.abs (local.get 0)))))
          (func (export "mandel") (param f64 f64) (result i32)
            (local $zr f64) (local $zi f64) (local $zr2 f64) (local $zi2 f64) (local $it i32)
            (block $done
              (loop $next
                (br_if $done (i32.ge_u (local.get $it) (i32.const 200)))
                (br_if $done (f64.gt (f64.add (local.get $zr2) (local.get $zi2)) (f64.const 4)))
                (local.set $zi (f64.add (f64.mul (f64.add (local.get $zr) (local.get $zr)) (local.get $zi)) (local.get 1)))
                (local.set $zr (f64.add (f64.sub (local.get $zr2) (local.get $zi2)) (local.get 0)))
                (local.set $zr2 (f64.mul (local.tee $zr (local.get $zr)) (local.get $zr)))
                (local.set $zi2 (f64.mul (local.get $zi) (local.get $zi)))
                (local.set $it (i32.add (local.get $it) (i32.const 1)))
                (br $next)))
            (local.get $it))
          (func (export "mixed") (param f64 f32) (result f64)
            (local $a f64) (local $b f64) (local $c f32)
            (local.set $a (f64.add (local.get 0) (f64.const 1)))
            ;; An older reference to $a must keep the old value when $a is set again.
            (local.get $a)
            (local.set $a (f64.mul (local.get $a) (f64.const 10)))
            (local.set $b (f64.sub (local.get $a)))
            ;; A call clobbers every xmm register: $a and $b must come from their slots after it.
            (local.set $b (f64.add (local.get $b) (call $clobber (local.get $a))))
            (local.set $c (f32.mul (local.get 1) (local.get 1)))
            (if (f64.gt (local.get 0) (f64.const 0))
              (then (local.set $a (f64.const 7)) (local.set $c (f32.const 2)))
              (else (local.set $a (f64.neg (local.get $a)))))
            ;; After the join $a is 7 or -$a: never the value cached before the if.
            (f64.add
              (f64.add (local.get $a) (local.get $b))
              (f64.add (f64.promote_f32 (local.get $c))
                ;; Many live float values: cached locals are given up before values spill.
                (f64.add (f64.add (f64.add (f64.add (local.tee $a (f64.add (local.get $a) (f64.const 1))) (local.get $a))
                  (f64.add (f64.add (local.get $a) (local.get $b)) (f64.add (local.get $a) (local.get $b))))
                  (f64.add (f64.add (local.get $a) (local.get $b)) (f64.add (local.get $a) (local.get $b))))
                  (f64.add (f64.add (f64.add (local.get $a) (local.get $b)) (f64.add (local.get $a) (local.get $b)))
                  (f64.add (f64.add (local.get $a) (local.get $b)) (f64.add (local.get $a) (local.get $b)))))))
            (f64.add (local.get $a) (local.get 2)) f64.add)
        )
        """;

    [Fact]
    public void FloatLocalsKeptInRegistersMatchTheInterpreter()
    {
        using var baseline = new TestHost(new EngineOptions { Tier = Tier.Baseline });
        using var interpreter = new TestHost(new EngineOptions());
        Instance compiled = Instantiate(baseline, FloatLocals);
        Instance reference = Instantiate(interpreter, FloatLocals);
        double[] points = [-2.1, -1.0, -0.75, -0.1, 0, 0.25, 0.3, 1.5];
        foreach (double x in points)
        {
            foreach (double y in points)
            {
                Value[] args = [Value.FromF64(x), Value.FromF64(y)];
                Assert.Equal(reference.GetFunction("mandel")!.Invoke(args), compiled.GetFunction("mandel")!.Invoke(args));
                Value[] mixedArgs = [Value.FromF64(x), Value.FromF32((float)y)];
                Assert.Equal(reference.GetFunction("mixed")!.Invoke(mixedArgs), compiled.GetFunction("mixed")!.Invoke(mixedArgs));
            }
        }
    }

    private const string IntegerLocals = """
        (module $integerLocals
          (memory 1)
          (global $calls (mut i32) (i32.const 0))
          (func $clobber (param i32) (result i32)
            (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
            (i32.mul (local.get 0) (i32.const 7)))
          ;; Six busy integer locals: four get registers, the rest stay in memory.
          (func (export "sum") (param $n i32) (param $seed i64) (result i64)
            (local $i i32) (local $acc i64) (local $j i32) (local $k i32) (local $m i32) (local $old i32)
            (block $done
              (loop $next
                (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
                ;; Pinned index, value and load result; the load must not reuse the index register.
                (i32.store (i32.shl (i32.and (local.get $i) (i32.const 255)) (i32.const 2))
                  (i32.xor (local.get $j) (local.get $i)))
                (local.set $k (i32.load (i32.shl (i32.and (local.get $i) (i32.const 255)) (i32.const 2))))
                ;; An older reference keeps the old value when the local is set again.
                (local.get $j)
                (local.set $j (i32.add (local.get $j) (i32.rotl (local.get $k) (local.get $i))))
                (local.set $old)
                (local.set $m (select (local.get $old) (local.get $j) (i32.and (local.get $i) (i32.const 1))))
                ;; A call clobbers every register: pinned locals come back from their slots.
                (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 5)))
                  (then (local.set $k (call $clobber (local.get $k)))))
                ;; Division by a pinned local, shifts by one, and a helper call (r10/r11 are not preserved by SysV).
                (local.set $acc (i64.add (i64.mul (local.get $acc) (i64.const 31))
                  (i64.extend_i32_u (i32.div_u (i32.add (local.get $m) (i32.const 1000)) (i32.or (local.get $k) (i32.const 1))))))
                (drop (memory.grow (i32.const 0)))
                (local.set $acc (i64.xor (local.get $acc) (i64.shr_u (local.get $seed) (i64.extend_i32_u (local.get $i)))))
                (local.set $i (i32.add (local.tee $k (local.get $i)) (i32.const 1)))
                (br $next)))
            (i64.add (local.get $acc) (i64.extend_i32_u (i32.add (local.get $k) (global.get $calls)))))
          ;; A local changed, saved by a call, changed again in an arm that returns; after the join the next
          ;; call must save it again (the slot holds the value from before the arm).
          (func (export "deadArm") (param $x i32) (result i32)
            (local $v i32)
            (local.set $v (i32.add (local.get $x) (i32.const 1)))
            (drop (call $clobber (local.get $v)))
            (if (i32.eqz (local.get $x))
              (then (local.set $v (i32.const 99)) (drop (call $clobber (local.get $v))) (return (local.get $v))))
            (local.set $v (i32.mul (local.get $v) (i32.const 3)))
            (drop (call $clobber (local.get $v)))
            (i32.add (local.get $v) (local.get $v)))
          ;; Helper arguments that are pinned locals in argument registers (r8, r9 once four busier locals are pinned).
          (func (export "fill") (param $d i32) (param $v i32) (param $n i32) (result i32)
            (local $a i32) (local $b i32) (local $c i32) (local $e i32)
            (loop $again
              (local.set $a (i32.add (local.get $a) (i32.add (local.get $b) (i32.add (local.get $c) (local.get $e)))))
              (local.set $b (i32.add (local.get $b) (i32.add (local.get $a) (i32.add (local.get $c) (local.get $e)))))
              (local.set $c (i32.add (local.get $c) (i32.add (local.get $b) (i32.add (local.get $a) (local.get $e)))))
              (local.set $e (i32.add (local.get $e) (i32.const 1)))
              (memory.fill (local.get $d) (local.get $v) (local.get $n))
              (memory.copy (i32.add (local.get $d) (local.get $n)) (local.get $d) (local.get $n))
              (local.set $d (i32.add (local.get $d) (i32.const 3)))
              (br_if $again (i32.lt_u (local.get $e) (i32.const 4))))
            (i32.add (i32.add (local.get $a) (local.get $c))
              (i32.add (i32.load (local.get $d)) (i32.load (i32.add (local.get $d) (local.get $n))))))
          ;; Division writes rdx, where the fifth busiest integer local lives: it is written back and brought back.
          (func (export "divs") (param $x i32) (param $y i64) (result i64)
            (local $a i32) (local $b i32) (local $c i32) (local $q i64) (local $r i64) (local $i i32)
            (local.set $a (i32.or (local.get $x) (i32.const 1)))
            (loop $again
              (local.set $b (i32.add (local.get $b) (i32.div_s (local.get $x) (local.get $a))))
              (local.set $c (i32.add (local.get $c) (i32.rem_u (local.get $x) (local.get $a))))
              (local.set $q (i64.add (local.get $q) (i64.div_u (local.get $y) (i64.extend_i32_u (local.get $a)))))
              (local.set $r (i64.add (local.get $r) (i64.rem_s (local.get $y) (i64.add (local.get $r) (i64.const 3)))))
              (local.set $a (i32.add (local.get $a) (i32.const 2)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $again (i32.lt_u (local.get $i) (i32.const 9))))
            (i64.add (i64.add (local.get $q) (local.get $r))
              (i64.extend_i32_u (i32.add (i32.add (local.get $b) (local.get $c)) (local.get $a)))))
          ;; After a call, pinned locals and the memory registers are reloaded when next used; every path into a
          ;; label loads them, so a join never mixes a loaded and an unloaded state.
          (func (export "lazy") (param $x i32) (result i32)
            (local $a i32) (local $b i32)
            (local.set $a (i32.mul (local.get $x) (i32.const 3)))
            (local.set $b (i32.add (local.get $x) (i32.const 5)))
            (i32.store (i32.const 16) (local.get $a))
            (if (local.get $x) (then (drop (call $clobber (local.get $b)))))
            (block $out
              (br_if $out (i32.eq (call $clobber (local.get $a)) (i32.const 21)))
              (local.set $b (i32.add (local.get $b) (i32.load (i32.const 16)))))
            (loop $l
              (drop (call $clobber (local.get $a)))
              (br_if $l (i32.gt_s (local.tee $x (i32.sub (local.get $x) (i32.const 1))) (i32.const 0))))
            (if (i32.eq (local.get $a) (i32.const 9)) (then (return (local.get $b))))
            (i32.add (i32.add (local.get $a) (local.get $b)) (i32.load (i32.const 16))))
          ;; Ten busy locals: those without a register of their own stay cached in a temporary after a set or tee
          ;; until the next label, call or register shortage.
          (func (export "cached") (param $x i32) (result i32)
            (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32)
            (local $f i32) (local $g i32) (local $h i32) (local $t i32) (local $i i32) (local $u i32)
            (loop $again
              (local.set $a (i32.add (local.get $a) (i32.add (local.get $x) (local.get $i))))
              (local.set $b (i32.xor (local.get $b) (local.get $a)))
              (local.set $c (i32.add (local.get $c) (local.get $b)))
              (local.set $d (i32.sub (local.get $d) (local.get $c)))
              (local.set $e (i32.add (local.get $e) (local.get $d)))
              (local.set $f (i32.rotl (local.get $f) (local.get $e)))
              (local.set $g (i32.add (local.get $g) (local.get $f)))
              (local.set $h (i32.xor (local.get $h) (local.get $g)))
              ;; A tee'd value read twice, an older reference kept across a set, a set from a register then reads.
              (local.set $t (i32.lt_s (local.get $a) (local.get $h)))
              (local.get $t)
              (local.set $t (i32.add (local.tee $t (i32.mul (local.get $t) (i32.const 3))) (local.get $t)))
              (local.set $h (i32.add (local.get $h) (i32.add (local.get $t) (select (local.get $a) (local.get $b) (local.get $t)))))
              (local.set $a (i32.add (local.get $a)))
              ;; $u has no register of its own (eight locals are busier): its value stays cached after a set from a
              ;; register, and a set from a constant must replace the cached value.
              (local.set $u (i32.mul (local.get $b) (i32.const 3)))
              (local.set $h (i32.add (local.get $h) (local.get $u)))
              (local.set $u (i32.const 11))
              (local.set $g (i32.add (local.get $g) (local.get $u)))
              (local.set $a (i32.add (local.get $a) (i32.add (local.get $b) (i32.add (local.get $c) (local.get $d)))))
              (local.set $e (i32.add (local.get $e) (i32.add (local.get $f) (i32.add (local.get $g) (local.get $h)))))
              (local.set $b (i32.add (local.get $b) (i32.add (local.get $c) (i32.add (local.get $d) (local.get $f)))))
              (local.set $c (i32.add (local.get $c) (i32.add (local.get $d) (i32.add (local.get $e) (local.get $f)))))
              ;; A call drops the cache; so does the branch back.
              (local.set $g (i32.add (local.get $g) (call $clobber (local.get $t))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $again (i32.lt_u (local.get $i) (i32.const 13))))
            (i32.add (i32.add (i32.add (local.get $a) (local.get $b)) (i32.add (local.get $c) (local.get $d)))
              (i32.add (i32.add (local.get $e) (local.get $f)) (i32.add (local.get $g) (i32.add (local.get $h) (local.get $t))))))
          (func (export "branchy") (param $x i32) (result i32)
            (local $a i32) (local $b i32)
            (local.set $a (local.get $x))
            (block $b2 (block $b1 (block $b0
              (br_table $b0 $b1 $b2 (local.get $a)))
              (local.set $b (i32.const 10)) (br $b2))
              (local.set $b (i32.const 20)))
            (i32.add (local.get $a) (local.get $b)))
        )
        """;

    [Fact]
    public void IntegerLocalsKeptInRegistersMatchTheInterpreter()
    {
        using var baseline = new TestHost(new EngineOptions { Tier = Tier.Baseline });
        using var interpreter = new TestHost(new EngineOptions());
        Instance compiled = Instantiate(baseline, IntegerLocals);
        Instance reference = Instantiate(interpreter, IntegerLocals);
        foreach (int n in new[] { 0, 1, 5, 17, 300 })
        {
            Value[] args = [Value.FromI32(n), Value.FromI64(unchecked((long)0x9E37_79B9_7F4A_7C15UL))];
            Assert.Equal(reference.GetFunction("sum")!.Invoke(args), compiled.GetFunction("sum")!.Invoke(args));
        }
        foreach (int x in new[] { 0, 1, 2, 3, -1 })
        {
            Assert.Equal(reference.GetFunction("deadArm")!.Invoke(Value.FromI32(x)), compiled.GetFunction("deadArm")!.Invoke(Value.FromI32(x)));
            Assert.Equal(reference.GetFunction("branchy")!.Invoke(Value.FromI32(x)), compiled.GetFunction("branchy")!.Invoke(Value.FromI32(x)));
        }
        foreach ((int d, int v, int n) in new[] { (0, 1, 8), (100, 0xAB, 40), (7, 0x7F, 3) })
        {
            Value[] args = [Value.FromI32(d), Value.FromI32(v), Value.FromI32(n)];
            Assert.Equal(reference.GetFunction("fill")!.Invoke(args), compiled.GetFunction("fill")!.Invoke(args));
        }
        foreach ((int x, long y) in new[] { (1000, 123456789L), (-77, -5L), (3, long.MaxValue) })
        {
            Value[] args = [Value.FromI32(x), Value.FromI64(y)];
            Assert.Equal(reference.GetFunction("divs")!.Invoke(args), compiled.GetFunction("divs")!.Invoke(args));
        }
        foreach (int x in new[] { 0, 1, 3, 7, 40 })
        {
            Assert.Equal(reference.GetFunction("lazy")!.Invoke(Value.FromI32(x)), compiled.GetFunction("lazy")!.Invoke(Value.FromI32(x)));
        }
        foreach (int x in new[] { 0, 1, -5, 1000, int.MaxValue })
        {
            Assert.Equal(reference.GetFunction("cached")!.Invoke(Value.FromI32(x)), compiled.GetFunction("cached")!.Invoke(Value.FromI32(x)));
        }
        Assert.Equal(12, compiled.GetFunction<int, int>("deadArm").Invoke(1));
        Assert.Equal(99, compiled.GetFunction<int, int>("deadArm").Invoke(0));
    }

    [Fact]
    public void FloatResultsComputedInTheLocalsRegisterMatchTheInterpreter()
    {
        // x = x op y, x = y op x (x must not be overwritten before it is read), x = x op x, x = y op z, and an older
        // reference to x still on the stack when x is set (it must keep the old value), in a loop so the locals are
        // pinned.
        const string wat = """
            (module
              (func (export "f") (param $y f64) (param $n i32) (result f64)
                (local $x f64) (local $z f64) (local $i i32)
                (local.set $x (f64.const 1.5))
                (local.set $z (f64.const -0.25))
                (loop $l
                  (local.set $x (f64.add (local.get $x) (local.get $y)))
                  (local.set $x (f64.sub (local.get $y) (local.get $x)))
                  (local.set $x (f64.mul (local.get $x) (local.get $x)))
                  (local.set $z (f64.div (local.get $y) (local.get $x)))
                  (local.set $x (f64.sub (local.get $x) (local.get $z)))
                  (local.set $z (f64.add (local.get $x)
                    (block (result f64) (local.set $x (f64.mul (local.get $z) (f64.const 0.5))) (local.get $z))))
                  (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
                (f64.add (local.get $x) (local.get $z)))
              (func (export "g") (param $y f32) (result f32) (local $x f32) (local $i i32)
                (loop $l
                  (local.set $x (f32.sub (f32.div (local.get $x) (f32.const 3)) (local.get $y)))
                  (local.set $x (f32.mul (local.get $y) (local.get $x)))
                  (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 5))))
                (local.get $x)))
            """;
        using var baseline = new TestHost(new EngineOptions { Tier = Tier.Baseline });
        using var interpreter = new TestHost(new EngineOptions());
        Instance compiled = Instantiate(baseline, wat);
        Instance reference = Instantiate(interpreter, wat);
        foreach (double y in new[] { 0.0, 1.0, -3.75, 1e10 })
        {
            foreach (int n in new[] { 1, 2, 7 })
            {
                Value[] args = [Value.FromF64(y), Value.FromI32(n)];
                Assert.Equal(reference.GetFunction("f")!.Invoke(args), compiled.GetFunction("f")!.Invoke(args));
            }
            Value[] g = [Value.FromF32((float)y)];
            Assert.Equal(reference.GetFunction("g")!.Invoke(g), compiled.GetFunction("g")!.Invoke(g));
        }
    }

    [Fact]
    public void LocalsSetToConstantsAndUnoptimizedChainsMatchTheInterpreter()
    {
        // Unoptimized shape: constants and intermediate values each through a local of their own (more than the
        // pinned registers), a constant local changed on one arm of an if, in a loop and after a call, read after
        // the join; a constant divisor through a local.
        var temps = string.Join(" ", Enumerable.Range(0, 24).Select(i => $"(local $t{i} i32)"));
        string wat = $"""
            (module
              (func $id (param i32) (result i32) (local.get 0))
              (func (export "f") (param $x i32) (param $n i32) (result i32) {temps} (local $c i32) (local $k i32) (local $acc i32)
                (local.set $c (i32.const 7))
                (if (i32.and (local.get $x) (i32.const 1)) (then (local.set $c (i32.const -3))))
                (local.set $acc (local.get $c))
                (local.set $k (i32.const 2))
                (loop $l
                  (local.set $t0 (i32.const 5))
                  (local.set $t1 (i32.add (local.get $x) (local.get $t0)))
                  (local.set $t2 (i32.div_s (local.get $t1) (local.get $k)))
                  (local.set $t3 (i32.mul (local.get $t2) (local.get $t1)))
                  (local.set $t4 (i32.xor (local.get $t3) (local.get $t0)))
                  (local.set $t5 (i32.sub (local.get $t4) (local.get $t2)))
                  (local.set $t6 (i32.rem_u (local.get $t5) (local.get $t0)))
                  (local.set $t7 (i32.add (local.get $t6) (local.get $t4)))
                  (local.set $t8 (i32.shl (local.get $t7) (local.get $k)))
                  (local.set $t9 (i32.or (local.get $t8) (local.get $t1)))
                  (local.set $acc (i32.add (local.get $acc) (local.get $t9)))
                  (local.set $acc (i32.add (local.get $acc) (local.get $t5)))
                  (local.set $k (i32.add (local.get $k) (i32.const 1)))
                  (local.set $t0 (call $id (local.get $k)))
                  (local.set $acc (i32.xor (local.get $acc) (local.get $t0)))
                  (br_if $l (i32.lt_s (local.get $k) (local.get $n))))
                (i32.add (local.get $acc) (i32.add (local.get $k) (local.get $c)))))
            """;
        using var baseline = new TestHost(new EngineOptions { Tier = Tier.Baseline });
        using var interpreter = new TestHost(new EngineOptions());
        Instance compiled = Instantiate(baseline, wat);
        Instance reference = Instantiate(interpreter, wat);
        foreach (int x in new[] { 0, 1, -1, 12345, int.MinValue, int.MaxValue })
        {
            foreach (int n in new[] { 0, 3, 10 })
            {
                Value[] args = [Value.FromI32(x), Value.FromI32(n)];
                Assert.Equal(reference.GetFunction("f")!.Invoke(args), compiled.GetFunction("f")!.Invoke(args));
            }
        }
    }

    [Theory]
    [InlineData(Tier.Baseline)]
    [InlineData(Tier.Optimizing)]
    public void DivisionByConstantsMatchesTheInterpreter(Tier tier)
    {
        // Both compiling tiers emit the same sequences (Compiled/IntegerSequences.DivideByConstant).
        // Powers of two (shifts and masks), other unsigned 32-bit divisors (multiplication by a reciprocal), and
        // divisors that keep div/idiv (signed non-powers of two, negative, INT_MIN, -1, unsigned 64-bit).
        long[] divisors = [1, 2, 3, 5, 7, 10, 16, 100, 1000, 139968, 641, 0x7FFF_FFFF, 0x8000_0000, 0x8000_0001, 0xFFFF_FFFE,
            0xFFFF_FFFF, -1, -2, -8, -7, 1L << 33, 1L << 62, long.MinValue, 3_000_000_007];
        var funcs = new System.Text.StringBuilder();
        var names = new List<(string Name, bool Is64)>();
        foreach (long d in divisors)
        {
            foreach (string op in new[] { "div_s", "div_u", "rem_s", "rem_u" })
            {
                string n32 = $"i32_{op}_{names.Count}";
                funcs.Append($"(func (export \"{n32}\") (param i32) (result i32) (i32.{op} (local.get 0) (i32.const {unchecked((int)d)})))\n");
                names.Add((n32, false));
                string n64 = $"i64_{op}_{names.Count}";
                funcs.Append($"(func (export \"{n64}\") (param i64) (result i64) (i64.{op} (local.get 0) (i64.const {d})))\n");
                names.Add((n64, true));
            }
        }
        string wat = $"(module {funcs})";
        using var baseline = new TestHost(new EngineOptions { Tier = tier });
        using var interpreter = new TestHost(new EngineOptions());
        Instance compiled = Instantiate(baseline, wat);
        Instance reference = Instantiate(interpreter, wat);
        long[] dividends = [0, 1, 2, 3, 7, 8, 9, 99, 100, 101, 139967, 139968, 139969, 1 << 20, int.MaxValue, int.MinValue,
            -1, -2, -3, -7, -8, -9, -100, -139968, unchecked((int)0xFFFF_FFFE), 0x7FFF_FFFE, 0x8000_0001, 0xFFFF_FFFF,
            0x1_0000_0000, 3_000_000_007, long.MaxValue, long.MinValue, long.MinValue + 1, -(1L << 33), 1L << 62];
        var rng = new Random(12345);
        dividends = [.. dividends, .. Enumerable.Range(0, 200).Select(_ => rng.NextInt64(long.MinValue, long.MaxValue) >> rng.Next(64))];
        foreach ((string name, bool is64) in names)
        {
            Func want = reference.GetFunction(name)!;
            Func got = compiled.GetFunction(name)!;
            foreach (long x in dividends)
            {
                Value arg = is64 ? Value.FromI64(x) : Value.FromI32(unchecked((int)x));
                Assert.Equal(Outcome(want, arg), Outcome(got, arg));
            }
        }

        static string Outcome(Func f, Value arg)
        {
            try
            {
                return f.Invoke(arg)[0].ToString();
            }
            catch (TrapException e)
            {
                return "trap " + e.Code;
            }
        }
    }

    [Fact]
    public void HalfTheFunctionsInterpretedCallTheCompiledHalfAndBack()
    {
        using var mixed = new TestHost(new EngineOptions { Tier = Tier.Baseline, InterpretFunction = i => i % 2 == 0 });
        Instance instance = Instantiate(mixed, CallTests.Calls);
        Module module = instance.Module;
        // Function indices count the import: even is 1 (compiled), odd is 2 (interpreted).
        Assert.Contains(module.CompiledFunctions, f => f.Name == "calls!even");
        Assert.DoesNotContain(module.CompiledFunctions, f => f.Name == "calls!odd");
        Assert.Equal(1, instance.GetFunction<int, int>("even").Invoke(11) ^ 1);
        Assert.Equal(1, instance.GetFunction<int, int>("odd").Invoke(9));
        Assert.Equal(6765, instance.GetFunction<int, int>("fib").Invoke(20));
        Assert.Equal(51, instance.GetFunction<int, int>("via_host").Invoke(5));

        TrapException trap = Assert.Throws<TrapException>(() => instance.GetFunction<int, int, int>("outer").Invoke(1, 0));
        Assert.Equal(TrapCode.IntegerDivideByZero, trap.Code);
        Assert.Equal(["div", "outer"], trap.Backtrace.Select(f => f.FunctionName));
    }

    [Fact]
    public void LazyCompilationCompilesOnFirstCall()
    {
        var observer = new RecordingObserver();
        using var host = new TestHost(new EngineOptions { Tier = Tier.Baseline, Compilation = CompilationMode.Lazy, CodeObserver = observer });
        Instance instance = Instantiate(host, CallTests.Calls);
        Assert.Empty(instance.Module.CompiledFunctions);
        Assert.Equal(6765, instance.GetFunction<int, int>("fib").Invoke(20));
        Assert.Equal(["calls!fib"], instance.Module.CompiledFunctions.Select(f => f.Name));
        Assert.Equal(1, instance.GetFunction<int, int>("even").Invoke(4));
        Assert.Contains(instance.Module.CompiledFunctions, f => f.Name == "calls!odd");

        // A second instance of the module reuses the compiled code and compiles what it is missing.
        Instance second = host.Linker.Instantiate(host.Store, instance.Module);
        Assert.Equal(144, second.GetFunction<int, int>("fib").Invoke(12));
        Assert.Equal(-3, second.GetFunction<int, int, int>("outer").Invoke(7, -2));
        Assert.Contains(observer.Symbols, s => s.Name == "calls!outer" && s.Size > 0);
    }

    [Fact]
    public void CodeObserverSeesEveryFunctionByName()
    {
        var observer = new RecordingObserver();
        using var host = new TestHost(new EngineOptions { Tier = Tier.Baseline, CodeObserver = observer });
        Instance instance = Instantiate(host, CallTests.Calls);
        foreach (string name in new[] { "even", "odd", "fib", "viaHost", "div", "outer", "spin" })
        {
            CodeSymbol s = Assert.Single(observer.Symbols, s => s.Name == "calls!" + name);
            Assert.True(s.Size > 0 && s.Address % 16 == 0);
        }
        Assert.Contains(observer.Symbols, s => s.Name.StartsWith("calls!entry_trampoline", StringComparison.Ordinal));
        Assert.Contains(observer.Symbols, s => s.Name == "kiln!managed_call_stub");
        Assert.Equal(instance.Module.CompiledFunctions.Count, observer.Symbols.Count(s => !s.Name.Contains("trampoline") && !s.Name.StartsWith("kiln!")));
    }

    [Fact]
    public void ParallelCompilationInstallsEveryFunctionInOneBatch()
    {
        var wat = new System.Text.StringBuilder("(module $many (memory 1)\n");
        for (int i = 0; i < 300; i++)
        {
            // Each function calls its predecessor, so calls cross the threads' code ranges.
            string call = i == 0 ? "(i32.const 0)" : $"(call {i - 1} (local.get 0))";
            wat.Append($"(func (export \"f{i}\") (param i32) (result i32) (i32.add {call} (i32.mul (local.get 0) (f64.lt (f64.const {i}.5) (f64.const 100)))))\n");
        }
        wat.Append(')');
        var observer = new RecordingObserver();
        using var host = new TestHost(new EngineOptions { Tier = Tier.Baseline, CompilationThreads = 3, CodeObserver = observer });
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, wat.ToString()));
        Assert.Equal(300, instance.Module.CompiledFunctions.Count);
        Assert.Equal(300, observer.Symbols.Count(s => s.Name.StartsWith("many!", StringComparison.Ordinal) && !s.Name.Contains("trampoline")));
        // f_k(x) = x * (number of i <= k with i + 0.5 < 100).
        Assert.Equal(3 * 100, instance.GetFunction<int, int>("f299").Invoke(3));
        Assert.Equal(2 * 50, instance.GetFunction<int, int>("f49").Invoke(2));
    }

    [Fact]
    public void SimdIsCompiled()
    {
        using var host = new TestHost(new EngineOptions { Tier = Tier.Baseline });
        const string simd = "(module (func (export \"f\") (result i32) (i32x4.extract_lane 2 (i32x4.add (v128.const i32x4 1 2 3 4) (v128.const i32x4 5 6 7 8)))))";
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, simd));
        Assert.Single(instance.Module.CompiledFunctions);
        Assert.Equal(10, instance.GetFunction<int>("f").Invoke());
    }

    private sealed class RecordingObserver : ICodeObserver
    {
        public List<CodeSymbol> Symbols { get; } = [];

        public void OnCodeSealed(IReadOnlyList<CodeSymbol> symbols)
        {
            lock (Symbols)
            {
                Symbols.AddRange(symbols);
            }
        }
    }
}
