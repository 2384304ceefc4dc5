using Kiln.Jit.X64;

namespace Kiln.Compiled;

/// <summary>Engine-wide machine code: the managed-call stub shared by every host and interpreted function.</summary>
internal static class EngineStubs
{
    public static nint Create(Engine engine)
    {
        var asm = new Assembler(CpuFeatures.Host, 256);
        CompiledStubs.EmitManagedCallStub(asm, CompiledRuntime.ManagedCallAddress);
        var chunk = new CompiledChunk(asm.ToAssembledCode());
        chunk.Stubs.Add(("kiln!managed_call_stub", 0, asm.Code.Length));
        // The batch lives until the engine's code memory is disposed.
        CodeInstaller.Install(engine, [chunk], static _ => "", "");
        return chunk.Address;
    }
}
