using Kiln.Tests.Support;

namespace Kiln.Tests.Api;

/// <summary><see cref="Linker.DefineUnknownImportsAsTraps"/>: unused imports link, a call to one traps and names it.</summary>
public class UnknownImportTests
{
    private const string Wat = """
        (module
          (import "env" "known" (func $known (result i32)))
          (import "js" "eval" (func $eval (param i32 i32) (result i32)))
          (import "js" "drop" (func $drop (param f64)))
          (func (export "safe") (result i32) (call $known))
          (func (export "bridge") (result i32) (call $eval (i32.const 1) (i32.const 2))))
        """;

    [Theory]
    [MemberData(nameof(TestTiers.All), MemberType = typeof(TestTiers))]
    public void UnknownFunctionImportsLinkAndTrapOnlyWhenCalled(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        host.Linker.DefineFunction("env", "known", () => 7);
        Module module = Module.FromText(host.Engine, Wat);
        Assert.Throws<LinkException>(() => host.Linker.Instantiate(host.Store, module));

        IReadOnlyList<string> defined = host.Linker.DefineUnknownImportsAsTraps(module);

        Assert.Equal(["js.eval", "js.drop"], defined);
        Instance instance = host.Linker.Instantiate(host.Store, module);
        Assert.Equal(7, instance.GetFunction<int>("safe").Invoke());
        TrapException trap = Assert.Throws<TrapException>(() => instance.GetFunction<int>("bridge").Invoke());
        Assert.Equal(TrapCode.HostError, trap.Code);
        Assert.Contains("js.eval", trap.InnerException!.Message);
        // The store goes on.
        Assert.Equal(7, instance.GetFunction<int>("safe").Invoke());
    }

    [Fact]
    public void MissingMemoriesStillFailToLink()
    {
        using var host = new TestHost(new EngineOptions());
        Module module = Module.FromText(host.Engine, """(module (import "env" "memory" (memory 1)) (import "env" "f" (func)))""");
        Assert.Equal(["env.f"], host.Linker.DefineUnknownImportsAsTraps(module));
        Assert.Throws<LinkException>(() => host.Linker.Instantiate(host.Store, module));
    }
}
