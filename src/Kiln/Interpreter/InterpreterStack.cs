using System.Runtime.InteropServices;

namespace Kiln.Interpreter;

/// <summary>
/// The interpreter's explicit stacks: a native value stack of 8-byte slots holding every active
/// frame's locals and operands, and a frame stack of activations. Wasm calls never recurse on the
/// .NET stack, so deep Wasm recursion ends in the "call stack exhausted" trap, not a stack overflow.
/// </summary>
internal sealed unsafe class InterpreterStack : IDisposable
{
    private ulong* _slots;

    public InterpreterStack(int slotCount, int maxDepth)
    {
        // Large allocations are mmap-backed by the allocator, so untouched slots cost no memory.
        _slots = (ulong*)NativeMemory.Alloc((nuint)slotCount, sizeof(ulong));
        End = _slots + slotCount;
        Top = _slots;
        MaxDepth = maxDepth;
        Frames = new Frame[Math.Min(maxDepth + 1, 256)];
    }

    /// <summary>First slot not usable.</summary>
    public ulong* End { get; private set; }

    /// <summary>First free slot for a new entry from the host (above every active frame).</summary>
    public ulong* Top;

    /// <summary>Active frames; index 0 is unused, Depth is the innermost.</summary>
    public Frame[] Frames;

    /// <summary>Number of active Wasm frames (over all nested entries).</summary>
    public int Depth;

    public int MaxDepth { get; }

    /// <summary>Makes room for frame <paramref name="depth"/>; false when the depth limit is reached.</summary>
    public bool EnsureFrame(int depth)
    {
        if (depth < Frames.Length)
        {
            return true;
        }
        if (depth > MaxDepth)
        {
            return false;
        }
        Array.Resize(ref Frames, Math.Min(MaxDepth + 1, Frames.Length * 2));
        return true;
    }

    public void Dispose()
    {
        if (_slots != null)
        {
            NativeMemory.Free(_slots);
            _slots = null;
            End = null;
            Top = null;
        }
    }
}

/// <summary>One activation: the function (with its code and instance), its slots, and where it resumes after a call.</summary>
internal unsafe struct Frame
{
    /// <summary>The running Wasm function's id in its store (an int, so pushing a frame needs no GC write barrier).</summary>
    public int CalleeId;
    public ulong* Fp;
    /// <summary>Where this frame continues when its callee returns.</summary>
    public int* ReturnIp;
}
