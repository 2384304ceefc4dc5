using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Optimizing;

/// <summary>
/// Which locals each loop assigns, found by one scan of the body before it is built. A loop header is unsealed while
/// its body is built, so a read there cannot yet see the back edges and would need a block parameter for every local
/// read in the loop, most of which merge the value from before the loop with itself. A local that no local.set or
/// local.tee between the loop's start and its end assigns has the same value on every back edge as on entry: a read
/// at the header takes the entering block's value instead, and no parameter is made.
/// </summary>
internal sealed partial class SsaBuilder
{
    // The scan's result, kept from function to function. The body offsets of the local.set/local.tee of local l, in
    // ascending order: _setOffsets[_setStart[l] .. _setStart[l + 1]). Loop k (in body order) spans
    // [_loopStart[k], _loopEnd[k]).
    private int[] _setStart = new int[64];
    private int[] _setOffsets = new int[256];
    private int[] _scanLocals = new int[256];
    private int[] _scanOffsets = new int[256];
    private readonly List<int> _loopStart = [];
    private readonly List<int> _loopEnd = [];
    private readonly List<int> _openFrames = [];
    // The next loop of _loopStart the builder has not reached yet (loops in dead code are never reached).
    private int _nextLoop;
    // Whether ScanLoopAssignments ran for this function (or must not: an OSR build).
    private bool _loopsScanned;

    // Per loop header block the builder made: the loop's index in _loopStart and the block that enters it (-1 elsewhere).
    private readonly List<(int Loop, int Entering)> _headerOf = [];

    /// <summary>
    /// Records the extent of every loop from the one at body offset <paramref name="firstLoop"/> on, and every local's
    /// assignments from there on (what comes before the first loop the builder reaches is in no loop). Run when the
    /// builder reaches its first loop, so a function without loops is never scanned; never in an OSR build, which
    /// enters loops from the side.
    /// </summary>
    private void ScanLoopAssignments(int firstLoop)
    {
        _loopsScanned = true;
        _loopStart.Clear();
        _loopEnd.Clear();
        _openFrames.Clear();
        _nextLoop = 0;
        int sets = 0;
        var reader = new InstructionReader(_decoder.Body.Code.Span, _decoder.Body.CodeOffset, _decoder.FunctionIndex)
        {
            Position = firstLoop - _decoder.Body.CodeOffset,
        };
        while (!reader.AtEnd)
        {
            Instruction ins = reader.Read();
            switch (ins.Opcode)
            {
                case Opcode.Block:
                case Opcode.If:
                    _openFrames.Add(-1);
                    break;
                case Opcode.Loop:
                    _openFrames.Add(_loopStart.Count);
                    _loopStart.Add(ins.Offset);
                    _loopEnd.Add(int.MaxValue);
                    break;
                case Opcode.End:
                    // The ends of the frames around the first loop, and the function's own, close no frame of the scan.
                    if (_openFrames.Count > 0)
                    {
                        int loop = _openFrames[^1];
                        _openFrames.RemoveAt(_openFrames.Count - 1);
                        if (loop >= 0)
                        {
                            _loopEnd[loop] = ins.Offset;
                        }
                    }
                    break;
                case Opcode.LocalSet:
                case Opcode.LocalTee:
                    if (sets == _scanLocals.Length)
                    {
                        Array.Resize(ref _scanLocals, sets * 2);
                        Array.Resize(ref _scanOffsets, sets * 2);
                    }
                    _scanLocals[sets] = (int)ins.Index;
                    _scanOffsets[sets] = ins.Offset;
                    sets++;
                    break;
            }
        }
        // Group the assignments by local (a counting sort keeps each local's offsets ascending).
        int locals = _localCount;
        if (_setStart.Length < locals + 1)
        {
            _setStart = new int[Math.Max(locals + 1, _setStart.Length * 2)];
        }
        Array.Clear(_setStart, 0, locals + 1);
        if (_setOffsets.Length < sets)
        {
            _setOffsets = new int[Math.Max(sets, _setOffsets.Length * 2)];
        }
        for (int i = 0; i < sets; i++)
        {
            // Immediates are checked as the builder decodes them; an index out of range here is left to that check.
            if ((uint)_scanLocals[i] < (uint)locals)
            {
                _setStart[_scanLocals[i] + 1]++;
            }
        }
        for (int l = 0; l < locals; l++)
        {
            _setStart[l + 1] += _setStart[l];
        }
        for (int i = 0; i < sets; i++)
        {
            int l = _scanLocals[i];
            if ((uint)l < (uint)locals)
            {
                // _setStart[l] runs ahead as l's offsets are placed, and ends at l + 1's start: shifted back below.
                _setOffsets[_setStart[l]++] = _scanOffsets[i];
            }
        }
        for (int l = locals; l > 0; l--)
        {
            _setStart[l] = _setStart[l - 1];
        }
        _setStart[0] = 0;
    }

    /// <summary>The loop opened by the Loop instruction at body offset <paramref name="offset"/>, or -1 when the scan did not run.</summary>
    private int LoopAt(int offset)
    {
        while (_nextLoop < _loopStart.Count && _loopStart[_nextLoop] < offset)
        {
            _nextLoop++;
        }
        return _nextLoop < _loopStart.Count && _loopStart[_nextLoop] == offset ? _nextLoop : -1;
    }

    /// <summary>Whether a local.set or local.tee of <paramref name="local"/> lies inside loop <paramref name="loop"/>.</summary>
    private bool AssignedIn(int local, int loop)
    {
        if (local >= _localCount)
        {
            return true;
        }
        int start = _loopStart[loop];
        int end = _loopEnd[loop];
        int lo = _setStart[local];
        int hi = _setStart[local + 1];
        // The first assignment at or after the loop's start.
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_setOffsets[mid] < start)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo < _setStart[local + 1] && _setOffsets[lo] < end;
    }
}
