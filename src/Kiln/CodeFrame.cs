namespace Kiln;

/// <summary>
/// Where a compiled function sets up and tears down its rbp frame, as offsets from its start: <c>push rbp</c> ends at
/// <paramref name="AfterPushRbp"/>, <c>mov rbp, rsp</c> at <paramref name="AfterMovRbp"/>, and from
/// <paramref name="EpilogueStart"/> (just after <c>pop rbp</c>) to <paramref name="EpilogueEnd"/> (just after
/// <c>ret</c>) the return address is back at [rsp]. Unwinders need exactly these points.
/// </summary>
public readonly record struct CodeFrame(int AfterPushRbp, int AfterMovRbp, int EpilogueStart, int EpilogueEnd);
