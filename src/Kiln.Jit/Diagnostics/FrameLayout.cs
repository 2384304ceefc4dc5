using Kiln.Jit.X64;

namespace Kiln.Jit.Diagnostics;

/// <summary>
/// How a function's prologue and epilogues move the stack, which is what an unwinder needs to find the caller
/// (the call frame information, CFI, of <c>.eh_frame</c>). Compilers describe their frame with offsets into the
/// function rather than a generic instruction list: the standard <c>push rbp; mov rbp, rsp; sub rsp, N</c> frame
/// needs only where the push and the move end, since after them the frame is found through rbp whatever rsp does.
/// </summary>
public sealed partial class FrameLayout
{
    private readonly List<SavedRegister> _savedRegisters = [];
    private readonly List<(int Start, int End)> _epilogues = [];

    private FrameLayout(bool hasFramePointer, int afterPushRbp, int afterMovRbp)
    {
        HasFramePointer = hasFramePointer;
        AfterPushRbp = afterPushRbp;
        AfterMovRbp = afterMovRbp;
    }

    /// <summary>
    /// A function that never moves rsp between entry and return (a leaf, a jump stub): the return address stays at
    /// [rsp] throughout.
    /// </summary>
    public static FrameLayout NoFrame => new(false, 0, 0);

    /// <summary>
    /// The standard frame: <c>push rbp</c> ends at <paramref name="afterPushRbp"/> (1 when it is the first
    /// instruction), <c>mov rbp, rsp</c> ends at <paramref name="afterMovRbp"/> (4 right after it). From then on the
    /// caller's frame is at rbp + 16, so <c>sub rsp, N</c>, pushes and calls need no description.
    /// </summary>
    public static FrameLayout RbpFrame(int afterPushRbp = 1, int afterMovRbp = 4)
    {
        if (afterPushRbp <= 0 || afterMovRbp <= afterPushRbp)
        {
            throw new ArgumentOutOfRangeException(nameof(afterMovRbp),
                $"The prologue offsets must increase: push rbp ends at {afterPushRbp}, mov rbp, rsp at {afterMovRbp}.");
        }
        return new FrameLayout(true, afterPushRbp, afterMovRbp);
    }

    /// <summary>Whether the function sets up rbp as its frame pointer.</summary>
    public bool HasFramePointer { get; }

    /// <summary>Offset just after <c>push rbp</c> (0 without a frame pointer).</summary>
    public int AfterPushRbp { get; }

    /// <summary>Offset just after <c>mov rbp, rsp</c> (0 without a frame pointer).</summary>
    public int AfterMovRbp { get; }

    /// <summary>Callee-saved registers the prologue stores, in the order they are saved.</summary>
    public IReadOnlyList<SavedRegister> SavedRegisters => _savedRegisters;

    /// <summary>Ranges [start, end) where the frame is already torn down (after <c>leave</c>/<c>pop rbp</c>, up to the end of <c>ret</c>).</summary>
    public IReadOnlyList<(int Start, int End)> Epilogues => _epilogues;

    /// <summary>
    /// Records that the prologue saved <paramref name="register"/> at CFA - <paramref name="cfaOffset"/> (the CFA
    /// is the caller's rsp before the call, so with a standard frame rbp is at CFA - 16 and the first register pushed
    /// after <c>mov rbp, rsp</c> at CFA - 24), the save ending at <paramref name="afterSave"/>.
    /// </summary>
    public FrameLayout WithSavedRegister(Gpr register, int afterSave, int cfaOffset)
    {
        if (!HasFramePointer)
        {
            throw new InvalidOperationException("Saved registers are described for frames with a frame pointer only.");
        }
        if (afterSave < AfterMovRbp || (_savedRegisters.Count > 0 && afterSave < _savedRegisters[^1].AfterSave))
        {
            throw new ArgumentOutOfRangeException(nameof(afterSave), afterSave, "Registers are saved after mov rbp, rsp, in increasing order.");
        }
        if (cfaOffset < 24 || cfaOffset % 8 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(cfaOffset), cfaOffset, "A saved register lies below the saved rbp: CFA - 24 or lower, 8-byte aligned.");
        }
        if (register == Gpr.Rbp || register == Gpr.Rsp)
        {
            throw new ArgumentException("rbp and rsp are described by the frame itself.", nameof(register));
        }
        _savedRegisters.Add(new SavedRegister(register, afterSave, cfaOffset));
        return this;
    }

    /// <summary>
    /// Records an epilogue: from <paramref name="start"/> (just after <c>leave</c> or <c>pop rbp</c>) to
    /// <paramref name="end"/> (just after its <c>ret</c>) the return address is at [rsp] again. Epilogues are added in
    /// increasing order after the prologue; code after <paramref name="end"/> is back in the body.
    /// </summary>
    public FrameLayout WithEpilogue(int start, int end)
    {
        if (!HasFramePointer)
        {
            throw new InvalidOperationException("A function without a frame pointer has no epilogue to describe.");
        }
        int minimum = _epilogues.Count > 0 ? _epilogues[^1].End : Math.Max(AfterMovRbp, _savedRegisters.Count > 0 ? _savedRegisters[^1].AfterSave : 0);
        if (start < minimum || end <= start)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Epilogue [{start}, {end}) must be non-empty and follow the prologue and earlier epilogues (from {minimum}).");
        }
        _epilogues.Add((start, end));
        return this;
    }

    /// <summary>The highest code offset this layout refers to, checked against the function's length.</summary>
    internal int LastOffset => Math.Max(Math.Max(AfterMovRbp, _savedRegisters.Count > 0 ? _savedRegisters[^1].AfterSave : 0),
        _epilogues.Count > 0 ? _epilogues[^1].End : 0);
}
