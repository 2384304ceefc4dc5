using Kiln.Jit.X64;
using Kiln.Optimizing.Codegen;
using Kiln.Optimizing.Ir;

namespace Kiln.Tests.Optimizing.Codegen;

/// <summary>
/// How <see cref="RegisterAllocator"/> places v128 and reference values: v128 in xmm registers or 16-byte aligned pairs
/// of frame slots that no other spilled value overlaps while it is live, references in general-purpose registers.
/// </summary>
public class RegisterAllocatorV128Tests
{
    private static readonly Gpr[] s_gprs = [Gpr.Rbx, Gpr.Rsi, Gpr.Rdi, Gpr.R8, Gpr.R9, Gpr.R10, Gpr.R11, Gpr.R12];
    private static readonly Xmm[] s_xmms = [Xmm.Xmm2, Xmm.Xmm3, Xmm.Xmm4, Xmm.Xmm5];

    [Fact]
    public void SpilledV128ValuesTakeAlignedSixteenByteSlotsThatNeverOverlapALiveValue()
    {
        // Eight v128 and eight f64 values live at once in four xmm registers: most spill, interleaved.
        var body = new System.Text.StringBuilder("function %f(i32) -> v128 {\nblock0(v0: i32):\n");
        int next = 1;
        var vectors = new List<int>();
        var floats = new List<int>();
        for (int i = 0; i < 8; i++)
        {
            body.Append($"    v{next} = vconst.v128 0x{i + 1:x32}\n");
            body.Append($"    v{next + 1} = simd.v128 i32x4.splat v0\n");
            body.Append($"    v{next + 2} = simd.v128 i32x4.add v{next}, v{next + 1}\n");
            vectors.Add(next + 2);
            body.Append($"    v{next + 3} = fconst.f64 0x{BitConverter.DoubleToInt64Bits(i + 0.5):x16}\n");
            body.Append($"    v{next + 4} = fadd.f64 v{next + 3}, v{next + 3}\n");
            floats.Add(next + 4);
            next += 5;
        }
        int acc = vectors[0];
        foreach (int v in vectors.Skip(1))
        {
            body.Append($"    v{next} = simd.v128 i32x4.add v{acc}, v{v}\n");
            acc = next++;
        }
        int facc = floats[0];
        foreach (int v in floats.Skip(1))
        {
            body.Append($"    v{next} = fadd.f64 v{facc}, v{v}\n");
            facc = next++;
        }
        body.Append($"    v{next} = simd.v128 f64x2.splat v{facc}\n");
        body.Append($"    v{next + 1} = simd.v128 i32x4.add v{acc}, v{next}\n");
        body.Append($"    return v{next + 1}\n}}\n");
        IrFunction f = IrParser.Parse(body.ToString());
        Allocation a = RegisterAllocator.Run(f, s_gprs, s_xmms);

        var spilledVectors = vectors.Where(v => a.Values[v].Kind == LocationKind.Stack).ToList();
        Assert.True(spilledVectors.Count >= 3, $"only {spilledVectors.Count} v128 values spilled");
        Assert.Contains(floats, v => a.Values[v].Kind == LocationKind.Stack);
        for (int v = 0; v < f.ValueCount; v++)
        {
            if (!f.ValueExists(v) || a.Values[v].Kind != LocationKind.Stack)
            {
                continue;
            }
            Location l = a.Values[v];
            Assert.Equal(Gpr.Rbp.Index, l.Reg);
            int size = f.Value(v).Type == IrType.V128 ? 16 : 8;
            if (size == 16)
            {
                // rbp is 16-byte aligned in every frame.
                Assert.Equal(0, l.Bits % 16);
            }
            // Inside the frame's spill area.
            Assert.True(l.Bits >= RegisterAllocator.SlotsOffset - (8 * (a.SpillSlots - 1)) && l.Bits + size <= RegisterAllocator.SlotsOffset + 8, $"v{v} at {l}");
            for (int w = v + 1; w < f.ValueCount; w++)
            {
                if (!f.ValueExists(w) || a.Values[w].Kind != LocationKind.Stack || !Overlap(a.Intervals[v], a.Intervals[w]))
                {
                    continue;
                }
                Location m = a.Values[w];
                int wsize = f.Value(w).Type == IrType.V128 ? 16 : 8;
                bool disjoint = l.Bits + size <= m.Bits || m.Bits + wsize <= l.Bits;
                Assert.True(disjoint, $"v{v} at {l} and v{w} at {m} are live at once and share bytes");
            }
        }
    }

    [Fact]
    public void ReferencesLiveInGeneralPurposeRegisters()
    {
        IrFunction f = IrParser.Parse("""
            function %f(funcref, externref) -> i32 {
            block0(v0: funcref, v1: externref):
                v2 = ref_is_null.funcref v0
                v3 = ref_is_null.externref v1
                v4 = iadd.i32 v2, v3
                return v4
            }
            """);
        Allocation a = RegisterAllocator.Run(f, s_gprs, s_xmms);
        Assert.Equal(LocationKind.Gpr, a.Values[0].Kind);
        Assert.Equal(LocationKind.Gpr, a.Values[1].Kind);
    }

    private static bool Overlap((int Start, int End) x, (int Start, int End) y) =>
        x.Start <= x.End && y.Start <= y.End && x.Start <= y.End && y.Start <= x.End;
}
