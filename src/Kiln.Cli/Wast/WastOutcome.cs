namespace Kiln.Cli.Wast;

/// <summary>The result of one script command: its kind (e.g. <c>assert_return</c>), line, and what went wrong if it failed.</summary>
internal readonly record struct WastOutcome(string Kind, int Line, bool Passed, string? Failure)
{
    public static WastOutcome Pass(string kind, int line) => new(kind, line, true, null);

    public static WastOutcome Fail(string kind, int line, string failure) => new(kind, line, false, failure);
}

/// <summary>All outcomes of one .wast file.</summary>
internal sealed record WastFileResult(string Path, IReadOnlyList<WastOutcome> Outcomes)
{
    public string FileName => System.IO.Path.GetFileName(Path);

    public int Passed => Outcomes.Count(o => o.Passed);

    public int Failed => Outcomes.Count(o => !o.Passed);
}
