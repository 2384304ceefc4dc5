using System.Globalization;

namespace Kiln.Cli.Run;

/// <summary>Everything <c>kiln run</c> was asked to do, parsed and checked.</summary>
internal sealed record RunOptions
{
    public required string File { get; init; }

    /// <summary>Arguments after FILE: the guest's argv[1..], or the arguments of <see cref="Invoke"/>.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    public IReadOnlyList<DirectoryGrant> Directories { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    public string? Invoke { get; init; }

    public Tier Tier { get; init; } = Tier.Interpreter;

    /// <summary>Whether the tier was asked for (--tier, or implied by --profile or --debug-info); otherwise a serialized module runs on the tier it was compiled for.</summary>
    public bool TierChosen { get; init; }

    /// <summary>Most bytes any linear memory may grow to (a whole number of 64 KiB pages).</summary>
    public ulong? MaxMemoryBytes { get; init; }

    public TimeSpan? Timeout { get; init; }

    public long? Fuel { get; init; }

    /// <summary>Compile interrupt checks in (off with <c>--no-interrupt-checks</c>, which excludes <see cref="Timeout"/>).</summary>
    public bool InterruptChecks { get; init; } = true;

    /// <summary>Auto tier: move long-running loops into optimized code by on-stack replacement (off with <c>--no-osr</c>).</summary>
    public bool OnStackReplacement { get; init; } = true;

    public bool Stats { get; init; }

    /// <summary>Name compiled code for perf (<c>--profile</c>); baseline tier only.</summary>
    public CodeProfiler Profiler { get; init; } = CodeProfiler.None;

    /// <summary>Register compiled code with GDB and the unwinder (<c>--debug-info</c>); baseline tier only.</summary>
    public bool DebugInfo { get; init; }

    /// <summary>Print the diagnostics in effect (<c>--verbose</c>).</summary>
    public bool Verbose { get; init; }

    /// <summary>Define function imports nothing provides as traps (<c>--trap-unknown-imports</c>).</summary>
    public bool TrapUnknownImports { get; init; }

    /// <summary>Run in an isolated child process (<c>--isolate</c>); null to run in this process.</summary>
    public Kiln.Isolation.IsolationPolicy? Isolation { get; init; }
}

/// <summary>A <c>--dir</c>/<c>--dir-ro</c> grant: a host directory and the guest path it appears at.</summary>
internal readonly record struct DirectoryGrant(string HostPath, string GuestPath, bool ReadOnly)
{
    /// <summary>Parses <c>HOST[::GUEST]</c>; without GUEST the guest sees the directory under the host path as written.</summary>
    public static DirectoryGrant Parse(string spec, bool readOnly)
    {
        int sep = spec.IndexOf("::", StringComparison.Ordinal);
        string host = sep < 0 ? spec : spec[..sep];
        string guest = sep < 0 ? spec : spec[(sep + 2)..];
        if (host.Length == 0 || guest.Length == 0)
        {
            throw new FormatException($"'{spec}' is not HOST[::GUEST]");
        }
        return new DirectoryGrant(host, guest, readOnly);
    }
}

/// <summary>Parsers for the option values with units.</summary>
internal static class OptionValues
{
    /// <summary><c>perfmap</c> or <c>jitdump</c> (the <c>--profile</c> values).</summary>
    public static CodeProfiler ParseProfiler(string text) => text switch
    {
        "perfmap" => CodeProfiler.PerfMap,
        "jitdump" => CodeProfiler.JitDump,
        _ => throw new FormatException($"unknown profiler '{text}' (use perfmap or jitdump)"),
    };

    /// <summary>Bytes, optionally with a K, M or G suffix (powers of 1024): 65536, 64K, 16M, 1G.</summary>
    public static ulong ParseSize(string text)
    {
        string t = text.Trim();
        ulong multiplier = 1;
        if (t.Length > 0 && char.IsLetter(t[^1]))
        {
            multiplier = char.ToUpperInvariant(t[^1]) switch
            {
                'K' => 1UL << 10,
                'M' => 1UL << 20,
                'G' => 1UL << 30,
                _ => throw new FormatException($"'{text}': the size suffix must be K, M or G"),
            };
            t = t[..^1];
        }
        if (!ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n))
        {
            throw new FormatException($"'{text}' is not a size (bytes, or a number with K, M or G)");
        }
        return checked(n * multiplier);
    }

    /// <summary>A duration: 500ms, 10s, 2m, 1h, or a plain number of seconds.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        string t = text.Trim();
        (string number, double scale) = t switch
        {
            _ when t.EndsWith("ms", StringComparison.Ordinal) => (t[..^2], 0.001),
            _ when t.EndsWith('s') => (t[..^1], 1.0),
            _ when t.EndsWith('m') => (t[..^1], 60.0),
            _ when t.EndsWith('h') => (t[..^1], 3600.0),
            _ => (t, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) || value <= 0 || double.IsInfinity(value))
        {
            throw new FormatException($"'{text}' is not a positive duration (e.g. 500ms, 10s, 2m)");
        }
        return TimeSpan.FromSeconds(value * scale);
    }

    /// <summary><c>K=V</c>, or <c>K</c> alone for the host's value of K.</summary>
    public static KeyValuePair<string, string> ParseEnvironment(string text)
    {
        int eq = text.IndexOf('=');
        string key = eq < 0 ? text : text[..eq];
        if (key.Length == 0)
        {
            throw new FormatException($"'{text}' is not NAME=VALUE");
        }
        string? value = eq < 0 ? System.Environment.GetEnvironmentVariable(key) : text[(eq + 1)..];
        return new(key, value ?? throw new FormatException($"'{key}' is not set in the host environment (use {key}=VALUE)"));
    }
}
