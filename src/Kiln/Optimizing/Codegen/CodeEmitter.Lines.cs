using System.Runtime.InteropServices;
using Kiln.Jit.X64;
using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Codegen;

/// <summary>
/// The line table (code offset to Wasm bytecode offset) the baseline also records, from the bytecode offset each IR
/// instruction was built from (<see cref="IrFunction.SourceOffset"/>), and the up-front check of what this emitter
/// needs from the CPU.
/// </summary>
internal sealed partial class CodeEmitter
{
    private readonly List<CodeLine> _lines = [];
    private bool _recordLines;

    /// <summary>Whether the emitter can lower every instruction of <paramref name="f"/> on a CPU with <paramref name="features"/>; else why not.</summary>
    public static bool CanEmit(IrFunction f, CpuFeatures features, out string? reason)
    {
        // The IR models all of Wasm 2.0, and lowering covers all of it; some instructions need CPU features.
        bool simd = features.Has(CpuFeature.Ssse3) && features.Has(CpuFeature.Sse41);
        for (int v = 0; v < f.ValueCount; v++)
        {
            if (!simd && f.ValueExists(v) && f.Value(v).Type == IrType.V128)
            {
                reason = "optimizing tier: v128 values need a CPU with SSSE3 and SSE4.1";
                return false;
            }
        }
        foreach (int b in f.Layout)
        {
            foreach (int inst in f.Block(b).Insts)
            {
                Op op = f.Inst(inst).Op;
                if (op is Op.Fceil or Op.Ffloor or Op.Ftrunc or Op.Fnearest && !features.Has(CpuFeature.Sse41))
                {
                    reason = "optimizing tier: float rounding needs a CPU with SSE4.1";
                    return false;
                }
                if (op == Op.Popcnt && !features.Has(CpuFeature.Popcnt))
                {
                    reason = "optimizing tier: popcnt needs a CPU with the POPCNT instruction";
                    return false;
                }
            }
        }
        reason = null;
        return true;
    }

    /// <summary>The code from the current position on comes from <paramref name="bytecodeOffset"/> (entries covering no code are replaced).</summary>
    private void RecordLine(int bytecodeOffset)
    {
        if (!_recordLines || bytecodeOffset < 0)
        {
            return;
        }
        int at = _asm.Position - _functionStart;
        if (_lines.Count > 0)
        {
            CodeLine last = _lines[^1];
            if (last.CodeOffset == at)
            {
                if (_lines.Count > 1 && _lines[^2].BytecodeOffset == bytecodeOffset)
                {
                    _lines.RemoveAt(_lines.Count - 1);
                }
                else
                {
                    _lines[^1] = new CodeLine(at, bytecodeOffset);
                }
                return;
            }
            if (last.BytecodeOffset == bytecodeOffset)
            {
                return;
            }
        }
        _lines.Add(new CodeLine(at, bytecodeOffset));
    }

    /// <summary>The function's line table: entries past its end dropped; null when none was recorded.</summary>
    private CodeLine[]? TakeLines(int size)
    {
        if (!_recordLines)
        {
            return null;
        }
        int count = _lines.Count;
        while (count > 0 && _lines[count - 1].CodeOffset >= size)
        {
            count--;
        }
        return CollectionsMarshal.AsSpan(_lines)[..count].ToArray();
    }
}
