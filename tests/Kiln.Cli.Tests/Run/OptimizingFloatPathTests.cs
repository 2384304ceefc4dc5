using System.Runtime.Intrinsics.X86;

namespace Kiln.Cli.Tests.Run;

/// <summary>
/// The optimizing tier's float and SIMD code on both of its paths: the VEX (AVX) three-operand forms, and the legacy SSE
/// forms a machine without AVX gets, forced here with <c>DOTNET_EnableAVX=0</c> (which <c>CpuFeatures.Host</c>
/// honours). Each function keeps its operands live past the operation, so the VEX forms read them in place where SSE
/// copies them first; both runs must give the answers worked out from the spec's definitions.
/// </summary>
public sealed class OptimizingFloatPathTests : IDisposable
{
    private const string Wat = """
        (module
          (func (export "scalar") (param $x f64) (param $y f64) (result f64)
            (local $a f64) (local $b f64)
            (local.set $a (f64.add (local.get $x) (local.get $y)))
            (local.set $b (f64.sub (local.get $x) (local.get $y)))
            (f64.add
              (f64.add (f64.div (f64.mul (local.get $a) (local.get $b)) (f64.mul (local.get $x) (local.get $y)))
                       (f64.sqrt (local.get $x)))
              (f64.add (f64.nearest (local.get $y))
                       (f64.add (f64.neg (local.get $b)) (f64.abs (local.get $a))))))
          (func (export "narrow") (param $x f32) (param $y f64) (result f64)
            (f64.promote_f32 (f32.add (f32.demote_f64 (local.get $y))
              (f32.mul (f32.sqrt (local.get $x)) (f32.sub (local.get $x) (f32.floor (local.get $x)))))))
          (func (export "lanes") (param $x f32) (param $y f32) (result i32)
            (local $a v128) (local $b v128) (local $c v128)
            (local.set $a (f32x4.replace_lane 1 (f32x4.splat (local.get $x)) (local.get $y)))
            (local.set $b (f32x4.replace_lane 2 (f32x4.splat (local.get $y)) (local.get $x)))
            (local.set $c (f32x4.add (f32x4.mul (local.get $a) (local.get $b)) (f32x4.sub (local.get $a) (local.get $b))))
            (i32.add
              (i32x4.extract_lane 0 (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $c)) (f32x4.gt (local.get $a) (local.get $b))))
              (i32x4.extract_lane 1 (v128.andnot (i32x4.trunc_sat_f32x4_s (f32x4.pmin (local.get $c) (local.get $a))) (i32x4.lt_s (local.get $a) (local.get $b))))))
          (func (export "unary") (param $x f32) (param $y f32) (result i32)
            (local $a v128) (local $b v128)
            (local.set $a (f32x4.replace_lane 1 (f32x4.splat (local.get $x)) (local.get $y)))
            (local.set $b (f32x4.add (f32x4.abs (f32x4.neg (local.get $a))) (f32x4.sqrt (local.get $a))))
            (local.set $b (f32x4.add (local.get $b) (f32x4.nearest (local.get $a))))
            (local.set $b (f32x4.add (local.get $b) (f32x4.convert_i32x4_s (i32x4.trunc_sat_f32x4_s (local.get $a)))))
            (i32.add (i32x4.extract_lane 0 (i32x4.trunc_sat_f32x4_s (local.get $b)))
              (i32.trunc_f64_s (f64x2.extract_lane 0 (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
                (f64x2.splat (f64.promote_f32 (f32x4.extract_lane 1 (local.get $b))))))))))
        )
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("kiln-float-path-test-").FullName;
    private readonly string _module;

    public OptimizingFloatPathTests()
    {
        _module = Path.Combine(_dir, "f.wat");
        File.WriteAllText(_module, Wat);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Dictionary<string, string?> Environment(bool sse) => new() { ["DOTNET_EnableAVX"] = sse ? "0" : null };

    public static TheoryData<bool> Paths => new() { false, true };

    // scalar(9, 2.5): a = 11.5, b = 6.5; 74.75 / 22.5 + sqrt 9 + nearest 2.5 (ties to even: 2) - 6.5 + |11.5|.
    // narrow(6.25, 1.5): 1.5 + sqrt 6.25 * (6.25 - floor 6.25) = 1.5 + 2.5 * 0.25, in f32.
    // lanes(3, 5): a = [3,5,3,3], b = [5,5,3,5], c = a*b + (a-b) = [13,25,9,13]; lane 0: 13 + (3 > 5 ? -1 : 0);
    // lane 1: trunc(pmin(c, a)) = 5, and-not the i32 compare of the bit patterns 5.0 < 5.0 (0): 5. 13 + 5 = 18.
    // unary(6.25, 2.25): a = [6.25,2.25,..], b = |-a| + sqrt a + nearest a + trunc a = [20.75, 7.75, ..]; 20 + 7 = 27.
    [Theory]
    [MemberData(nameof(Paths))]
    public void FloatAndSimdArithmeticGiveTheSpecsAnswers(bool sse)
    {
        foreach ((string export, string[] args, string expected) in new[]
        {
            ("scalar", new[] { "9", "2.5" }, "13.322222222222223"),
            ("scalar", new[] { "-0.25", "1e300" }, "nan"),
            ("narrow", new[] { "6.25", "1.5" }, "2.125"),
            ("lanes", new[] { "3", "5" }, "18"),
            ("unary", new[] { "6.25", "2.25" }, "27"),
        })
        {
            KilnProcess.Result r = KilnProcess.Run(["run", "--tier", "opt", "--invoke", export, _module, .. args], environment: Environment(sse));
            Assert.True(r.Status == 0, r.StderrText);
            Assert.Equal(expected + "\n", r.StdoutText);
        }
    }

    [Fact]
    public void ForcedSsePathEmitsNoVexAndAvxPathNoCopies()
    {
        KilnProcess.Result sse = KilnProcess.Run(["compile", "--tier", "opt", "--disasm", _module], environment: Environment(sse: true));
        Assert.True(sse.Status == 0, sse.StderrText);
        Assert.Contains("addsd", sse.StdoutText, StringComparison.Ordinal);
        Assert.DoesNotContain(" vaddsd", sse.StdoutText, StringComparison.Ordinal);
        Assert.DoesNotContain(" vsqrtsd", sse.StdoutText, StringComparison.Ordinal);
        Assert.DoesNotContain(" vmulps", sse.StdoutText, StringComparison.Ordinal);
        if (!Avx.IsSupported)
        {
            return;
        }
        KilnProcess.Result avx = KilnProcess.Run(["compile", "--tier", "opt", "--disasm", _module], environment: Environment(sse: false));
        Assert.True(avx.Status == 0, avx.StderrText);
        string scalar = avx.StdoutText[..avx.StdoutText.IndexOf("func[1]", StringComparison.Ordinal)];
        Assert.Contains(" vaddsd", scalar, StringComparison.Ordinal);
        Assert.Contains(" vsqrtsd", scalar, StringComparison.Ordinal);
        Assert.DoesNotContain("movaps", scalar, StringComparison.Ordinal);
        Assert.Contains(" vmulps", avx.StdoutText, StringComparison.Ordinal);
    }
}
