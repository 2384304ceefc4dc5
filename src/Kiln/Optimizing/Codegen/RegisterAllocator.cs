using Kiln.Jit.X64;
using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Codegen;

/// <summary>The allocator's result: a location per value id, how many 8-byte spill slots the frame needs, and the instruction positions.</summary>
internal sealed class Allocation
{
    public required Location[] Values { get; init; }

    public required int SpillSlots { get; init; }

    /// <summary>Per value: its live interval as [start, end] positions, or (int.MaxValue, int.MinValue) when it needs none.</summary>
    public required (int Start, int End)[] Intervals { get; init; }
}

/// <summary>
/// Linear-scan register allocation (Poletto and Sarkar, "Linear Scan Register Allocation", 1999) over the IR in layout
/// order. Positions number the block starts (where parameters are defined) and each instruction twice: its operands
/// are read at the even position, its results written at the odd one, so a value whose last use is an instruction can
/// share a register with that instruction's result. Liveness is solved per block with bit sets (block arguments are
/// uses at the end of the predecessor, parameters definitions at the start of the block); a value's interval is the
/// hull of the positions it is live at, which stays correct for any block order, and the builder lays loops out
/// contiguously, so a loop-carried value occupies one register over its loop and no more.
/// </summary>
/// <remarks>
/// A Wasm call clobbers every register but rbp and rsp (<see cref="Compiled.CompiledAbi"/>) and a SysV helper every
/// register this tier allocates, so a value live across one is given a spill slot for its whole life instead of a
/// register. Constants get no interval: they are rematerialized at each use (as an immediate where the instruction
/// takes one). Fixed-register needs (shift counts in rcx, rax:rdx for division, helper arguments) are met with the
/// scratch registers rax, rcx, rdx, xmm0 and xmm1, which are never allocated. Spilled values share slots once their
/// intervals end.
/// </remarks>
internal static class RegisterAllocator
{
    /// <summary>Start of frame slots below rbp (after the frame header).</summary>
    public const int SlotsOffset = -Compiled.CompiledAbi.FrameHeaderSize - 8;

    /// <summary>Instructions that clobber every allocatable register: Wasm calls and SysV helper calls.</summary>
    public static bool ClobbersRegisters(Op op) => op is Op.Call or Op.MemoryGrow or Op.TruncS or Op.TruncU or Op.TruncSatS or Op.TruncSatU;

    public static Location SlotLocation(int slot) => Location.OfStack(Gpr.Rbp, SlotsOffset - (8 * slot));

    public static Allocation Run(IrFunction f, IReadOnlyList<Gpr> gprs, IReadOnlyList<Xmm> xmms)
    {
        int n = f.ValueCount;
        var locations = new Location[n];
        var start = new int[n];
        var end = new int[n];
        Array.Fill(start, int.MaxValue);
        Array.Fill(end, int.MinValue);
        var isConst = new bool[n];
        var calls = new List<int>();
        ComputeIntervals(f, start, end, isConst, calls);

        var order = new List<int>();
        for (int v = 0; v < n; v++)
        {
            if (!f.ValueExists(v))
            {
                continue;
            }
            if (isConst[v])
            {
                ref InstData d = ref f.Inst(f.Value(v).Owner);
                locations[v] = Location.OfConst(d.Imm);
                continue;
            }
            if (start[v] == int.MaxValue)
            {
                // Defined in unreachable code only; it still needs somewhere to go.
                start[v] = end[v] = 0;
            }
            order.Add(v);
        }
        order.Sort((a, b) => start[a] != start[b] ? start[a].CompareTo(start[b]) : a.CompareTo(b));

        var freeGpr = new Stack<Gpr>(gprs.Reverse());
        var freeXmm = new Stack<Xmm>(xmms.Reverse());
        var active = new List<int>();
        var spilled = new List<int>();
        foreach (int v in order)
        {
            for (int i = active.Count - 1; i >= 0; i--)
            {
                int a = active[i];
                if (end[a] < start[v])
                {
                    Release(locations[a], freeGpr, freeXmm);
                    active.RemoveAt(i);
                }
            }
            if (CrossesCall(calls, start[v], end[v]))
            {
                spilled.Add(v);
                continue;
            }
            bool isInt = f.Value(v).Type.IsInt();
            if (isInt ? freeGpr.Count > 0 : freeXmm.Count > 0)
            {
                locations[v] = isInt ? Location.OfGpr(freeGpr.Pop()) : Location.OfXmm(freeXmm.Pop());
                active.Add(v);
                continue;
            }
            // No register free: the interval of this class that ends last gives way (Poletto and Sarkar's heuristic).
            int victim = -1;
            foreach (int a in active)
            {
                if (f.Value(a).Type.IsInt() == isInt && (victim < 0 || end[a] > end[victim]))
                {
                    victim = a;
                }
            }
            if (victim >= 0 && end[victim] > end[v])
            {
                locations[v] = locations[victim];
                locations[victim] = default;
                active.Remove(victim);
                active.Add(v);
                spilled.Add(victim);
            }
            else
            {
                spilled.Add(v);
            }
        }

        int slots = AssignSlots(spilled, start, end, locations);
        var intervals = new (int, int)[n];
        for (int v = 0; v < n; v++)
        {
            intervals[v] = (start[v], end[v]);
        }
        return new Allocation { Values = locations, SpillSlots = slots, Intervals = intervals };
    }

    private static void Release(Location l, Stack<Gpr> gprs, Stack<Xmm> xmms)
    {
        if (l.Kind == LocationKind.Gpr)
        {
            gprs.Push(l.Gpr);
        }
        else if (l.Kind == LocationKind.Xmm)
        {
            xmms.Push(l.Xmm);
        }
    }

