using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Kiln.Wasm.Model;

namespace Kiln.FrontEnd;

/// <summary>What opened a control frame: decides where a branch to its label goes and what it carries.</summary>
internal enum FrameKind : byte
{
    Function,
    Block,
    Loop,
    If,
    /// <summary>An if frame after its <c>else</c>.</summary>
    Else,
}

/// <summary>
/// One open control frame (spec 3.3.1, the context's labels): what the front end knows of it, and
/// <see cref="Data"/>, what the tier walking the body keeps per frame (labels, fixup lists, merge state).
/// </summary>
internal struct ControlFrame<TTierData>
    where TTierData : struct
{
    public FrameKind Kind;

    /// <summary>Value-stack height below the frame's parameters: where its label's values go.</summary>
    public int Height;

    public ValType[] Params;

    public ValType[] Results;

    /// <summary>Else frame: the then arm's end was reachable, so it falls through to the frame's end.</summary>
    public bool ThenReachesEnd;

    public TTierData Data;

    /// <summary>The types a branch to this frame's label carries: a loop's label is its start, so its parameters.</summary>
    public readonly ValType[] BranchTypes => Kind == FrameKind.Loop ? Params : Results;
}

/// <summary>
/// The stack of open control frames, generic over each tier's per-frame data so that a frame is one struct in one
/// array: frames are handed out by reference, with no boxing and no virtual call on the per-instruction path.
/// Index 0 is the function's frame; a branch depth counts from the top. The structural rules every tier follows
/// (which frame a depth names, the loop's branch types, what is reachable after an end) are written here once.
/// </summary>
internal sealed class ControlStack<TTierData>
    where TTierData : struct
{
    private ControlFrame<TTierData>[] _frames = new ControlFrame<TTierData>[16];
    private int _count;
    private bool _unreachable = true;

    /// <summary>Open frames, the function's included; zero once the function's end has been handled.</summary>
    public int Count => _count;

    /// <summary>
    /// The rest of the top frame cannot be reached (it follows br, br_table, return or unreachable): its instructions
    /// are decoded but not compiled, up to the frame's else or end (<see cref="BodyDecoder{TTierData}"/>). Only the
    /// top frame's is kept: a frame below it was reachable where its inner frame opened. Also true once no frame is open.
    /// </summary>
    public bool Unreachable
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _unreachable;
    }

    /// <summary>The innermost open frame.</summary>
    public ref ControlFrame<TTierData> Top
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _frames[_count - 1];
    }

    /// <summary>The frame at <paramref name="index"/> from the bottom (0: the function's frame).</summary>
    public ref ControlFrame<TTierData> this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)_count)
            {
                ThrowNoFrame(index);
            }
            return ref _frames[index];
        }
    }

    /// <summary>
    /// The index from the bottom of the frame that branch depth <paramref name="depth"/> names. SECURITY: the
    /// validator refused deeper labels; this keeps a slip from reading a frame that is not open.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int FrameIndex(uint depth)
    {
        if (depth >= (uint)_count)
        {
            ThrowDepth(depth);
        }
        return _count - 1 - (int)depth;
    }

    /// <summary>The frame that branch depth <paramref name="depth"/> names (checked as <see cref="FrameIndex"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref ControlFrame<TTierData> Target(uint depth) => ref _frames[FrameIndex(depth)];

    /// <summary>Opens a frame whose parameters are the top <paramref name="parameters"/> values of a stack of <paramref name="stackHeight"/>; its tier data starts as default.</summary>
    /// <exception cref="InternalErrorException">The stack holds fewer values than the parameters above the enclosing frame's height.</exception>
    public ref ControlFrame<TTierData> Push(FrameKind kind, int stackHeight, ValType[] parameters, ValType[] results)
    {
        int height = stackHeight - parameters.Length;
        if (height < (_count == 0 ? 0 : _frames[_count - 1].Height))
        {
            throw new InternalErrorException("block parameters underflow the operand stack");
        }
        if (_count == _frames.Length)
        {
            Array.Resize(ref _frames, _count * 2);
        }
        ref ControlFrame<TTierData> f = ref _frames[_count++];
        f.Kind = kind;
        f.Height = height;
        f.Params = parameters;
        f.Results = results;
        f.ThenReachesEnd = false;
        f.Data = default;
        _unreachable = false;
        return ref f;
    }

    /// <summary>The top if frame's <c>else</c>: its false arm starts, reachable, with the parameters.</summary>
    public void EnterElse()
    {
        ref ControlFrame<TTierData> f = ref Top;
        if (f.Kind != FrameKind.If)
        {
            throw new InternalErrorException("else without if");
        }
        f.Kind = FrameKind.Else;
        f.ThenReachesEnd = !_unreachable;
        _unreachable = false;
    }

    /// <summary>
    /// Closes the top frame at its <c>end</c>. The code after it is reachable when the end of the frame was, when a
    /// branch went to its label (<paramref name="branchedTo"/>; a loop's label is its start, so not for a loop), when
    /// it is an if without else (its false path reaches the end), or when the then arm before its else reached it. Returns that reachability, which the enclosing
    /// frame takes on.
    /// </summary>
    public bool Pop(bool branchedTo)
    {
        ref ControlFrame<TTierData> f = ref Top;
        bool reachable = !_unreachable || f.Kind == FrameKind.If || f.ThenReachesEnd || (branchedTo && f.Kind != FrameKind.Loop);
        _count--;
        // After the function's end nothing is left to reach.
        _unreachable = !reachable || _count == 0;
        return reachable;
    }

    /// <summary>The rest of the top frame is unreachable.</summary>
    public void MarkUnreachable() => _unreachable = true;

    /// <summary>Forgets every frame (a new function).</summary>
    public void Clear()
    {
        Array.Clear(_frames, 0, _count);
        _count = 0;
        _unreachable = true;
    }

    [DoesNotReturn]
    private void ThrowNoFrame(int index) => throw new InternalErrorException($"control frame {index} of {_count}");

    [DoesNotReturn]
    private static void ThrowDepth(uint depth) => throw new InternalErrorException($"branch depth {depth} out of range");
}
