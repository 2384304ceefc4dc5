using System.Diagnostics;
using Kiln.Jit.Interop;
using Kiln.Jit.Traps;
using Kiln.Jit.X64;
using Xunit.Abstractions;

namespace Kiln.Jit.Tests.Traps;

/// <summary>
/// The guard-page trap handler in the test process: a load from an inaccessible page at a registered site resumes
/// at the recovery code, under load from several threads while the GC runs and while other ranges come and go, and
/// the .NET runtime still turns managed null dereferences into exceptions. Faults the handler must not swallow run
/// in a child process (<see cref="TrapHandlerCrashTests"/>).
/// </summary>
public sealed unsafe class TrapHandlerTests : IDisposable
{
    private const long Marker = 0xBAD;

    private readonly ITestOutputHelper _output;
    private readonly CodeMemory _memory = new();
    private readonly nint _inaccessible;
    private readonly nint _readable;

    public TrapHandlerTests(ITestOutputHelper output)
    {
        _output = output;
        Assert.True(TrapHandler.TryInstall(out string? failure), failure);
        _inaccessible = LibC.Mmap(0, 4096, LibC.ProtNone, LibC.MapPrivate | LibC.MapAnonymous, -1, 0);
        _readable = LibC.Mmap(0, 4096, LibC.ProtRead | LibC.ProtWrite, LibC.MapPrivate | LibC.MapAnonymous, -1, 0);
        Assert.NotEqual(LibC.MapFailed, _inaccessible);
        Assert.NotEqual(LibC.MapFailed, _readable);
        *(long*)_readable = 1234;
    }

    public void Dispose()
    {
        _memory.Dispose();
        LibC.Munmap(_inaccessible, 4096);
        LibC.Munmap(_readable, 4096);
    }

