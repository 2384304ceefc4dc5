namespace Kiln.Wasi;

/// <summary>
/// What an embedder grants a WASI guest: arguments, environment variables, the three stdio
/// streams and the preopened host directories. Nothing is granted by default (no arguments, no
/// environment, empty stdin, discarded output, no directories), so each capability is an explicit
/// call. <see cref="Build"/> opens the directories and returns the <see cref="WasiContext"/>.
/// </summary>
public sealed class WasiConfiguration
{
    private readonly List<string> _args = [];
    private readonly List<KeyValuePair<string, string>> _env = [];
    private readonly List<Preopen> _preopens = [];

    /// <summary>A host directory the guest sees as <paramref name="GuestPath"/>.</summary>
    public readonly record struct Preopen(string HostPath, string GuestPath, bool ReadOnly);

    public IReadOnlyList<string> Arguments => _args;

    public IReadOnlyList<KeyValuePair<string, string>> Environment => _env;

    public IReadOnlyList<Preopen> Preopens => _preopens;

    internal StdioSource Stdin { get; private set; } = StdioSource.FromStream(Stream.Null);

    internal StdioSource Stdout { get; private set; } = StdioSource.FromStream(Stream.Null);

    internal StdioSource Stderr { get; private set; } = StdioSource.FromStream(Stream.Null);

    /// <summary>Cancelling it wakes a guest sleeping in poll_oneoff (pair it with <see cref="Store.Interrupt"/>).</summary>
    public CancellationToken InterruptToken { get; private set; }

    /// <summary>Appends arguments (the first one is the program's argv[0]).</summary>
    public WasiConfiguration WithArguments(params IEnumerable<string> args)
    {
        foreach (string a in args)
        {
            ArgumentNullException.ThrowIfNull(a);
            RejectNul(a, nameof(args));
            _args.Add(a);
        }
        return this;
    }

    /// <summary>Adds the environment variable <paramref name="key"/>=<paramref name="value"/>.</summary>
    public WasiConfiguration WithEnvironment(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        if (key.Contains('='))
        {
            throw new ArgumentException("an environment variable name cannot contain '='", nameof(key));
        }
        RejectNul(key, nameof(key));
        RejectNul(value, nameof(value));
        _env.Add(new(key, value));
        return this;
    }

    /// <summary>Passes the host process's whole environment.</summary>
    public WasiConfiguration InheritEnvironment()
    {
        foreach (System.Collections.DictionaryEntry e in System.Environment.GetEnvironmentVariables())
        {
            WithEnvironment((string)e.Key, (string?)e.Value ?? "");
        }
        return this;
    }

    /// <summary>The guest uses the host process's stdin, stdout and stderr (host descriptors 0, 1, 2).</summary>
    public WasiConfiguration InheritStdio()
    {
        Stdin = StdioSource.Inherit(0);
        Stdout = StdioSource.Inherit(1);
        Stderr = StdioSource.Inherit(2);
        return this;
    }

    /// <summary>The guest reads stdin from <paramref name="stream"/> (which the embedder keeps owning).</summary>
    public WasiConfiguration WithStdin(Stream stream)
    {
        Stdin = StdioSource.FromStream(stream ?? throw new ArgumentNullException(nameof(stream)));
        return this;
    }

    /// <summary>The guest's stdout goes to <paramref name="stream"/> (which the embedder keeps owning).</summary>
    public WasiConfiguration WithStdout(Stream stream)
    {
        Stdout = StdioSource.FromStream(stream ?? throw new ArgumentNullException(nameof(stream)));
        return this;
    }

    /// <summary>The guest's stderr goes to <paramref name="stream"/> (which the embedder keeps owning).</summary>
    public WasiConfiguration WithStderr(Stream stream)
    {
        Stderr = StdioSource.FromStream(stream ?? throw new ArgumentNullException(nameof(stream)));
        return this;
    }

    /// <summary>
    /// Grants the host directory <paramref name="hostPath"/> as <paramref name="guestPath"/>. With
    /// <paramref name="readOnly"/>, neither it nor anything opened through it can be modified.
    /// </summary>
    public WasiConfiguration PreopenDirectory(string hostPath, string guestPath, bool readOnly = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostPath);
        ArgumentException.ThrowIfNullOrEmpty(guestPath);
        RejectNul(hostPath, nameof(hostPath));
        RejectNul(guestPath, nameof(guestPath));
        _preopens.Add(new Preopen(hostPath, guestPath, readOnly));
        return this;
    }

    public WasiConfiguration WithInterruptToken(CancellationToken token)
    {
        InterruptToken = token;
        return this;
    }

    /// <summary>Opens the preopened directories and creates the context.</summary>
    /// <exception cref="DirectoryNotFoundException">A preopened directory does not exist or cannot be opened.</exception>
    public WasiContext Build() => new(this);

    private static void RejectNul(string s, string name)
    {
        if (s.Contains('\0'))
        {
            throw new ArgumentException("WASI strings cannot contain NUL characters", name);
        }
    }
}

/// <summary>Where one stdio descriptor comes from: an inherited host descriptor or an embedder's stream.</summary>
internal readonly record struct StdioSource(int HostFd, Stream? Stream)
{
    public static StdioSource Inherit(int hostFd) => new(hostFd, null);

    public static StdioSource FromStream(Stream stream) => new(-1, stream);
}
