using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace Kiln.Benchmarks.Interpreter;

/// <summary>
/// Compute kernels run by Kiln's interpreter and, as the native baseline, the same algorithms in C#
/// (compiled by RyuJIT): call-heavy recursion, a memory-bound sieve, and f64 arithmetic in nested
/// loops. The ratio of each pair is the interpreter's slowdown against native code.
/// </summary>
[MemoryDiagnoser]
public unsafe class InterpreterBenchmarks
{
    private const string Wat = """
(module
  (memory 1)
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "sieve") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $count i32)
    (memory.fill (i32.const 0) (i32.const 1) (local.get $n))
    (local.set $i (i32.const 2))
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.load8_u (local.get $i))
          (then
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $inner_done
              (loop $inner
                (br_if $inner_done (i32.ge_u (local.get $j) (local.get $n)))
                (i32.store8 (local.get $j) (i32.const 0))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $inner)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.get $count))
  (func (export "mandel") (param $iters i32) (result f64)
    (local $x f64) (local $y f64) (local $cx f64) (local $cy f64) (local $t f64) (local $k i32) (local $sum f64) (local $px i32) (local $py i32)
    (local.set $py (i32.const 0))
    (loop $rows
      (local.set $px (i32.const 0))
      (loop $cols
        (local.set $cx (f64.sub (f64.div (f64.convert_i32_s (local.get $px)) (f64.const 32)) (f64.const 2)))
        (local.set $cy (f64.sub (f64.div (f64.convert_i32_s (local.get $py)) (f64.const 32)) (f64.const 1)))
        (local.set $x (f64.const 0)) (local.set $y (f64.const 0)) (local.set $k (i32.const 0))
        (block $esc
          (loop $it
            (br_if $esc (f64.gt (f64.add (f64.mul (local.get $x) (local.get $x)) (f64.mul (local.get $y) (local.get $y))) (f64.const 4)))
            (br_if $esc (i32.ge_s (local.get $k) (local.get $iters)))
            (local.set $t (f64.add (f64.sub (f64.mul (local.get $x) (local.get $x)) (f64.mul (local.get $y) (local.get $y))) (local.get $cx)))
            (local.set $y (f64.add (f64.mul (f64.mul (f64.const 2) (local.get $x)) (local.get $y)) (local.get $cy)))
            (local.set $x (local.get $t))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $it)))
        (local.set $sum (f64.add (local.get $sum) (f64.convert_i32_s (local.get $k))))
        (local.set $px (i32.add (local.get $px) (i32.const 1)))
        (br_if $cols (i32.lt_s (local.get $px) (i32.const 96))))
      (local.set $py (i32.add (local.get $py) (i32.const 1)))
      (br_if $rows (i32.lt_s (local.get $py) (i32.const 64))))
    (local.get $sum))
)
""";

    private Engine _engine = null!;
    private Store _store = null!;
    private TypedFunc<int, int> _fib = null!;
    private TypedFunc<int, int> _sieve = null!;
    private TypedFunc<int, double> _mandel = null!;
    private byte* _nativeMemory;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new Engine();
        _store = new Store(_engine);
        Instance instance = new Linker(_engine).Instantiate(_store, Module.FromText(_engine, Wat));
        _fib = instance.GetFunction<int, int>("fib");
        _sieve = instance.GetFunction<int, int>("sieve");
        _mandel = instance.GetFunction<int, double>("mandel");
        _nativeMemory = (byte*)NativeMemory.AllocZeroed(65536);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        _engine.Dispose();
        NativeMemory.Free(_nativeMemory);
    }

    [Benchmark]
    public int FibKiln() => _fib.Invoke(25);

    [Benchmark]
    public int FibNative() => Fib(25);

    [Benchmark]
    public int SieveKiln() => _sieve.Invoke(60000);

    [Benchmark]
    public int SieveNative() => Sieve(_nativeMemory, 60000);

    [Benchmark]
    public double MandelKiln() => _mandel.Invoke(200);

    [Benchmark]
    public double MandelNative() => Mandel(200);

    private static int Fib(int n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);

    private static int Sieve(byte* mem, int n)
    {
        new Span<byte>(mem, n).Fill(1);
        int count = 0;
        for (uint i = 2; i < (uint)n; i++)
        {
            if (mem[i] != 0)
            {
                count++;
                for (uint j = i * i; j < (uint)n; j += i)
                {
                    mem[j] = 0;
                }
            }
        }
        return count;
    }

    private static double Mandel(int iterations)
    {
        double sum = 0;
        for (int py = 0; py < 64; py++)
        {
            for (int px = 0; px < 96; px++)
            {
                double cx = (px / 32.0) - 2, cy = (py / 32.0) - 1, x = 0, y = 0;
                int k = 0;
                while (!((x * x) + (y * y) > 4) && k < iterations)
                {
                    double t = (x * x) - (y * y) + cx;
                    y = (2 * x * y) + cy;
                    x = t;
                    k++;
                }
                sum += k;
            }
        }
        return sum;
    }
}
