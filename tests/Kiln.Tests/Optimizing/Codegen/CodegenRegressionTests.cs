using Kiln.Tests.Support;

namespace Kiln.Tests.Optimizing.Codegen;

/// <summary>
/// Shapes the random-module runs rarely produce, run on every tier and checked against fixed answers: each was a
/// miscompilation of the optimizing tier once (found by the bench programs) and fails without its fix.
/// </summary>
public class CodegenRegressionTests
{
    public static TheoryData<string> Tiers => TestTiers.All;

    /// <summary>
    /// A compare whose only use is a brif later in the block, with other instructions between them: the compare must not
    /// be re-evaluated at the branch, where its operands' registers already hold other values.
    /// </summary>
    [Theory]
    [MemberData(nameof(Tiers))]
    public void CompareUsedByALaterBranchIsNotReevaluated(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        const string wat = """
            (module
              (global $g (mut i32) (i32.const 100))
              (func (export "f") (param i32 i32) (result i32) (local i32 i32 i32)
                (local.set 2 (i32.lt_u (local.get 0) (local.get 1)))
                ;; New values take the registers the compare's operands had.
                (local.set 3 (i32.add (global.get $g) (i32.const 1)))
                (local.set 4 (i32.mul (global.get $g) (i32.const 3)))
                (if (result i32) (local.get 2)
                  (then (i32.add (local.get 3) (local.get 4)))
                  (else (i32.sub (local.get 4) (local.get 3))))))
            """;
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, wat));
        Func<int, int, int> f = instance.GetFunction<int, int, int>("f").Invoke;
        Assert.Equal(401, f(1, 2));
        Assert.Equal(199, f(2, 1));
        Assert.Equal(199, f(5, 5));
        Assert.Equal(401, f(0, -1));
    }
}
