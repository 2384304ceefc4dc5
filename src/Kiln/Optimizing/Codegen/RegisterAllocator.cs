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
    public static bool ClobbersRegisters(Op op) => op is Op.Call or Op.CallIndirect or Op.MemoryGrow or Op.TruncS or Op.TruncU or Op.TruncSatS or Op.TruncSatU;

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
        var crossesCall = new bool[n];
        ComputeIntervals(f, start, end, isConst, crossesCall);

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
        // Active intervals ordered by end, per register file: the first expires next, the last is the spill candidate.
        var activeGpr = new SortedSet<(int End, int Value)>();
        var activeXmm = new SortedSet<(int End, int Value)>();
        var spilled = new List<int>();
        foreach (int v in order)
        {
            Expire(activeGpr, start[v], locations, freeGpr, freeXmm);
            Expire(activeXmm, start[v], locations, freeGpr, freeXmm);
            if (crossesCall[v])
            {
                spilled.Add(v);
                continue;
            }
            bool isInt = f.Value(v).Type.IsInt();
            SortedSet<(int End, int Value)> active = isInt ? activeGpr : activeXmm;
            if (isInt ? freeGpr.Count > 0 : freeXmm.Count > 0)
            {
                locations[v] = isInt ? Location.OfGpr(freeGpr.Pop()) : Location.OfXmm(freeXmm.Pop());
                active.Add((end[v], v));
                continue;
            }
            // No register free: the interval of this class that ends last gives way (Poletto and Sarkar's heuristic).
            if (active.Count > 0 && active.Max.End > end[v])
            {
                int victim = active.Max.Value;
                active.Remove(active.Max);
                locations[v] = locations[victim];
                locations[victim] = default;
                active.Add((end[v], v));
                spilled.Add(victim);
            }
            else
            {
                spilled.Add(v);
            }
        }

        // A spilled parameter stays in its word of the argument area (rbp+16+8i): nothing else writes there before the
        // return's parallel move, so it needs no copy and no slot.
        List<int> entryParams = f.Block(f.Entry).Params;
        spilled.RemoveAll(v =>
        {
            int i = entryParams.IndexOf(v);
            if (i < 0)
            {
                return false;
            }
            locations[v] = Location.OfStack(Gpr.Rbp, Compiled.CompiledAbi.ArgsOffset + (8 * i));
            return true;
        });
        int slots = AssignSlots(spilled, start, end, locations);
        var intervals = new (int, int)[n];
        for (int v = 0; v < n; v++)
        {
            intervals[v] = (start[v], end[v]);
        }
        return new Allocation { Values = locations, SpillSlots = slots, Intervals = intervals };
    }

    private static void Expire(SortedSet<(int End, int Value)> active, int position, Location[] locations, Stack<Gpr> gprs, Stack<Xmm> xmms)
    {
        while (active.Count > 0 && active.Min.End < position)
        {
            Location l = locations[active.Min.Value];
            active.Remove(active.Min);
            if (l.Kind == LocationKind.Gpr)
            {
                gprs.Push(l.Gpr);
            }
            else if (l.Kind == LocationKind.Xmm)
            {
                xmms.Push(l.Xmm);
            }
        }
    }

    /// <summary>Spill slots by a second linear scan: a slot is reused once the interval holding it has ended.</summary>
    private static int AssignSlots(List<int> spilled, int[] start, int[] end, Location[] locations)
    {
        spilled.Sort((a, b) => start[a] != start[b] ? start[a].CompareTo(start[b]) : a.CompareTo(b));
        var free = new PriorityQueue<int, int>();
        var active = new PriorityQueue<int, int>();
        int count = 0;
        foreach (int v in spilled)
        {
            while (active.TryPeek(out int slot, out int slotEnd) && slotEnd < start[v])
            {
                active.Dequeue();
                free.Enqueue(slot, slot);
            }
            if (!free.TryDequeue(out int s, out _))
            {
                s = count++;
            }
            locations[v] = SlotLocation(s);
            active.Enqueue(s, end[v]);
        }
        return count;
    }

    /// <summary>
    /// Numbers positions, then widens each value's interval over every block it is live in, found by walking backwards
    /// from each use to the definition (Appel's path exploration, one value at a time: the cost is the size of the live
    /// ranges, not blocks times values). <paramref name="crossesCall"/> is set for the values live right after a
    /// clobbering instruction (live out of its block, or used later in it, and defined before it): exactly those must
    /// not be in a register, however long their hull.
    /// </summary>
    private static void ComputeIntervals(IrFunction f, int[] start, int[] end, bool[] isConst, bool[] crossesCall)
    {
        List<int> layout = f.Layout;
        int blocks = layout.Count;
        var index = new int[f.BlockCount];
        for (int k = 0; k < blocks; k++)
        {
            index[layout[k]] = k;
        }
        var blockStart = new int[blocks];
        var blockEnd = new int[blocks];
        var defBlock = new int[f.ValueCount];
        var defPos = new int[f.ValueCount];
        var callsIn = new List<int>?[blocks];
        // Uses as (value, block, position); a block argument is a use at its branch in the predecessor.
        var uses = new List<(int Value, int Block, int Pos)>();
        var preds = new List<int>[blocks];
        for (int k = 0; k < blocks; k++)
        {
            preds[k] = [];
        }
        int pos = 0;
        for (int k = 0; k < blocks; k++)
        {
            BlockData b = f.Block(layout[k]);
            blockStart[k] = pos;
            foreach (int p in b.Params)
            {
                defBlock[p] = k;
                defPos[p] = pos;
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
                    uses.Add((a, k, pos));
                }
                foreach (ref BlockCall call in f.Targets(inst))
                {
                    foreach (int a in f.CallArgs(call))
                    {
                        uses.Add((a, k, pos));
                    }
                    List<int> ps = preds[index[call.Block]];
                    if (ps.Count == 0 || ps[^1] != k)
                    {
                        ps.Add(k);
                    }
                }
                if (ClobbersRegisters(d.Op))
                {
                    (callsIn[k] ??= []).Add(pos);
                }
                foreach (int r in f.ResultValues(inst))
                {
                    defBlock[r] = k;
                    defPos[r] = pos + 1;
                    Extend(start, end, r, pos + 1);
                }
                pos += 2;
            }
            blockEnd[k] = pos - 2;
        }

        // Stamps instead of per-value sets: block k is known live-in (live-out) for value v when the stamp is v + 1.
        // Uses are grouped by value, so each value's walk finishes before the next one's starts.
        uses.Sort((x, y) => x.Value != y.Value ? x.Value.CompareTo(y.Value) : x.Pos.CompareTo(y.Pos));
        var liveInStamp = new int[blocks];
        var liveOutStamp = new int[blocks];
        var useStamp = new int[blocks];
        var lastUse = new int[blocks];
        var touched = new List<int>();
        var work = new Stack<int>();
        for (int u = 0; u < uses.Count;)
        {
            int v = uses[u].Value;
            touched.Clear();
            touched.Add(defBlock[v]);
            for (; u < uses.Count && uses[u].Value == v; u++)
            {
                (int _, int k, int at) = uses[u];
                if (isConst[v])
                {
                    continue;
                }
                Extend(start, end, v, at);
                if (useStamp[k] != v + 1)
                {
                    useStamp[k] = v + 1;
                    lastUse[k] = at;
                    touched.Add(k);
                }
                lastUse[k] = Math.Max(lastUse[k], at);
                if (k == defBlock[v])
                {
                    // SSA: a use in the defining block comes after the definition.
                    continue;
                }
                // Used in a block other than its definition's: live into it, and back along every path to the definition.
                if (liveInStamp[k] != v + 1)
                {
                    liveInStamp[k] = v + 1;
                    work.Push(k);
                }
                while (work.Count > 0)
                {
                    int b = work.Pop();
                    Extend(start, end, v, blockStart[b]);
                    foreach (int p in preds[b])
                    {
                        if (liveOutStamp[p] != v + 1)
                        {
                            liveOutStamp[p] = v + 1;
                            touched.Add(p);
                            // Live out: across the terminator and its edge moves.
                            Extend(start, end, v, blockEnd[p] + 1);
                        }
                        if (p != defBlock[v] && liveInStamp[p] != v + 1)
                        {
                            liveInStamp[p] = v + 1;
                            work.Push(p);
                        }
                    }
                }
            }
            if (isConst[v])
            {
                continue;
            }
            foreach (int k in touched)
            {
                if (callsIn[k] is not { } callPositions)
                {
                    continue;
                }
                bool liveIn = liveInStamp[k] == v + 1;
                bool liveOut = liveOutStamp[k] == v + 1;
                int used = useStamp[k] == v + 1 ? lastUse[k] : int.MinValue;
                foreach (int p in callPositions)
                {
                    // The call reads its operands at p and writes its results at p + 1.
                    bool definedBefore = liveIn || (defBlock[v] == k && defPos[v] < p);
                    bool neededAfter = liveOut || used > p;
                    if (definedBefore && neededAfter)
                    {
                        crossesCall[v] = true;
                        break;
                    }
                }
            }
        }
        for (int v = 0; v < isConst.Length; v++)
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
}
