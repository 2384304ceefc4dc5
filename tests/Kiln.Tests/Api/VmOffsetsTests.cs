using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kiln.Tests.Support;
using Kiln.Vm;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Api;

/// <summary>The one vmctx layout must agree with the native structs every tier reads.</summary>
public unsafe class VmOffsetsTests
{
    private static int Offset<TStruct>(string field) => (int)Marshal.OffsetOf<TStruct>(field);

    [Fact]
    public void HeaderMatchesStruct()
    {
        Assert.Equal(VmOffsets.StoreContext, Offset<VmContextHeader>(nameof(VmContextHeader.Store)));
        Assert.Equal(VmOffsets.MemoryBase, Offset<VmContextHeader>(nameof(VmContextHeader.MemoryBase)));
        Assert.Equal(VmOffsets.MemoryDefinition, Offset<VmContextHeader>(nameof(VmContextHeader.Memory)));
        Assert.Equal(VmOffsets.InstanceHandle, Offset<VmContextHeader>(nameof(VmContextHeader.InstanceHandle)));
        Assert.Equal(VmOffsets.HelperTable, Offset<VmContextHeader>(nameof(VmContextHeader.HelperTable)));
        Assert.Equal(VmOffsets.CodeTable, Offset<VmContextHeader>(nameof(VmContextHeader.CodeTable)));
        Assert.Equal(VmOffsets.HeaderSize, sizeof(VmContextHeader));
    }

    [Fact]
    public void SharedStructsMatch()
    {
        Assert.Equal(VmOffsets.StoreFuel, Offset<VmStoreContext>(nameof(VmStoreContext.Fuel)));
        Assert.Equal(VmOffsets.StoreInterrupt, Offset<VmStoreContext>(nameof(VmStoreContext.Interrupt)));
        Assert.Equal(VmOffsets.StoreTrapCode, Offset<VmStoreContext>(nameof(VmStoreContext.TrapCode)));
        Assert.Equal(VmOffsets.StoreStackLimit, Offset<VmStoreContext>(nameof(VmStoreContext.StackLimit)));
        Assert.Equal(VmOffsets.StorePendingException, Offset<VmStoreContext>(nameof(VmStoreContext.PendingException)));
        Assert.Equal(VmOffsets.StoreEntryStackPointer, Offset<VmStoreContext>(nameof(VmStoreContext.EntryStackPointer)));
        Assert.Equal(VmOffsets.StoreContextSize, sizeof(VmStoreContext));

        Assert.Equal(VmOffsets.MemoryDefinitionBase, Offset<VmMemoryDefinition>(nameof(VmMemoryDefinition.Base)));
        Assert.Equal(VmOffsets.MemoryDefinitionLength, Offset<VmMemoryDefinition>(nameof(VmMemoryDefinition.Length)));
        Assert.Equal(VmOffsets.MemoryDefinitionSize, sizeof(VmMemoryDefinition));
        Assert.Equal(VmOffsets.TableDefinitionElements, Offset<VmTableDefinition>(nameof(VmTableDefinition.Elements)));
        Assert.Equal(VmOffsets.TableDefinitionLength, Offset<VmTableDefinition>(nameof(VmTableDefinition.Length)));
        Assert.Equal(VmOffsets.TableDefinitionSize, sizeof(VmTableDefinition));
        Assert.Equal(VmOffsets.FunctionSlotCode, Offset<VmFunctionSlot>(nameof(VmFunctionSlot.Code)));
        Assert.Equal(VmOffsets.FunctionSlotVmctx, Offset<VmFunctionSlot>(nameof(VmFunctionSlot.Vmctx)));
        Assert.Equal(VmOffsets.FunctionSlotSize, sizeof(VmFunctionSlot));
        Assert.Equal(VmOffsets.FuncRefCode, Offset<VmFuncRef>(nameof(VmFuncRef.Code)));
        Assert.Equal(VmOffsets.FuncRefVmctx, Offset<VmFuncRef>(nameof(VmFuncRef.Vmctx)));
        Assert.Equal(VmOffsets.FuncRefTypeId, Offset<VmFuncRef>(nameof(VmFuncRef.TypeId)));
        Assert.Equal(VmOffsets.FuncRefFuncId, Offset<VmFuncRef>(nameof(VmFuncRef.FuncId)));
        Assert.Equal(VmOffsets.FuncRefSize, sizeof(VmFuncRef));
    }

    [Fact]
    public void InstanceContextIsFilledAtTheDocumentedOffsets()
    {
        // The interpreter's instance: no code table.
        using var host = new TestHost(new EngineOptions { Tier = Tier.Interpreter });
        Global imported = Global.Create(host.Store, new GlobalType(ValType.I32, true), Value.FromI32(5));
        host.Linker.Define("env", "g", imported);
        var b = new ModuleBuilder();
        b.ImportGlobal("env", "g", ValType.I32, true);
        b.AddMemory(1);
        b.AddTable(ValType.FuncRef, 3);
        b.AddGlobal(ValType.I64, false, "i64.const 9");
        b.AddFunction("f", T.None, T.None, T.None);
        Instance instance = host.Instantiate(b);
        byte* vmctx = instance.Vmctx;
        VmOffsets o = instance.Offsets;

        Assert.Equal((nint)host.Store.Context, *(nint*)(vmctx + VmOffsets.StoreContext));
        Assert.Equal((nint)instance.MemoryBase, *(nint*)(vmctx + VmOffsets.MemoryBase));
        var memory = *(VmMemoryDefinition**)(vmctx + VmOffsets.MemoryDefinition);
        Assert.Equal(65536ul, *(ulong*)((byte*)memory + VmOffsets.MemoryDefinitionLength));
        Assert.Equal(5ul, **(ulong**)(vmctx + o.Global(0)));
        Assert.Equal(9ul, **(ulong**)(vmctx + o.Global(1)));
        var table = *(byte**)(vmctx + o.Table(0));
        Assert.Equal(3u, *(uint*)(table + VmOffsets.TableDefinitionLength));
        var funcRef = *(byte**)(vmctx + o.FuncRef(0));
        Assert.Equal((nint)vmctx, *(nint*)(funcRef + VmOffsets.FuncRefVmctx));
        Assert.Equal((nint)vmctx, *(nint*)(vmctx + o.FunctionSlot(0) + VmOffsets.FunctionSlotVmctx));
        Assert.Equal((nint)Kiln.Compiled.HelperTable.Address, *(nint*)(vmctx + VmOffsets.HelperTable));
        Assert.Equal(0, *(nint*)(vmctx + VmOffsets.CodeTable));
        Assert.Equal(host.Engine.GetSignatureId(new FuncType([], [])), *(int*)(vmctx + o.SignatureId(0)));
        Assert.Equal(o.FuncRefsStart + 8, o.SignatureIdsStart);
        Assert.Equal(o.SignatureIdsStart + 4, o.Size);
        imported.Value = Value.FromI32(6);
        Assert.Equal(6ul, **(ulong**)(vmctx + o.Global(0)));
    }
}
