using Kiln.Tests.Support;

namespace Kiln.Tests.Interpreter;

/// <summary>
/// <see cref="StoreLimits.MaxCallDepth"/> bounds the interpreter's frame stack exactly; compiled tiers are bounded by
/// the native stack instead (Tiers/TrapTests covers that every tier traps on runaway recursion).
/// </summary>
public class CallDepthTests
{
    [Fact]
    public void MaxCallDepthIsExact()
    {
        using var host = new TestHost(new EngineOptions { Tier = Tier.Interpreter }, new StoreLimits { MaxCallDepth = 5000 });
        var b = new ModuleBuilder();
        b.AddFunction("depth", T.I32, T.I32, T.None,
            "local.get 0", "i32.eqz", "if i32", "i32.const 0", "else", "local.get 0", "i32.const 1", "i32.sub", "call 0", "i32.const 1", "i32.add", "end");
        Instance instance = host.Instantiate(b);

        Assert.Equal(4999, instance.GetFunction<int, int>("depth").Invoke(4999));
        Assert.Equal(TrapCode.CallStackExhausted, Assert.Throws<TrapException>(() => instance.GetFunction<int, int>("depth").Invoke(5000)).Code);
    }
}
