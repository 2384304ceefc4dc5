using System.Runtime.CompilerServices;

namespace Kiln.Baseline;

/// <summary>The line table: which Wasm instruction each range of a function's machine code comes from.</summary>
internal sealed partial class BaselineCompiler
{
    // One growable buffer per compiler, reused by every function: the per-instruction path only stores into it.
    private CodeLine[] _lines = new CodeLine[256];
    private int _lineCount;
    private bool _linesRecorded;
    private int _functionStart;
    private int _epilogueStart;
    private int _epilogueEnd;

    /// <summary>Whether <see cref="CompileFunction"/> records a line table (only someone observing the code reads it).</summary>
    public bool RecordsLines { get; init; }

    /// <summary>
    /// Notes that the code from the current position on comes from the instruction at <paramref name="bytecodeOffset"/>.
    /// An instruction that emitted nothing (a constant kept on the value stack, dead code) leaves an entry at the same
    /// code offset, which the next instruction replaces; the same bytecode offset twice in a row is one entry.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RecordLine(int bytecodeOffset)
    {
        int at = _asm.Position - _functionStart;
        if (_lineCount > 0)
        {
            ref CodeLine last = ref _lines[_lineCount - 1];
            if (last.CodeOffset == at)
            {
                // The previous entry covers no code; it merges with the one before when that names the same bytecode.
                if (_lineCount > 1 && _lines[_lineCount - 2].BytecodeOffset == bytecodeOffset)
                {
                    _lineCount--;
                }
                else
                {
                    last = new CodeLine(at, bytecodeOffset);
                }
                return;
            }
            if (last.BytecodeOffset == bytecodeOffset)
            {
                return;
            }
        }
        if (_lineCount == _lines.Length)
        {
            Array.Resize(ref _lines, _lines.Length * 2);
        }
        _lines[_lineCount++] = new CodeLine(at, bytecodeOffset);
    }

    /// <summary>
    /// A copy of the last compiled function's line table (<paramref name="size"/> = its code length), or null when
    /// the function has none (lines not asked for, or a body without module offsets). Entries covering no code at the end are dropped, so every offset lies inside the function.
    /// </summary>
    public CodeLine[]? TakeLines(int size)
    {
        if (!_linesRecorded)
        {
            return null;
        }
        int count = _lineCount;
        while (count > 0 && _lines[count - 1].CodeOffset >= size)
        {
            count--;
        }
        return _lines.AsSpan(0, count).ToArray();
    }

    /// <summary>
    /// The last compiled function's frame: the prologue always starts with <c>push rbp</c> (1 byte) and
    /// <c>mov rbp, rsp</c> (3 bytes); the body ends in <c>pop rbp; ret</c>, and each OSR path after it in its own
    /// (<see cref="EmitOsrPaths"/>). The code after the body's <c>ret</c> (OSR paths, the routines the body calls,
    /// call-profile stubs) runs in the frame, so the body's epilogue ends at its <c>ret</c>, not at the function's end.
    /// </summary>
    public CodeFrame LastFrame(int size)
    {
        if (_epilogueEnd - _functionStart > size || (_osrEpilogues.Count > 0 && _osrEpilogues[^1].End > size))
        {
            throw new InternalErrorException($"the frame description of function {_definedIndex} reaches past its {size} bytes");
        }
        return new CodeFrame(1, 4, _epilogueStart - _functionStart, _epilogueEnd - _functionStart) { LaterEpilogues = _osrEpilogues };
    }
}
