using System.Runtime.InteropServices;

namespace Kiln.Jit;

/// <summary>
/// Picks the Linux backend for a <see cref="CodeMemory"/>: an explicit option first, then <c>KILN_CODE_MEMORY</c>,
/// then the measured default. Every candidate is probed end to end (reserve, write a return instruction, seal,
/// call it, release) so an environment that forbids it (memfd_create blocked by seccomp, executable mprotect
/// denied by SELinux) is found at start-up; Auto then falls back to the other strategy and records why.
/// </summary>
internal static class CodeMemoryStrategySelector
{
    /// <summary>
    /// The default when nothing is chosen. Mprotect publishes a batch in fewer system calls and measured faster at
    /// every batch size (docs/ARCHITECTURE.md, "Code memory"), and it is the strategy perf maps and GDB need.
    /// </summary>
    public const CodeMemoryStrategy Preferred = CodeMemoryStrategy.Mprotect;

    public sealed record Choice(ICodeMemoryBackend Backend, string Reason, string? FallbackReason);

    public static Choice Select(CodeMemoryOptions options, CodeMemoryCounters counters)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException(
                "Kiln code memory is implemented for Linux only; the macOS (MAP_JIT) and Windows (VirtualAlloc) backends are not written yet.");
        }
        if (options.Strategy != CodeMemoryStrategy.Auto)
        {
            return Explicit(options.Strategy, "chosen by CodeMemoryOptions.Strategy", counters);
        }
        string? environment = options.UseEnvironment ? Environment.GetEnvironmentVariable(CodeMemory.StrategyEnvironmentVariable) : null;
        CodeMemoryStrategy fromEnvironment = ParseEnvironment(environment);
        if (fromEnvironment != CodeMemoryStrategy.Auto)
        {
            return Explicit(fromEnvironment, $"chosen by {CodeMemory.StrategyEnvironmentVariable}={environment!.Trim()}", counters);
        }
        string? preferredFailure = Probe(Preferred);
        if (preferredFailure is null)
        {
            return new Choice(Create(Preferred, counters), "default, measured fastest to publish", null);
        }
        CodeMemoryStrategy other = Preferred == CodeMemoryStrategy.Mprotect ? CodeMemoryStrategy.DualMapping : CodeMemoryStrategy.Mprotect;
        string fallbackReason = $"{NameOf(Preferred)} unavailable: {preferredFailure}";
        string? otherFailure = Probe(other);
        if (otherFailure is not null)
        {
            throw new CodeMemoryException($"No W^X code memory strategy works here: {fallbackReason}; {NameOf(other)} unavailable: {otherFailure}");
        }
        return new Choice(Create(other, counters), fallbackReason, fallbackReason);
    }

    /// <summary>The name <c>kiln version</c> prints: <c>mprotect</c> or <c>dual-mapping</c>.</summary>
    public static string NameOf(CodeMemoryStrategy strategy) => strategy switch
    {
        CodeMemoryStrategy.Mprotect => "mprotect",
        CodeMemoryStrategy.DualMapping => "dual-mapping",
        _ => "auto",
    };

    internal static CodeMemoryStrategy ParseEnvironment(string? value)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case null or "" or "auto":
                return CodeMemoryStrategy.Auto;
            case "mprotect":
                return CodeMemoryStrategy.Mprotect;
            case "dual" or "dual-mapping":
                return CodeMemoryStrategy.DualMapping;
            default:
                throw new CodeMemoryException(
                    $"{CodeMemory.StrategyEnvironmentVariable}='{value}' is not a code memory strategy; use mprotect, dual or auto.");
        }
    }

    private static Choice Explicit(CodeMemoryStrategy strategy, string reason, CodeMemoryCounters counters)
    {
        // An explicit choice is never replaced silently: if it cannot work here, say so.
        string? failure = Probe(strategy);
        if (failure is not null)
        {
            throw new CodeMemoryException($"Code memory strategy {NameOf(strategy)} ({reason}) is unavailable: {failure}");
        }
        return new Choice(Create(strategy, counters), reason, null);
    }

    private static ICodeMemoryBackend Create(CodeMemoryStrategy strategy, CodeMemoryCounters counters) => strategy switch
    {
        CodeMemoryStrategy.Mprotect => new MprotectBackend(counters),
        CodeMemoryStrategy.DualMapping => new DualMappingBackend(counters),
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "not a concrete strategy"),
    };

    /// <summary>Runs one return instruction through the whole life cycle; null when it worked, else why not.</summary>
    private static unsafe string? Probe(CodeMemoryStrategy strategy)
    {
        // Its own counters: a probe is not part of the statistics of the memory it chooses for.
        ICodeMemoryBackend backend = Create(strategy, new CodeMemoryCounters());
        CodeRegion region;
        try
        {
            region = backend.Reserve(Interop.LibC.PageSize, 0);
        }
        catch (CodeMemoryException e)
        {
            return e.Message;
        }
        try
        {
            ReadOnlySpan<byte> ret = RuntimeInformation.ProcessArchitecture == Architecture.Arm64
                ? [0xC0, 0x03, 0x5F, 0xD6]
                : [0xC3];
            ret.CopyTo(new Span<byte>((void*)region.WritableBase, ret.Length));
            backend.Seal(region, Interop.LibC.PageSize, 0);
            InstructionCache.ForCurrentProcess().Flush(region.ExecutableBase, (nuint)ret.Length);
            ((delegate* unmanaged<void>)region.ExecutableBase)();
            return null;
        }
        catch (CodeMemoryException e)
        {
            return e.Message;
        }
        finally
        {
            backend.Release(region);
        }
    }
}
