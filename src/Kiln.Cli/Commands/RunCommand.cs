using System.CommandLine;
using Kiln.Cli.Run;

namespace Kiln.Cli.Commands;

/// <summary>
/// <c>kiln run [options] FILE.wasm|FILE.wat [ARGS...]</c>: runs a WASI program (its <c>_start</c>)
/// or calls one export (<c>--invoke</c>), with Wasmtime-style flags. Everything after FILE belongs
/// to the guest, options included, so the command line is split at FILE before System.CommandLine
/// sees the options (<see cref="SplitGuestArguments"/>).
/// </summary>
internal static class RunCommand
{
    /// <summary>Options that take a value (so their value is not mistaken for FILE).</summary>
    private static readonly HashSet<string> s_valueOptions =
        ["--dir", "--dir-ro", "--env", "--invoke", "--tier", "--max-memory", "--timeout", "--fuel", "--profile", .. IsolatedRun.ValueOptions];

    private const string Epilog = """

        Directories: --dir HOST[::GUEST] grants HOST read-write, --dir-ro HOST[::GUEST] read-only; the guest
        sees it as GUEST (default: HOST as written). Nothing else of the host file system is visible.

        Exit status: the guest's proc_exit status (0 when _start or --invoke returns); 1 when the module cannot
        be loaded (malformed, invalid, unsupported, link error, missing file, a serialized module that is corrupt or
        was compiled for another Kiln, tier, CPU or options); 2 for a bad command line (also when
        --profile or --debug-info cannot be set up, e.g. DOTNET_PerfMapEnabled already writes the perf map);
        70 for an internal error; 134 when the guest traps (also on --timeout and --fuel exhaustion), with the
        trap message and the Wasm backtrace on stderr. With --isolate: 71 when the isolation cannot be applied, and
        128+N when the isolated run is killed by signal N (the reason, e.g. the CPU limit, on stderr).
        """;

    /// <summary>Where the baseline compiler runs, programs run compiled unless --tier says otherwise, as in Wasmtime.</summary>
    private static bool CompilesByDefault => EngineOptions.GeneratesCode;

