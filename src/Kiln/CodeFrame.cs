namespace Kiln;

/// <summary>
/// Where a compiled function sets up and tears down its rbp frame, as offsets from its start: <c>push rbp</c> ends at
/// <paramref name="AfterPushRbp"/>, <c>mov rbp, rsp</c> at <paramref name="AfterMovRbp"/>, and from
/// <paramref name="EpilogueStart"/> (just after <c>pop rbp</c>) to <paramref name="EpilogueEnd"/> (just after
/// <c>ret</c>) the return address is back at [rsp]. Code after the epilogue (out-of-line paths and routines the body
/// jumps to or calls) runs in the frame again. Unwinders need exactly these points.
/// </summary>
public readonly record struct CodeFrame(int AfterPushRbp, int AfterMovRbp, int EpilogueStart, int EpilogueEnd)
{
    private readonly (int Start, int End)[]? _laterEpilogues;

    /// <summary>
    /// Further epilogues after [<see cref="EpilogueStart"/>, <see cref="EpilogueEnd"/>), in increasing order, each from
    /// just after its <c>pop rbp</c> to just after its <c>ret</c>: a baseline function's on-stack-replacement paths
    /// return to the caller on their own. Empty for most functions.
    /// </summary>
    public IReadOnlyList<(int Start, int End)> LaterEpilogues
    {
        get => _laterEpilogues ?? [];
        init => _laterEpilogues = value.Count == 0 ? null : [.. value];
    }

    /// <summary>Every epilogue in code order: the first one, then <see cref="LaterEpilogues"/>.</summary>
    public IEnumerable<(int Start, int End)> Epilogues => [(EpilogueStart, EpilogueEnd), .. LaterEpilogues];

    /// <summary>Frames are equal when they describe the same points, later epilogues included.</summary>
    public bool Equals(CodeFrame other) =>
        AfterPushRbp == other.AfterPushRbp && AfterMovRbp == other.AfterMovRbp && EpilogueStart == other.EpilogueStart &&
        EpilogueEnd == other.EpilogueEnd && LaterEpilogues.SequenceEqual(other.LaterEpilogues);

    public override int GetHashCode() => HashCode.Combine(AfterPushRbp, AfterMovRbp, EpilogueStart, EpilogueEnd, LaterEpilogues.Count);
}
