using System.Runtime.InteropServices;
using Kiln.Jit.Diagnostics;
using Kiln.Jit.GdbProbe;

namespace Kiln.Jit.Tests.Diagnostics;

/// <summary>
/// The system unwinder walking through generated code: probe!inner calls glibc's <c>backtrace</c> (libgcc's
/// unwinder underneath). With the batch's <c>.eh_frame</c> registered, the walk passes inner and reaches outer;
/// without it, it stops at inner. Freeing the batch deregisters the frames.
/// </summary>
public unsafe class UnwindTests
{
    [Fact]
    public void RegisteredFramesLetBacktraceWalkFromInnerIntoOuter()
    {
        var diagnostics = new JitDiagnostics(new JitDiagnosticsOptions { UnwindInfo = true });
        using var memory = new CodeMemory(new CodeMemoryOptions { Strategy = CodeMemoryStrategy.Mprotect, UseEnvironment = false });
        using ProbeFunctions.Installed probe = ProbeFunctions.Install(memory, diagnostics);
        Assert.True(probe.Registration.IsRegisteredWithUnwinder);
        Assert.False(probe.Registration.IsRegisteredWithGdb);

        nint[] frames = Backtrace(probe);
        Assert.Contains(frames, a => Inside(probe, probe.Inner, a));
        Assert.Contains(frames, a => Inside(probe, probe.Outer, a));

        probe.Batch.Dispose();
        Assert.False(probe.Registration.IsRegisteredWithUnwinder);
    }

    [Fact]
    public void WithoutRegistrationBacktraceStopsInsideTheGeneratedCode()
    {
        using var memory = new CodeMemory(new CodeMemoryOptions { Strategy = CodeMemoryStrategy.Mprotect, UseEnvironment = false });
        using ProbeFunctions.Installed probe = ProbeFunctions.Install(memory, diagnostics: null);
        nint[] frames = Backtrace(probe);
        Assert.Contains(frames, a => Inside(probe, probe.Inner, a));
        Assert.DoesNotContain(frames, a => Inside(probe, probe.Outer, a));
    }

    [Fact]
    public void ARegistrationWithdrawnEarlyIsNotWithdrawnAgainByTheBatch()
    {
        var diagnostics = new JitDiagnostics(new JitDiagnosticsOptions { UnwindInfo = true });
        using var memory = new CodeMemory(new CodeMemoryOptions { Strategy = CodeMemoryStrategy.Mprotect, UseEnvironment = false });
        ProbeFunctions.Installed probe = ProbeFunctions.Install(memory, diagnostics);
        probe.Registration.Dispose();
        Assert.False(probe.Registration.IsRegisteredWithUnwinder);
        Assert.DoesNotContain(Backtrace(probe), a => Inside(probe, probe.Outer, a));
        probe.Batch.Dispose(); // disposes the registration again: a no-op, not a second __deregister_frame
    }

    private static nint[] Backtrace(ProbeFunctions.Installed probe)
    {
        nint backtrace = NativeLibrary.GetExport(NativeLibrary.Load("libc.so.6"), "backtrace");
        var buffer = new nint[32];
        long count;
        fixed (nint* start = buffer)
        {
            // outer -> inner -> backtrace(buffer, 32); inner adds 1 and outer 100 to backtrace's result.
            count = probe.Call(backtrace, 1, (nint)start, buffer.Length) - 101;
        }
        Assert.InRange(count, 1, buffer.Length);
        return buffer[..(int)count];
    }

    private static bool Inside(ProbeFunctions.Installed probe, JitFunction function, nint address)
    {
        nint start = probe.Batch.GetAddress(function.Item!.Value);
        return address > start && address <= start + function.Size;
    }
}