    public static Command Create(IReadOnlyList<string> guestArguments)
    {
        var file = new Argument<string>("FILE") { Description = "the module: binary .wasm, text .wat, or a serialized module from kiln compile -o" };
        var args = new Argument<string[]>("ARGS") { Description = "the program's arguments (or --invoke's arguments)", Arity = ArgumentArity.ZeroOrMore };
        var dir = new Option<string[]>("--dir") { Description = "grant a host directory read-write: HOST[::GUEST] (repeatable)", AllowMultipleArgumentsPerToken = false };
        var dirRo = new Option<string[]>("--dir-ro") { Description = "grant a host directory read-only: HOST[::GUEST] (repeatable)" };
        var env = new Option<string[]>("--env") { Description = "set an environment variable: NAME=VALUE, or NAME for the host's value (repeatable)" };
        var invoke = new Option<string?>("--invoke") { Description = "call this export with ARGS (parsed by its parameter types) and print its results, one per line" };
        var tier = new Option<string?>("--tier") { Description = "execution tier: interp, baseline, opt or auto (baseline first, hot functions optimized in the background; default: auto on Linux x86-64, where Kiln compiles, else interp; a serialized module runs on the tier it was compiled for)" };
        var maxMemory = new Option<string?>("--max-memory") { Description = "most bytes a linear memory may grow to: bytes or with K, M, G (e.g. 64M)" };
        var timeout = new Option<string?>("--timeout") { Description = "interrupt the guest after this wall-clock time: e.g. 500ms, 10s, 2m" };
        var fuel = new Option<long?>("--fuel") { Description = "run with this much fuel (one unit per call and loop iteration); trap when it runs out" };
        var noInterruptChecks = new Option<bool>("--no-interrupt-checks") { Description = "compile without interrupt checks at loop headers and calls (a little faster; --timeout then cannot stop the guest, so the two exclude each other)" };
        var noOsr = new Option<bool>("--no-osr") { Description = "auto tier: keep long-running loops on the baseline (no on-stack replacement into optimized code)" };
        var stats = new Option<bool>("--stats") { Description = "print compile time per tier, code bytes, permission changes and peak memory on stderr" };
        var profile = new Option<string?>("--profile") { Description = "name compiled code for perf: perfmap (/tmp/perf-PID.map) or jitdump (jit-PID.dump in $KILN_JITDUMP_DIR or ~/.debug/jit); implies --tier baseline" };
        var debugInfo = new Option<bool>("--debug-info") { Description = "register compiled code with GDB and the unwinder (break module!function, bt); implies --tier baseline" };
        var trapUnknownImports = new Option<bool>("--trap-unknown-imports") { Description = "define function imports that neither WASI nor Kiln provides as functions that trap when called (for programs whose extra imports go unused here)" };
        var verbose = new Option<bool>("--verbose") { Description = "print the profiler and debugger integrations in effect on stderr" };
        var isolation = new IsolatedRun.Options();
        var command = new Command("run", "Run a WebAssembly program (WASI preview1) or call one of its exports" + Epilog)
        {
            file, args, dir, dirRo, env, invoke, tier, maxMemory, timeout, fuel, noInterruptChecks, noOsr, stats, profile, debugInfo, trapUnknownImports, verbose,
        };
        foreach (Option option in isolation.All)
        {
            command.Options.Add(option);
        }
        command.SetAction(result =>
        {
            try
            {
                CodeProfiler profiler = result.GetValue(profile) is { } p ? OptionValues.ParseProfiler(p) : CodeProfiler.None;
                bool wantsDebugInfo = result.GetValue(debugInfo);
                bool needsCompiledCode = profiler != CodeProfiler.None || wantsDebugInfo;
                // Profilers and debuggers see machine code only: they imply the baseline tier, and contradict an explicit interp.
                // Otherwise auto where Kiln compiles: the baseline first, hot functions and loops optimized in the background.
                string tierName = result.GetValue(tier) ?? (needsCompiledCode ? "baseline" : CompilesByDefault ? "auto" : "interp");
                if (!TierNames.TryParse(tierName, out Tier parsedTier))
                {
                    throw new FormatException($"unknown tier '{tierName}' (use interp, baseline, opt or auto)");
                }
                if (needsCompiledCode && parsedTier == Tier.Interpreter)
                {
                    string flag = profiler != CodeProfiler.None ? "--profile" : "--debug-info";
                    throw new FormatException($"{flag} needs compiled code: it cannot be used with --tier interp (use --tier baseline, or leave --tier out)");
                }
                if (result.GetValue(fuel) is < 0)
                {
                    throw new FormatException("--fuel must not be negative");
                }
                if (result.GetValue(noInterruptChecks) && result.GetValue(timeout) is not null)
                {
                    throw new FormatException("--timeout needs interrupt checks: it cannot be used with --no-interrupt-checks");
                }
                if (result.GetValue(file) is { } f && f.StartsWith('-') && f.Length > 1)
                {
                    throw new FormatException($"unknown option '{f}' (see kiln run --help)");
                }
                var options = new RunOptions
                {
                    File = result.GetValue(file)!,
                    Arguments = [.. result.GetValue(args) ?? [], .. guestArguments],
                    Directories =
                    [
                        .. (result.GetValue(dir) ?? []).Select(d => DirectoryGrant.Parse(d, readOnly: false)),
                        .. (result.GetValue(dirRo) ?? []).Select(d => DirectoryGrant.Parse(d, readOnly: true)),
                    ],
                    Environment = [.. (result.GetValue(env) ?? []).Select(OptionValues.ParseEnvironment)],
                    Invoke = result.GetValue(invoke),
                    Tier = parsedTier,
                    TierChosen = result.GetValue(tier) is not null || needsCompiledCode,
                    MaxMemoryBytes = result.GetValue(maxMemory) is { } m ? OptionValues.ParseSize(m) : null,
                    Timeout = result.GetValue(timeout) is { } t ? OptionValues.ParseDuration(t) : null,
                    Fuel = result.GetValue(fuel),
                    InterruptChecks = !result.GetValue(noInterruptChecks),
                    OnStackReplacement = !result.GetValue(noOsr),
                    Stats = result.GetValue(stats),
                    Profiler = profiler,
                    DebugInfo = wantsDebugInfo,
                    Verbose = result.GetValue(verbose),
                    TrapUnknownImports = result.GetValue(trapUnknownImports),
                    Isolation = isolation.Parse(result),
                };
                if (options.Isolation is { } policy && !IsolatedRun.IsChild)
                {
                    return IsolatedRun.RunParent(options, policy, Console.Error);
                }
                return IsolatedRun.Finish(new Runner(options, Console.Out, Console.Error).Run());
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                Console.Error.WriteLine($"kiln run: {e.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }

    /// <summary>
    /// Splits <c>run [options] FILE [ARGS...]</c> after FILE: returns the tokens up to and including
    /// FILE (for System.CommandLine) and the rest, verbatim, for the guest.
    /// </summary>
    public static (string[] Head, string[] Guest) SplitGuestArguments(string[] args)
    {
        for (int i = 1; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--")
            {
                return i + 1 < args.Length ? ([.. args[..i].Select(IsolatedRun.Normalize), args[i + 1]], args[(i + 2)..]) : ([.. args.Select(IsolatedRun.Normalize)], []);
            }
            if (a.StartsWith('-') && a.Length > 1)
            {
                if (s_valueOptions.Contains(a))
                {
                    i++;
                }
                continue;
            }
            return ([.. args[..i].Select(IsolatedRun.Normalize), a], args[(i + 1)..]);
        }
        return ([.. args.Select(IsolatedRun.Normalize)], []);
    }
}
