using Kiln.Tests.Support;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Tiers;

/// <summary>The store's resource limits on every tier: growth beyond them returns -1 (Spec 4.4.7), creation beyond them is a <see cref="ResourceLimitException"/>.</summary>
public class LimitTests
{
    public static TheoryData<string> Tiers => TestTiers.All;

    [Theory]
    [MemberData(nameof(Tiers))]
    public void MemoryGrowBeyondStoreLimitReturnsMinusOne(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier), new StoreLimits { MaxMemoryPages = 3 });
        var b = new ModuleBuilder();
        b.AddMemory(1);
        b.AddFunction("grow", T.I32, T.I32, T.None, "local.get 0", "memory.grow");
        b.AddFunction("size", T.None, T.I32, T.None, "memory.size");
        Instance instance = host.Instantiate(b);
        TypedFunc<int, int> grow = instance.GetFunction<int, int>("grow");

        Assert.Equal(1, grow.Invoke(2));
        Assert.Equal(-1, grow.Invoke(1));
        Assert.Equal(3, instance.GetFunction<int>("size").Invoke());
        Assert.Equal(3, grow.Invoke(0));
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void TableGrowBeyondLimitReturnsMinusOne(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier), new StoreLimits { MaxTableElements = 10 });
        var b = new ModuleBuilder();
        b.AddTable(ValType.FuncRef, 2);
        b.AddFunction("grow", T.I32, T.I32, T.None, "ref.null funcref", "local.get 0", "table.grow 0");
        Instance instance = host.Instantiate(b);
        TypedFunc<int, int> grow = instance.GetFunction<int, int>("grow");

        Assert.Equal(2, grow.Invoke(8));
        Assert.Equal(-1, grow.Invoke(1));
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void InitialMemoryOverLimitIsAResourceError(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier), new StoreLimits { MaxMemoryPages = 2 });
        var b = new ModuleBuilder();
        b.AddMemory(5);

        Assert.Throws<ResourceLimitException>(() => host.Instantiate(b));
    }
}
