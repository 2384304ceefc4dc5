namespace Kiln.Tests.Api;

/// <summary>A store runs Wasm code on one thread at a time: a call from a second thread while the first is inside is refused.</summary>
public class StoreThreadTests
{
    private const string Wat = """
        (module
          (import "env" "host" (func $host (param i32) (result i32)))
          (func (export "viaHost") (param i32) (result i32) (i32.add (call $host (local.get 0)) (i32.const 1)))
          (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
        """;

    [Theory]
    [InlineData(Tier.Interpreter)]
    [InlineData(Tier.Baseline)]
    public void ACallFromAnotherThreadWhileCodeRunsIsRefused(Tier tier)
    {
        using var engine = new Engine(new EngineOptions { Tier = tier });
        using var store = new Store(engine);
        var linker = new Linker(engine);
        TypedFunc<int, int, int>? add = null;
        Exception? fromOtherThread = null;
        int nestedOnSameThread = 0;
        linker.DefineFunction("env", "host", (int x) =>
        {
            // Inside Wasm on this thread: another thread may not enter the store...
            var other = new Thread(() =>
            {
                try
                {
                    add!.Invoke(1, 2);
                }
                catch (Exception e)
                {
                    fromOtherThread = e;
                }
            });
            other.Start();
            other.Join();
            // ...while this thread still may (a host function calling back in).
            nestedOnSameThread = add!.Invoke(x, 100);
            return nestedOnSameThread;
        });
        Instance instance = linker.Instantiate(store, Module.FromText(engine, Wat));
        add = instance.GetFunction<int, int, int>("add");

        Assert.Equal(106, instance.GetFunction<int, int>("viaHost").Invoke(5));
        Assert.Equal(105, nestedOnSameThread);
        InvalidOperationException refused = Assert.IsType<InvalidOperationException>(fromOtherThread);
        Assert.Contains("another thread", refused.Message);

        // Once no code runs, any thread may use the store (one at a time).
        int later = 0;
        var next = new Thread(() => later = add.Invoke(20, 22));
        next.Start();
        next.Join();
        Assert.Equal(42, later);
    }
}
