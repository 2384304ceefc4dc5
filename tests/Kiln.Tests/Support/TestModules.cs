using Kiln.Wasm.Model;

namespace Kiln.Tests.Support;

/// <summary>Shorthands for tests: value type arrays and one-call instantiation.</summary>
internal static class T
{
    public static readonly ValType[] None = [];
    public static readonly ValType[] I32 = [ValType.I32];
    public static readonly ValType[] I64 = [ValType.I64];
    public static readonly ValType[] F32 = [ValType.F32];
    public static readonly ValType[] F64 = [ValType.F64];
    public static readonly ValType[] I32I32 = [ValType.I32, ValType.I32];
    public static readonly ValType[] I64I64 = [ValType.I64, ValType.I64];
    public static readonly ValType[] F32F32 = [ValType.F32, ValType.F32];
    public static readonly ValType[] F64F64 = [ValType.F64, ValType.F64];

    public static ValType[] Of(params ValType[] types) => types;
}

/// <summary>An engine, store and linker for one test, disposed together.</summary>
internal sealed class TestHost : IDisposable
{
    public TestHost(EngineOptions? options = null, StoreLimits? limits = null)
    {
        Engine = new Engine(options);
        Store = new Store(Engine, limits);
        Linker = new Linker(Engine);
    }

    public Engine Engine { get; }

    public Store Store { get; }

    public Linker Linker { get; }

    public Instance Instantiate(ModuleBuilder builder) => Linker.Instantiate(Store, Module.FromWasmModule(Engine, builder.Module));

    public void Dispose()
    {
        Store.Dispose();
        Engine.Dispose();
    }
}
