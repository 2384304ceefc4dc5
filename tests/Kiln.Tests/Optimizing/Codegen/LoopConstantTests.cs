using Kiln.Tests.Support;

namespace Kiln.Tests.Optimizing.Codegen;

/// <summary>
/// A wide 64-bit constant kept in a register over a loop (<c>CodeEmitter.LoopChecks.cs</c>): an FNV-1a loop, and nested
/// loops keeping different constants (the inner loop's load must not overwrite the outer loop's register), with and
/// without interrupt checks (the header loads the constant either way), on every tier.
/// </summary>
public class LoopConstantTests
{
    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (string tier in TestTiers.Names)
        {
            data.Add(tier, true);
            data.Add(tier, false);
        }
        return data;
    }

    private const string Wat = """
        (module
          (memory 1)
          (data (i32.const 0) "Kiln FNV-1a")
          (func (export "fnv") (param i32 i32) (result i64) (local i64)
            (local.set 2 (i64.const 0xcbf29ce484222325))
            (block $done
              (loop $l
                (br_if $done (i32.eqz (local.get 1)))
                (local.set 2 (i64.mul (i64.xor (local.get 2) (i64.load8_u (local.get 0))) (i64.const 0x100000001b3)))
                (local.set 0 (i32.add (local.get 0) (i32.const 1)))
                (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
                (br $l)))
            (local.get 2))
          (func (export "nested") (param i32 i32) (result i64) (local i64 i32)
            (loop $outer
              (local.set 3 (local.get 1))
              (loop $inner
                (local.set 2 (i64.add (i64.mul (local.get 2) (i64.const 0x100000001b3)) (i64.const 0x7fffffffffff)))
                (local.set 3 (i32.sub (local.get 3) (i32.const 1)))
                (br_if $inner (local.get 3)))
              (local.set 2 (i64.xor (local.get 2) (i64.const 0x123456789a)))
              (local.set 2 (i64.add (local.get 2) (i64.const 0x123456789a)))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br_if $outer (local.get 0)))
            (local.get 2)))
        """;

    [Theory]
    [MemberData(nameof(Cases))]
    public void LoopsComputeWithTheirKeptConstants(string tier, bool interruptChecks)
    {
        using var host = new TestHost(TestTiers.Options(tier) with { InterruptChecks = interruptChecks });
        Instance instance = host.Linker.Instantiate(host.Store, global::Kiln.Module.FromText(host.Engine, Wat));
        Func<int, int, long> fnv = instance.GetFunction<int, int, long>("fnv").Invoke;
        byte[] text = "Kiln FNV-1a"u8.ToArray();
        ulong h = 0xcbf29ce484222325;
        foreach (byte b in text)
        {
            h = (h ^ b) * 0x100000001b3;
        }
        Assert.Equal((long)h, fnv(0, text.Length));
        Assert.Equal(unchecked((long)0xcbf29ce484222325), fnv(0, 0));
        Func<int, int, long> nested = instance.GetFunction<int, int, long>("nested").Invoke;
        Assert.Equal(Nested(3, 4), nested(3, 4));
        Assert.Equal(Nested(1, 1), nested(1, 1));
        Assert.Equal(Nested(5, 2), nested(5, 2));
    }

    private static long Nested(int outer, int inner)
    {
        ulong h = 0;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                h = (h * 0x100000001b3) + 0x7fffffffffff;
            }
            h ^= 0x123456789a;
            h += 0x123456789a;
        }
        return (long)h;
    }
}
