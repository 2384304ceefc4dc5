using Kiln.Jit;
using Kiln.Jit.Linking;
using Kiln.Jit.X64;

namespace Kiln.Baseline;

/// <summary>Engine-wide machine code: the managed-call stub shared by every host and interpreted function.</summary>
internal static class EngineStubs
{
    public static nint Create(Engine engine)
    {
        var asm = new Assembler(CpuFeatures.Host, 256);
        BaselineStubs.EmitManagedCallStub(asm, BaselineRuntime.ManagedCallAddress);
        asm.Finish();
        using CodeBatchBuilder builder = engine.CodeMemory.CreateBatch(asm.Code.Length);
        CodeItem item = builder.AddFunction(asm.Code);
        nint address = builder.GetExecutableAddress(item);
        Relocator.Apply(builder.GetWritableSpan(item), default, asm.Relocations, new RelocationContext((ulong)address, 0, [], null));
        // The batch lives until the engine's code memory is disposed.
        builder.Seal();
        engine.Options.CodeObserver?.OnCodeSealed([new CodeSymbol("kiln!managed_call_stub", address, asm.Code.Length)]);
        return address;
    }
}
