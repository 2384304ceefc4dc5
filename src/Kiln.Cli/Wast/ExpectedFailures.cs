namespace Kiln.Cli.Wast;

/// <summary>
/// The list of spec-suite commands a tier is known to fail, kept in the repository with a reason for
/// each entry. Format, one entry per line (<c>#</c> starts a comment):
/// <code>
/// FILE.wast:LINE   reason     (that command fails)
/// FILE.wast        reason     (commands of that file may fail; at least one must)
/// </code>
/// A failure not on the list fails the run, and so does an entry that no longer fails, so the list
/// can only shrink.
/// </summary>
internal sealed class ExpectedFailures
{
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<(string File, int Line), string> _commands = [];

    public static ExpectedFailures Empty { get; } = new();

    public static ExpectedFailures Load(string path)
    {
        var list = new ExpectedFailures();
        int lineNumber = 0;
        foreach (string raw in File.ReadLines(path))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            int space = line.IndexOfAny([' ', '\t']);
            string key = space < 0 ? line : line[..space];
            string reason = space < 0 ? "" : line[space..].Trim();
            if (reason.Length == 0)
            {
                throw new FormatException($"{path}:{lineNumber}: an expected failure needs a reason");
            }
            int colon = key.LastIndexOf(':');
            if (colon > 0 && int.TryParse(key.AsSpan(colon + 1), out int commandLine))
            {
                list._commands[(key[..colon], commandLine)] = reason;
            }
            else
            {
                list._files[key] = reason;
            }
        }
        return list;
    }

    public bool IsExpected(string file, int line) => _files.ContainsKey(file) || _commands.ContainsKey((file, line));

    /// <summary>Entries that did not fail in <paramref name="results"/> (only for files that were run).</summary>
    public IEnumerable<string> StalePassing(IReadOnlyList<WastFileResult> results)
    {
        foreach (WastFileResult result in results)
        {
            string file = result.FileName;
            if (_files.ContainsKey(file) && result.Failed == 0)
            {
                yield return $"{file}: listed as failing, but every command passed";
            }
            foreach (((string f, int line), _) in _commands)
            {
                if (f != file)
                {
                    continue;
                }
                bool failed = result.Outcomes.Any(o => !o.Passed && o.Line == line);
                if (!failed)
                {
                    yield return $"{file}:{line}: listed as failing, but it passed";
                }
            }
        }
    }
}
