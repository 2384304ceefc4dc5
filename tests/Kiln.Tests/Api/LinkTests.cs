using Kiln.Tests.Support;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Api;

public class LinkTests
{
    [Fact]
    public void MissingImportIsUnknownImport()
    {
        using var host = new TestHost();
        var b = new ModuleBuilder();
        b.ImportFunction("env", "nothere", T.None, T.None);

        LinkException e = Assert.Throws<LinkException>(() => host.Instantiate(b));

        Assert.Equal("unknown import", e.Reason);
        Assert.StartsWith("unknown import", e.Message);
        Assert.Equal("nothere", e.ImportName);
    }

    [Fact]
    public void WrongFunctionTypeIsIncompatible()
    {
        using var host = new TestHost();
        host.Linker.DefineFunction("env", "f", (int x) => x);
        var b = new ModuleBuilder();
        b.ImportFunction("env", "f", T.I64, T.I64);

        Assert.Equal("incompatible import type", Assert.Throws<LinkException>(() => host.Instantiate(b)).Reason);
    }

    [Fact]
    public void WrongKindAndLimitsAreIncompatible()
    {
        using var host = new TestHost();
        host.Linker.Define("env", "mem", Memory.Create(host.Store, new MemoryType(new Limits(1, null))));
        host.Linker.Define("env", "g", Global.Create(host.Store, new GlobalType(ValType.I32, false), Value.FromI32(1)));

        var needsMax = new ModuleBuilder();
        needsMax.ImportMemory("env", "mem", 1, 2);
        Assert.Equal("incompatible import type", Assert.Throws<LinkException>(() => host.Instantiate(needsMax)).Reason);

        var needsMore = new ModuleBuilder();
        needsMore.ImportMemory("env", "mem", 2);
        Assert.Equal("incompatible import type", Assert.Throws<LinkException>(() => host.Instantiate(needsMore)).Reason);

        var mutability = new ModuleBuilder();
        mutability.ImportGlobal("env", "g", ValType.I32, true);
        Assert.Equal("incompatible import type", Assert.Throws<LinkException>(() => host.Instantiate(mutability)).Reason);

        var kind = new ModuleBuilder();
        kind.ImportTable("env", "g", ValType.FuncRef, 0);
        Assert.Equal("incompatible import type", Assert.Throws<LinkException>(() => host.Instantiate(kind)).Reason);

        var ok = new ModuleBuilder();
        ok.ImportMemory("env", "mem", 0);
        ok.ImportGlobal("env", "g", ValType.I32, false);
        host.Instantiate(ok);
    }

    [Fact]
    public void OutOfBoundsDataSegmentTrapsAfterEarlierSegmentsApplied()
    {
        using var host = new TestHost();
        Memory memory = Memory.Create(host.Store, new MemoryType(new Limits(1, null)));
        Table table = Table.Create(host.Store, new TableType(ValType.FuncRef, new Limits(2, null)), Value.Null(ValType.FuncRef));
        host.Linker.Define("env", "mem", memory);
        host.Linker.Define("env", "table", table);
        var b = new ModuleBuilder();
        b.ImportMemory("env", "mem", 1);
        b.ImportTable("env", "table", ValType.FuncRef, 2);
        uint f = b.AddFunction(T.None, T.None, T.None);
        b.AddActiveElements(0, "i32.const 1", f);
        b.AddActiveData("i32.const 0", [1, 2, 3]);
        b.AddActiveData("i32.const 65535", [9, 9]);

        TrapException trap = Assert.Throws<TrapException>(() => host.Instantiate(b));

        Assert.Equal(TrapCode.MemoryOutOfBounds, trap.Code);
        Assert.Equal(1, memory.Span[0]);
        Assert.Equal(3, memory.Span[2]);
        Assert.False(table.Get(1).IsNull);
        Assert.True(table.Get(0).IsNull);
    }

    [Fact]
    public void OutOfBoundsElementSegmentTrapsBeforeData()
    {
        using var host = new TestHost();
        Memory memory = Memory.Create(host.Store, new MemoryType(new Limits(1, null)));
        host.Linker.Define("env", "mem", memory);
        var b = new ModuleBuilder();
        b.ImportMemory("env", "mem", 1);
        b.AddTable(ValType.FuncRef, 1);
        uint f = b.AddFunction(T.None, T.None, T.None);
        b.AddActiveElements(0, "i32.const 1", f);
        b.AddActiveData("i32.const 0", [7]);

        Assert.Equal(TrapCode.TableOutOfBounds, Assert.Throws<TrapException>(() => host.Instantiate(b)).Code);
        Assert.Equal(0, memory.Span[0]);
    }

    [Fact]
    public void StartFunctionRunsAtInstantiation()
    {
        using var host = new TestHost();
        int started = 0;
        host.Linker.DefineFunction("env", "hello", () => { started++; });
        var b = new ModuleBuilder();
        b.ImportFunction("env", "hello", T.None, T.None);
        uint s = b.AddFunction(T.None, T.None, T.None, "call 0");
        b.Module.StartFunction = s;

        host.Instantiate(b);

        Assert.Equal(1, started);
    }
}