    /// <summary>Whether a clobbering instruction lies strictly inside the interval (the value is live after it).</summary>
    private static bool CrossesCall(List<int> calls, int start, int end)
    {
        int lo = 0, hi = calls.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (calls[mid] <= start)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        // The call at position p reads its arguments at p and defines its results at p + 1.
        return lo < calls.Count && calls[lo] + 1 < end;
    }

    /// <summary>Spill slots by a second linear scan: a slot is reused once the interval holding it has ended.</summary>
    private static int AssignSlots(List<int> spilled, int[] start, int[] end, Location[] locations)
    {
        spilled.Sort((a, b) => start[a] != start[b] ? start[a].CompareTo(start[b]) : a.CompareTo(b));
        var free = new SortedSet<int>();
        var active = new List<(int End, int Slot)>();
        int count = 0;
        foreach (int v in spilled)
        {
            for (int i = active.Count - 1; i >= 0; i--)
            {
                if (active[i].End < start[v])
                {
                    free.Add(active[i].Slot);
                    active.RemoveAt(i);
                }
            }
            int slot;
            if (free.Count > 0)
            {
                slot = free.Min;
                free.Remove(slot);
            }
            else
            {
                slot = count++;
            }
            locations[v] = SlotLocation(slot);
            active.Add((end[v], slot));
        }
        return count;
    }

    /// <summary>
    /// Numbers positions, solves liveness and widens each value's interval to every position it is live at.
    /// <paramref name="calls"/> receives the (ascending) positions of clobbering instructions.
    /// </summary>
    private static void ComputeIntervals(IrFunction f, int[] start, int[] end, bool[] isConst, List<int> calls)
    {
        List<int> layout = f.Layout;
        int blocks = layout.Count;
        var index = new Dictionary<int, int>(blocks);
        for (int k = 0; k < blocks; k++)
        {
            index[layout[k]] = k;
        }
        int words = (f.ValueCount + 63) >> 6;
        var gen = new ulong[blocks][];
        var kill = new ulong[blocks][];
        var liveIn = new ulong[blocks][];
        var liveOut = new ulong[blocks][];
        var blockStart = new int[blocks];
        var blockEnd = new int[blocks];
        int pos = 0;
        for (int k = 0; k < blocks; k++)
        {
            gen[k] = new ulong[words];
            kill[k] = new ulong[words];
            liveIn[k] = new ulong[words];
            liveOut[k] = new ulong[words];
            BlockData b = f.Block(layout[k]);
            blockStart[k] = pos;
            foreach (int p in b.Params)
            {
                Set(kill[k], p);
                Extend(start, end, p, pos);
            }
            pos += 2;
            foreach (int inst in b.Insts)
            {
                ref InstData d = ref f.Inst(inst);
                if (d.Op is Op.Iconst or Op.Fconst)
                {
                    isConst[f.Result(inst)] = true;
                }
                foreach (int a in f.Args(inst))
                {
                    if (!Get(kill[k], a))
                    {
                        Set(gen[k], a);
                    }
                    Extend(start, end, a, pos);
                }
                foreach (ref BlockCall call in f.Targets(inst))
                {
                    foreach (int a in f.CallArgs(call))
                    {
                        if (!Get(kill[k], a))
                        {
                            Set(gen[k], a);
                        }
                        Extend(start, end, a, pos);
                    }
                }
                if (ClobbersRegisters(d.Op))
                {
                    calls.Add(pos);
                }
                foreach (int r in f.ResultValues(inst))
                {
                    Set(kill[k], r);
                    Extend(start, end, r, pos + 1);
                }
                pos += 2;
            }
            blockEnd[k] = pos - 2;
        }

        // Backward dataflow to a fixed point: out = union of successors' in; in = gen | (out & ~kill).
        var successors = new int[blocks][];
        for (int k = 0; k < blocks; k++)
        {
            successors[k] = f.Successors(layout[k]).Select(s => index[s]).Distinct().ToArray();
        }
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int k = blocks - 1; k >= 0; k--)
            {
                ulong[] o = liveOut[k];
                foreach (int s in successors[k])
                {
                    ulong[] si = liveIn[s];
                    for (int w = 0; w < words; w++)
                    {
                        o[w] |= si[w];
                    }
                }
                ulong[] li = liveIn[k];
                for (int w = 0; w < words; w++)
                {
                    ulong next = gen[k][w] | (o[w] & ~kill[k][w]);
                    if (next != li[w])
                    {
                        li[w] = next;
                        changed = true;
                    }
                }
            }
        }

        for (int k = 0; k < blocks; k++)
        {
            ForEach(liveIn[k], v => Extend(start, end, v, blockStart[k]));
            // Live out: across the terminator and its edge moves.
            ForEach(liveOut[k], v => Extend(start, end, v, blockEnd[k] + 1));
        }
        foreach (int v in Enumerable.Range(0, isConst.Length))
        {
            if (isConst[v])
            {
                start[v] = int.MaxValue;
                end[v] = int.MinValue;
            }
        }
    }

    private static void Extend(int[] start, int[] end, int v, int pos)
    {
        start[v] = Math.Min(start[v], pos);
        end[v] = Math.Max(end[v], pos);
    }

    private static bool Get(ulong[] set, int v) => (set[v >> 6] & (1UL << v)) != 0;

    private static void Set(ulong[] set, int v) => set[v >> 6] |= 1UL << v;

    private static void ForEach(ulong[] set, Action<int> action)
    {
        for (int w = 0; w < set.Length; w++)
        {
            ulong bits = set[w];
            while (bits != 0)
            {
                int b = System.Numerics.BitOperations.TrailingZeroCount(bits);
                action((w << 6) + b);
                bits &= bits - 1;
            }
        }
    }
}