    /// <summary>
    /// <c>long load(long* p) => *p</c> at offset 0 (and a store <c>*p = 7</c> at <paramref name="storeSite"/>), with
    /// the recovery code <c>return 0xBAD</c>: the recovery runs on the faulting frame, so its ret returns to the caller.
    /// </summary>
    private (CodeBatch Batch, nint Load, nint Store, nint Recovery, int Length, int LoadSite, int StoreSite) Build()
    {
        var asm = new Assembler();
        int loadSite = asm.Position;
        asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(Gpr.Rdi));
        asm.Ret();
        asm.Align(16);
        int store = asm.Position;
        asm.Mov(OperandSize.S32, Gpr.Rax, 7);
        int storeSite = asm.Position;
        asm.Mov(OperandSize.S64, Mem.At(Gpr.Rdi, 8), Gpr.Rax);
        asm.Ret();
        asm.Align(16);
        int recovery = asm.Position;
        asm.Mov(OperandSize.S32, Gpr.Rax, (int)Marker);
        asm.Ret();
        asm.Finish();
        using CodeBatchBuilder builder = _memory.CreateBatch(asm.Code.Length);
        CodeItem item = builder.AddFunction(asm.Code);
        CodeBatch batch = builder.Seal();
        nint code = batch.GetAddress(item);
        return (batch, code, code + store, code + recovery, asm.Code.Length, loadSite, storeSite);
    }

    [Fact]
    public void ALoadAtARegisteredSiteResumesAtTheRecoveryCode()
    {
        var f = Build();
        using TrapSiteRegistration registration = TrapHandler.Register(f.Batch, f.Load, f.Length, [f.LoadSite, f.StoreSite], f.Recovery);
        var load = (delegate* unmanaged<nint, long>)f.Load;
        var store = (delegate* unmanaged<nint, long>)f.Store;
        long before = TrapHandler.RedirectedFaults;

        Assert.Equal(1234, load(_readable));
        Assert.Equal(Marker, load(_inaccessible));
        Assert.Equal(7, store(_readable));
        Assert.Equal(7, *(long*)(_readable + 8));
        Assert.Equal(Marker, store(_inaccessible));
        Assert.True(TrapHandler.RedirectedFaults - before >= 2);
        Assert.Equal([f.LoadSite, f.StoreSite], registration.GetSiteOffsets());
    }

    [Fact]
    public void ManagedNullReferencesStillBecomeExceptions()
    {
        var f = Build();
        using TrapSiteRegistration registration = TrapHandler.Register(f.Batch, f.Load, f.Length, [f.LoadSite], f.Recovery);
        long passedBefore = TrapHandler.PassedOnFaults;
        for (int i = 0; i < 100; i++)
        {
            Assert.Throws<NullReferenceException>(() => Dereference(null));
            Assert.Equal(Marker, ((delegate* unmanaged<nint, long>)f.Load)(_inaccessible));
        }
        Assert.True(TrapHandler.PassedOnFaults - passedBefore >= 100, "managed faults go through the handler to the runtime's");
    }

    private static int Dereference(int[]? array) => array!.Length;

    [Fact]
    public void DisposingTheBatchWithdrawsItsRange()
    {
        var f = Build();
        int before = TrapHandler.RegisteredRanges;
        TrapSiteRegistration registration = TrapHandler.Register(f.Batch, f.Load, f.Length, [f.LoadSite], f.Recovery);
        Assert.Equal(before + 1, TrapHandler.RegisteredRanges);
        f.Batch.Dispose();
        Assert.True(registration.IsDisposed);
        Assert.Equal(before, TrapHandler.RegisteredRanges);
    }

    [Fact]
    public void BadTablesAreRefused()
    {
        var f = Build();
        Assert.Throws<ArgumentException>(() => TrapHandler.Register(f.Batch, f.Load, f.Length, [4, 4], f.Recovery));
        Assert.Throws<ArgumentException>(() => TrapHandler.Register(f.Batch, f.Load, f.Length, [8, 4], f.Recovery));
        Assert.Throws<ArgumentException>(() => TrapHandler.Register(f.Batch, f.Load, f.Length, [f.Length], f.Recovery));
        Assert.Throws<ArgumentException>(() => TrapHandler.Register(f.Batch, f.Load, f.Length, [-1], f.Recovery));
        Assert.Throws<ArgumentException>(() => TrapHandler.Register(f.Batch, f.Load, f.Length + 4096, [0], f.Recovery));
        using TrapSiteRegistration first = TrapHandler.Register(f.Batch, f.Load, 16, [0], f.Recovery);
        Assert.Throws<ArgumentException>(() => TrapHandler.Register(f.Batch, f.Load + 8, 16, [0], f.Recovery));
        f.Batch.Dispose();
    }

    /// <summary>
    /// Four threads trap at least 30,000 times each while a fifth collects garbage and a sixth registers and withdraws
    /// other ranges 200 times or more (each publication frees the previous table after the grace period): every trap
    /// must land.
    /// </summary>
    [Fact]
    public void ManyTrapsOnSeveralThreadsWhileTheGcRunsAndTablesChange()
    {
        var f = Build();
        using TrapSiteRegistration registration = TrapHandler.Register(f.Batch, f.Load, f.Length, [f.LoadSite], f.Recovery);
        const int threads = 4, perThread = 30_000;
        bool stop = false;
        long collections = 0, publications = 0;
        var gc = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                GC.Collect();
                _ = new byte[10_000];
                collections++;
            }
        });
        var churn = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                var other = Build();
                using (TrapHandler.Register(other.Batch, other.Load, other.Length, [other.LoadSite], other.Recovery))
                {
                    Interlocked.Increment(ref publications);
                }
                other.Batch.Dispose();
            }
        });
        var landed = new long[threads];
        var attempts = new long[threads];
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int index = t;
            workers[t] = new Thread(() =>
            {
                for (int i = 0; i < perThread || Volatile.Read(ref publications) < 200; i++)
                {
                    attempts[index]++;
                    landed[index] += ((delegate* unmanaged<nint, long>)f.Load)(_inaccessible) == Marker ? 1 : 0;
                    if (i % 1000 == 0 && ((delegate* unmanaged<nint, long>)f.Load)(_readable) != 1234)
                    {
                        landed[index] = long.MinValue;
                    }
                }
            });
        }
        gc.Start();
        churn.Start();
        foreach (Thread w in workers)
        {
            w.Start();
        }
        foreach (Thread w in workers)
        {
            w.Join();
        }
        Volatile.Write(ref stop, true);
        gc.Join();
        churn.Join();
        Assert.Equal(attempts, landed);
        Assert.All(landed, n => Assert.True(n >= perThread));
        _output.WriteLine($"{landed.Sum()} traps, {collections} collections, {publications} table changes");
        Assert.True(collections > 0 && publications > 0);
    }

    [Fact]
    public void CostPerTrap()
    {
        var f = Build();
        using TrapSiteRegistration registration = TrapHandler.Register(f.Batch, f.Load, f.Length, [f.LoadSite], f.Recovery);
        var load = (delegate* unmanaged<nint, long>)f.Load;
        for (int i = 0; i < 1000; i++)
        {
            load(_inaccessible);
        }
        const int n = 20_000;
        var watch = Stopwatch.StartNew();
        long sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += load(_inaccessible);
        }
        watch.Stop();
        Assert.Equal(n * Marker, sum);
        _output.WriteLine($"{watch.Elapsed.TotalMicroseconds / n:F2} µs per trap");
    }
}

/// <summary>Faults the handler must pass on, in a child process: they must still kill it with SIGSEGV.</summary>
public class TrapHandlerCrashTests
{
    private const int SigsegvExitCode = 128 + 11;

    [Fact]
    public void AFaultAtAnUnregisteredInstructionReachesTheRuntimeAndKills()
    {
        (int exitCode, string output) = CrashProbeTests.RunProbe(["guard-trap", "unregistered"]);
        Assert.Contains("registered: 0xbad", output);
        Assert.Contains("calling unregistered", output);
        Assert.DoesNotContain("unregistered-survived", output);
        Assert.True(exitCode == SigsegvExitCode, $"expected death by SIGSEGV (exit {SigsegvExitCode}), got exit {exitCode}:\n{output}");
    }

    [Fact]
    public void WithNoPreviousHandlerTheDefaultActionKills()
    {
        (int exitCode, string output) = CrashProbeTests.RunProbe(["guard-trap", "unregistered", "default"]);
        Assert.Contains("reset to SIG_DFL: 0", output);
        Assert.Contains("registered: 0xbad", output);
        Assert.DoesNotContain("unregistered-survived", output);
        Assert.True(exitCode == SigsegvExitCode, $"expected death by SIGSEGV (exit {SigsegvExitCode}), got exit {exitCode}:\n{output}");
    }

    [Fact]
    public void WithNoPreviousHandlerRegisteredSitesStillRecover()
    {
        (int exitCode, string output) = CrashProbeTests.RunProbe(["guard-trap", "registered", "default"]);
        Assert.True(exitCode == 0, output);
        Assert.Contains("registered: 0xbad", output);
    }
}
