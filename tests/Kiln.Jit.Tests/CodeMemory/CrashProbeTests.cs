
namespace Kiln.Jit.Tests;

/// <summary>Runs Kiln.Jit.CrashProbe as a child process for what must not happen inside the test host.</summary>
public class CrashProbeTests
{
    private const int SigsegvExitCode = 128 + 11;

    [Theory]
    [InlineData("write-sealed-code", "mprotect")]
    [InlineData("write-sealed-code", "dual")]
    [InlineData("write-sealed-data", "mprotect")]
    [InlineData("write-sealed-data", "dual")]
    public void WritingIntoASealedBatchDiesOfSigsegv(string mode, string strategy)
    {
        (int exitCode, string output) = RunProbe([mode, strategy]);
        // The probe first proves the code runs, then stores one byte through libc into the sealed page.
        Assert.Contains("called 42", output);
        Assert.Contains("writing 0x", output);
        Assert.DoesNotContain("write-survived", output);
        Assert.True(exitCode == SigsegvExitCode, $"expected death by SIGSEGV (exit {SigsegvExitCode}), got exit {exitCode}:\n{output}");
    }

    [Fact]
    public void WithMemfdBlockedDualMappingIsRefusedAndTheDefaultStillWorks()
    {
        (int exitCode, string output) = RunProbe(["seccomp", "block-memfd"]);
        Assert.True(exitCode == 0, output);
        Assert.Contains("seccomp installed", output);
        Assert.Contains("explicit DualMapping: error", output);
        Assert.Contains("memfd_create failed: EPERM", output);
        Assert.Contains("explicit Mprotect: ok value=42", output);
        Assert.Contains(CodeMemoryStrategySelector.Preferred == CodeMemoryStrategy.Mprotect
            ? "auto: Mprotect value=50 fallback=none"
            : "auto: Mprotect value=50 fallback=dual-mapping unavailable: memfd_create failed: EPERM", output);
    }

    [Fact]
    public void WithExecutableMprotectRefusedAutoFallsBackToDualMappingAndSaysWhy()
    {
        // The runtime's own W^X allocator also asks mprotect for read-execute pages; with it off the runtime commits
        // its code heap read-write-execute, which the filter lets through, so only Kiln's seal meets the refusal.
        (int exitCode, string output) = RunProbe(["seccomp", "block-exec-mprotect"], ("DOTNET_EnableWriteXorExecute", "0"));
        Assert.True(exitCode == 0, output);
        Assert.Contains("explicit Mprotect: error", output);
        Assert.Contains("explicit DualMapping: ok value=42", output);
        Assert.Contains(CodeMemoryStrategySelector.Preferred == CodeMemoryStrategy.Mprotect
            ? "auto: DualMapping value=50 fallback=mprotect unavailable: mprotect of 4096 bytes"
            : "auto: DualMapping value=50 fallback=none", output);
        Assert.Contains("to r-x failed: EACCES", output);
    }

    [Fact]
    public void AKernelWithoutMfdExecGetsTheRetryWithoutIt()
    {
        // Kernels before 6.3 answer MFD_EXEC with EINVAL; the filter makes this kernel answer the same way.
        (int exitCode, string output) = RunProbe(["seccomp", "memfd-exec-einval"]);
        Assert.True(exitCode == 0, output);
        // One batch: the refused call with MFD_EXEC, then the retry without it.
        Assert.Contains("explicit DualMapping: ok value=42 memfd_create calls=2", output);
    }

    internal static (int ExitCode, string Output) RunProbe(string[] args, params (string Name, string Value)[] environment)
    {
        string probe = ExternalTools.BesideTests("Kiln.Jit.CrashProbe.dll");
        // The probe must choose its code memory for itself (Run drops KILN_CODE_MEMORY); a core dump of the intended crash would only cost time.
        (int exitCode, string output) = ExternalTools.Run(ExternalTools.DotnetHost, [probe, .. args], TimeSpan.FromSeconds(60),
            environment.ToDictionary(e => e.Name, e => e.Value));
        return (exitCode, output);
    }
}
