using Kiln.Jit.X64;
using Kiln.Optimizing.Ir;
using Kiln.Wasm.Model;

namespace Kiln.Optimizing.Codegen;

/// <summary>
/// The allocator's result: a location per value id, the frame home of each value that keeps a register across calls,
/// what to reload after each clobbering instruction, how many 8-byte spill slots the frame needs, and the intervals.
/// </summary>
internal sealed class Allocation
{
    public required Location[] Values { get; init; }

    /// <summary>
    /// Per value: where a value in a register that lives across a clobbering instruction is kept in memory (a frame slot,
    /// or its parameter word), stored once when it is defined and reloaded after each such instruction; default otherwise.
    /// </summary>
    public required Location[] Homes { get; init; }

    /// <summary>Per clobbering instruction: the values to reload into their registers from their homes right after it.</summary>
    public required Dictionary<int, int[]> ReloadsAfter { get; init; }

    public required int SpillSlots { get; init; }

    /// <summary>Per value: its live interval as [start, end] positions, or (int.MaxValue, int.MinValue) when it needs none.</summary>
    public required (int Start, int End)[] Intervals { get; init; }
}

/// <summary>
/// Linear-scan register allocation (after Poletto and Sarkar, "Linear Scan Register Allocation", 1999) over the IR in
/// layout order, with spill choices by use weight. Positions number the block starts (where parameters are defined)
/// and each instruction twice: its operands are read at the even position, its results written at the odd one, so a
/// value whose last use is an instruction can share a register with that instruction's result. A value's interval is
/// the hull of the positions it is live at (found by walking back from each use to the definition), which stays
/// correct for any block order; the builder lays loops out contiguously, so a loop-carried value occupies one register
/// over its loop and no more.
/// </summary>
/// <remarks>
/// <para>
/// Weights: each use or definition counts 8^depth (depth capped at 5), the loop depth of its block, found from the
/// layout's back edges. When no register is free, the active interval of the class (or the new one) with the least
/// weight gives way and lives in a frame slot for its whole life; ties go to the one that ends last, Poletto and
/// Sarkar's rule. So values used in inner loops keep registers and the outer loops' values go to memory, where the
/// plain furthest-end rule would spill exactly the inner loops' invariants.
/// </para>
/// <para>
/// Calls: a Wasm call clobbers every register but rbp and rsp (<see cref="Compiled.CompiledAbi"/>), a SysV helper every
/// register this tier allocates. A value live across such an instruction may still have a register when its uses weigh
/// more than twice the calls it crosses: it then also has a home in the frame, written once where it is defined, and is
/// reloaded right after each call it crosses (<see cref="Allocation.ReloadsAfter"/>). A hot loop around a cold call
/// keeps its values in registers; a value crossing a hot call lives in memory.
/// </para>
/// <para>
/// Splitting: intervals are never split, but after a first scan each value it left in memory that is used in a loop
/// without calls gets a copy there, a parameter of the loop's header loaded on the preheader's edge
/// (<see cref="SplitSpilledValuesAtLoops"/>), and the function is scanned again: the copy competes for a register
/// with the loop's own weight only.
/// </para>
/// <para>
/// Hints: a result prefers its first operand's register (two-address x86 needs no copy then) and avoids its second's;
/// a block argument and the parameter it feeds prefer each other's register, so loop-carried values need no move on
/// the back edge. Constants get no interval: they are rematerialized at each use (as an immediate where the
/// instruction takes one). Fixed-register needs (shift counts in rcx, rax:rdx for division, helper arguments) are met
/// with the scratch registers rax, rcx, rdx, xmm0 and xmm1, which are never allocated. Spilled values and homes share
/// slots once their intervals end.
/// </para>
/// </remarks>
internal static class RegisterAllocator
{
    /// <summary>Start of frame slots below rbp (after the frame header).</summary>
    public const int SlotsOffset = -Compiled.CompiledAbi.FrameHeaderSize - 8;

    /// <summary>Deeper loops weigh the same as this depth.</summary>
    private const int MaxWeightedDepth = 5;

    /// <summary>Instructions that clobber every allocatable register: Wasm calls and SysV helper calls.</summary>
    public static bool ClobbersRegisters(Op op) => op is Op.Call or Op.CallIndirect or Op.MemoryGrow
        or Op.MemoryFill or Op.MemoryCopy or Op.MemoryInit or Op.DataDrop or Op.TableGrow or Op.TableFill or Op.TableCopy
        or Op.TableInit or Op.ElemDrop;


    /// <summary>The register class of a type: integers and references in general-purpose registers, floats and v128 in xmm registers.</summary>
    public static bool InGpr(IrType type) => type is IrType.I32 or IrType.I64 or IrType.Funcref or IrType.Externref;

    /// <summary>Spill slots a value of <paramref name="type"/> takes: two adjacent 8-byte slots, 16-byte aligned, for a v128.</summary>
    public static int SlotsOf(IrType type) => type == IrType.V128 ? 2 : 1;

    public static Location SlotLocation(int slot) => Location.OfStack(Gpr.Rbp, SlotsOffset - (8 * slot));

    /// <summary>
    /// The allocator's working storage, per value and per use, kept from one function to the next by its owner (one
    /// compiler, so one thread): each run grows the arrays to the function's value count when they are short and clears
    /// the part it uses, instead of allocating them anew. The <see cref="Allocation"/> a run returns is never part of it.
    /// </summary>
    public sealed class Buffers
    {
        public int[] Start = [];
        public int[] End = [];
        public int[] DefBlock = [];
        public int[] DefPos = [];
        public bool[] IsConst = [];
        public bool[] CrossesCall = [];
        /// <summary>Sum of 8^depth over the value's definition and uses.</summary>
        public double[] UseWeight = [];
        /// <summary>Sum of 8^depth over the clobbering instructions the value is live across.</summary>
        public double[] CrossWeight = [];
        /// <summary>8^depth per layout index (<see cref="BlockWeights"/>).</summary>
        public double[] Weight = [];
        public double[] Benefit = [];
        public double[] Density = [];
        public Location[] SlotOf = [];
        public bool[] Seen = [];
        public int[] UseFirst = [];
        /// <summary>Per clobbering instruction, the values live across it (insertion order is the order homes are assigned in).</summary>
        public readonly Dictionary<int, List<int>> Crossing = [];
        /// <summary>Uses as (value, block, position), in position order, then grouped by value.</summary>
        public readonly List<(int Value, int Block, int Pos)> Uses = [];
        public (int Value, int Block, int Pos)[] ByValue = [];
        public readonly Hints Hints = new();
        public readonly List<int> Order = [];
        public readonly List<int> Spilled = [];
        public readonly List<int> Homed = [];
        public readonly List<int> NeedSlots = [];
        public readonly List<long> ActiveGpr = [];
        public readonly List<long> ActiveXmm = [];
        public readonly List<Gpr> FreeGpr = [];
        public readonly List<Xmm> FreeXmm = [];
        public long[] SortKeys = [];
        /// <summary>The returned allocation's per-value arrays: valid until the next run with these buffers.</summary>
        public Location[] Values = [];
        public Location[] Homes = [];
        public (int, int)[] Intervals = [];
        /// <summary>Per layout index (interval analysis): positions, predecessors, clobbering instructions and stamps.</summary>
        public int[] BlockIndex = [];
        public int[] BlockStart = [];
        public int[] BlockEnd = [];
        public int[] LiveInStamp = [];
        public int[] LiveOutStamp = [];
        public int[] UseStamp = [];
        public int[] LastUse = [];
        public int[] CrossStamp = [];
        public List<int>[] Preds = [];
        public List<(int Pos, int Inst)>[] CallsIn = [];
        public readonly List<int> Touched = [];
        public readonly Stack<int> Work = new();

        /// <summary>Makes the per-block storage at least <paramref name="blocks"/> long (ids up to <paramref name="ids"/>) and clears it.</summary>
        public void PrepareBlocks(int blocks, int ids)
        {
            if (BlockIndex.Length < ids)
            {
                BlockIndex = new int[Math.Max(ids, BlockIndex.Length * 2)];
            }
            if (BlockStart.Length < blocks)
            {
                int size = Math.Max(blocks, BlockStart.Length * 2);
                int old = Preds.Length;
                BlockStart = new int[size];
                BlockEnd = new int[size];
                LiveInStamp = new int[size];
                LiveOutStamp = new int[size];
                UseStamp = new int[size];
                LastUse = new int[size];
                CrossStamp = new int[size];
                Array.Resize(ref Preds, size);
                Array.Resize(ref CallsIn, size);
                for (int k = old; k < size; k++)
                {
                    Preds[k] = [];
                    CallsIn[k] = [];
                }
            }
            Array.Clear(BlockIndex, 0, ids);
            Array.Clear(BlockStart, 0, blocks);
            Array.Clear(BlockEnd, 0, blocks);
            Array.Clear(LiveInStamp, 0, blocks);
            Array.Clear(LiveOutStamp, 0, blocks);
            Array.Clear(UseStamp, 0, blocks);
            Array.Clear(LastUse, 0, blocks);
            Array.Clear(CrossStamp, 0, blocks);
            for (int k = 0; k < blocks; k++)
            {
                Preds[k].Clear();
                CallsIn[k].Clear();
            }
            Touched.Clear();
            Work.Clear();
        }

        /// <summary>Makes every per-value array at least <paramref name="n"/> long and clears its first n entries.</summary>
        public void Prepare(int n)
        {
            // UseFirst is one longer than the rest (a function may have no values at all).
            if (UseFirst.Length <= n)
            {
                // Room for the copies splitting adds (Grow), so they rarely reallocate every array.
                int size = Math.Max(n + (n >> 3) + 16, Start.Length * 2);
                Start = new int[size];
                End = new int[size];
                DefBlock = new int[size];
                DefPos = new int[size];
                IsConst = new bool[size];
                CrossesCall = new bool[size];
                UseWeight = new double[size];
                CrossWeight = new double[size];
                Benefit = new double[size];
                Density = new double[size];
                SlotOf = new Location[size];
                Values = new Location[size];
                Homes = new Location[size];
                Intervals = new (int, int)[size];
                Seen = new bool[size];
                UseFirst = new int[size + 1];
                Hints.Edge = new int[size];
                Hints.First = new int[size];
                Hints.Second = new int[size];
                Hints.Avoid = new int[size];
            }
            Clear(0, n);
            Crossing.Clear();
            Uses.Clear();
        }

        /// <summary>Resets the per-value facts of values <paramref name="from"/> to <paramref name="to"/> (exclusive).</summary>
        private void Clear(int from, int to)
        {
            int n = to - from;
            Array.Fill(Start, int.MaxValue, from, n);
            Array.Fill(End, int.MinValue, from, n);
            Array.Clear(DefBlock, from, n);
            Array.Clear(DefPos, from, n);
            Array.Clear(IsConst, from, n);
            Array.Clear(CrossesCall, from, n);
            Array.Clear(UseWeight, from, n);
            Array.Clear(CrossWeight, from, n);
            ClearHints(from, to);
        }

        /// <summary>Sets the hints of values <paramref name="from"/> to <paramref name="to"/> (exclusive) to none.</summary>
        public void ClearHints(int from, int to)
        {
            int n = to - from;
            Array.Fill(Hints.Edge, -1, from, n);
            Array.Fill(Hints.First, -1, from, n);
            Array.Fill(Hints.Second, -1, from, n);
            Array.Fill(Hints.Avoid, -1, from, n);
        }

        /// <summary>
        /// Makes room for values <paramref name="from"/> to <paramref name="to"/> (exclusive), made after the analysis,
        /// keeping every fact of the values before them, and resets theirs.
        /// </summary>
        public void Grow(int from, int to)
        {
            if (UseFirst.Length <= to)
            {
                int size = Math.Max(to, Start.Length * 2);
                Array.Resize(ref Start, size);
                Array.Resize(ref End, size);
                Array.Resize(ref DefBlock, size);
                Array.Resize(ref DefPos, size);
                Array.Resize(ref IsConst, size);
                Array.Resize(ref CrossesCall, size);
                Array.Resize(ref UseWeight, size);
                Array.Resize(ref CrossWeight, size);
                Array.Resize(ref Benefit, size);
                Array.Resize(ref Density, size);
                Array.Resize(ref SlotOf, size);
                Array.Resize(ref Values, size);
                Array.Resize(ref Homes, size);
                Array.Resize(ref Intervals, size);
                Array.Resize(ref Seen, size);
                Array.Resize(ref UseFirst, size + 1);
                Array.Resize(ref Hints.Edge, size);
                Array.Resize(ref Hints.First, size);
                Array.Resize(ref Hints.Second, size);
                Array.Resize(ref Hints.Avoid, size);
            }
            Clear(from, to);
        }

        /// <summary>Clears what one scan computes (locations, homes, slots, its lists), so a scan can run again.</summary>
        public void PrepareScan(int n)
        {
            Array.Clear(Benefit, 0, n);
            Array.Clear(Density, 0, n);
            Array.Clear(SlotOf, 0, n);
            Array.Clear(Values, 0, n);
            Array.Clear(Homes, 0, n);
            Array.Clear(Seen, 0, n);
            Order.Clear();
            Spilled.Clear();
            Homed.Clear();
            NeedSlots.Clear();
            ActiveGpr.Clear();
            ActiveXmm.Clear();
            FreeGpr.Clear();
            FreeXmm.Clear();
        }
    }

    /// <summary>Allocates with working storage of its own (for a single function; a compiler keeps one <see cref="Buffers"/>).</summary>
    /// <remarks>The returned allocation's arrays belong to <c>buffers</c>: they hold until its next run, and may be longer than the value count.</remarks>
    public static Allocation Run(IrFunction f, IReadOnlyList<Gpr> gprs, IReadOnlyList<Xmm> xmms) => Run(f, gprs, xmms, new Buffers());

    public static Allocation Run(IrFunction f, IReadOnlyList<Gpr> gprs, IReadOnlyList<Xmm> xmms, Buffers buffers)
    {
        RematerializeVectorConstantsInLoops(f);
        int n = f.ValueCount;
        buffers.Prepare(n);
        ComputeIntervals(f, n, buffers.Start, buffers.End, buffers);
        ComputeHints(f, buffers.Hints);
        Allocation first = Scan(f, gprs, xmms, buffers, null);
        // The splitting updates the intervals and weights it changes (the analysis is not run again).
        int[]? splitFrom = SplitSpilledValuesAtLoops(f, first.Values, buffers);
        if (splitFrom is null)
        {
            return first;
        }
        // The first allocation's arrays belong to the buffers, which the second scan clears and reuses.
        return Scan(f, gprs, xmms, buffers, splitFrom);
    }

    /// <summary>
    /// One linear scan over the intervals in <paramref name="buffers"/>: the registers, then homes and slots.
    /// <paramref name="splitFrom"/> names, per copy made by <see cref="SplitSpilledValuesAtLoops"/>, the value its
    /// preheader passes it (-1 for other values): a copy left in memory shares that value's slot instead of taking one.
    /// </summary>
    private static Allocation Scan(IrFunction f, IReadOnlyList<Gpr> gprs, IReadOnlyList<Xmm> xmms, Buffers buffers, int[]? splitFrom)
    {
        int n = f.ValueCount;
        buffers.PrepareScan(n);
        Location[] locations = buffers.Values;
        Location[] homes = buffers.Homes;
        int[] start = buffers.Start;
        int[] end = buffers.End;
        Buffers facts = buffers;
        Hints hints = buffers.Hints;

        List<int> order = buffers.Order;
        for (int v = 0; v < n; v++)
        {
            if (!f.ValueExists(v))
            {
                continue;
            }
            if (facts.IsConst[v])
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
        SortByStart(order, start, buffers);

        // What a register saves over a frame slot: the weight of the uses, less the reloads after crossed calls. A reload
        // counts twice: a use after it could have read the slot directly, so a value used about once per call gains
        // nothing from a register and only takes one from others.
        double[] benefit = buffers.Benefit;
        for (int v = 0; v < n; v++)
        {
            benefit[v] = facts.UseWeight[v] - (facts.CrossesCall[v] ? 2 * facts.CrossWeight[v] : 0);
        }
        // Spill choices compare benefit per position held: without interval splitting a value gives up its register for
        // its whole life, so evicting one long interval frees a register for every short one after it, where spilling
        // each short temporary in turn would cost a store and reloads in every one of them.
        double[] density = buffers.Density;
        foreach (int v in order)
        {
            density[v] = benefit[v] / (end[v] - start[v] + 8);
        }

        // Free registers per class, used as stacks (the most recently freed first); active intervals ordered by end.
        // Active intervals are (end << 32 | value) keys kept sorted in a list: at most one per register, so inserting
        // by binary search beats a tree, and the order (end, then value) is the same.
        List<Gpr> freeGpr = buffers.FreeGpr;
        for (int i = gprs.Count - 1; i >= 0; i--)
        {
            freeGpr.Add(gprs[i]);
        }
        List<Xmm> freeXmm = buffers.FreeXmm;
        for (int i = xmms.Count - 1; i >= 0; i--)
        {
            freeXmm.Add(xmms[i]);
        }
        List<long> activeGpr = buffers.ActiveGpr;
        List<long> activeXmm = buffers.ActiveXmm;
        List<int> spilled = buffers.Spilled;
        foreach (int v in order)
        {
            Expire(activeGpr, start[v], locations, freeGpr, freeXmm);
            Expire(activeXmm, start[v], locations, freeGpr, freeXmm);
            if (facts.CrossesCall[v] && benefit[v] <= 0)
            {
                spilled.Add(v);
                continue;
            }
            bool isInt = InGpr(f.Value(v).Type);
            List<long> active = isInt ? activeGpr : activeXmm;
            Location chosen = isInt
                ? Take(freeGpr, locations, hints, v, LocationKind.Gpr, r => Location.OfGpr(r))
                : Take(freeXmm, locations, hints, v, LocationKind.Xmm, x => Location.OfXmm(x));
            if (chosen.Kind != LocationKind.None)
            {
                locations[v] = chosen;
                AddActive(active, end[v], v);
                continue;
            }
            // No register free: the interval of the class (or the new one) whose register saves least per position it
            // holds gives way; among equals the one that ends last.
            int victim = -1;
            foreach (long key in active)
            {
                int e = (int)(key >> 32);
                int a = (int)key;
                if (victim < 0 || density[a] < density[victim] || (density[a] == density[victim] && e >= end[victim]))
                {
                    victim = a;
                }
            }
            if (victim >= 0 && (density[victim] < density[v] || (density[victim] == density[v] && end[victim] > end[v])))
            {
                active.RemoveAt(active.BinarySearch(ActiveKey(end[victim], victim)));
                locations[v] = locations[victim];
                locations[victim] = default;
                AddActive(active, end[v], v);
                spilled.Add(victim);
            }
            else
            {
                spilled.Add(v);
            }
        }

        // A copy that got no register in its loop after all reads the memory its source lives in (the source's slot, or
        // its parameter word), kept the source's until the loop ends: then the preheader moves nothing, where a slot of
        // its own would cost a memory-to-memory move per entry into the loop.
        List<(int Copy, int Source)> shared = [];
        if (splitFrom is not null)
        {
            spilled.RemoveAll(c =>
            {
                int s = c < splitFrom.Length ? splitFrom[c] : -1;
                // The source may be another loop's copy, itself in memory: then the memory is that copy's source's.
                while (s >= 0 && s < splitFrom.Length && splitFrom[s] >= 0 && !locations[s].IsRegister)
                {
                    s = splitFrom[s];
                }
                if (s < 0 || locations[s].IsRegister)
                {
                    return false;
                }
                end[s] = Math.Max(end[s], end[c]);
                shared.Add((c, s));
                return true;
            });
        }

        // Values that keep a register across calls need a home as well; spilled ones have only that.
        List<int> homed = buffers.Homed;
        var reloads = new Dictionary<int, int[]>();
        foreach ((int inst, List<int> live) in facts.Crossing)
        {
            int count = 0;
            foreach (int v in live)
            {
                count += locations[v].IsRegister ? 1 : 0;
            }
            if (count > 0)
            {
                var inRegisters = new int[count];
                int i = 0;
                foreach (int v in live)
                {
                    if (locations[v].IsRegister)
                    {
                        inRegisters[i++] = v;
                    }
                }
                reloads[inst] = inRegisters;
                homed.AddRange(inRegisters);
            }
        }

        // A parameter stays in its word of the argument area (rbp+16+8i): nothing else writes there before the return's
        // parallel move, so a spilled one needs no copy and no slot, and one in a register has its home there already.
        // Not with v128 parameters or results: a v128 there could partly overlap another value in that move.
        List<int> entryParams = f.Block(f.Entry).Params;
        bool keepInArguments = !f.Params.Contains(IrType.V128) && !f.Results.Contains(IrType.V128);
        var entryIndex = new Dictionary<int, int>();
        for (int i = 0; keepInArguments && i < entryParams.Count; i++)
        {
            entryIndex[entryParams[i]] = i;
        }
        Location ParamWord(int v) => Location.OfStack(Gpr.Rbp, Compiled.CompiledAbi.ArgsOffset + (8 * entryIndex[v]));
        spilled.RemoveAll(v =>
        {
            if (!entryIndex.ContainsKey(v))
            {
                return false;
            }
            locations[v] = ParamWord(v);
            return true;
        });
        List<int> needSlots = buffers.NeedSlots;
        needSlots.AddRange(spilled);
        bool[] seen = buffers.Seen;
        foreach (int v in homed)
        {
            if (seen[v])
            {
                continue;
            }
            seen[v] = true;
            if (entryIndex.ContainsKey(v))
            {
                homes[v] = ParamWord(v);
            }
            else
            {
                needSlots.Add(v);
            }
        }
        Location[] slotOf = buffers.SlotOf;
        int slots = AssignSlots(f, needSlots, start, end, slotOf, buffers);
        foreach (int v in needSlots)
        {
            if (locations[v].IsRegister)
            {
                homes[v] = slotOf[v];
            }
            else
            {
                locations[v] = slotOf[v];
            }
        }
        foreach ((int c, int s) in shared)
        {
            locations[c] = locations[s];
        }
        (int, int)[] intervals = buffers.Intervals;
        for (int v = 0; v < n; v++)
        {
            intervals[v] = (start[v], end[v]);
        }
        return new Allocation { Values = locations, Homes = homes, ReloadsAfter = reloads, SpillSlots = slots, Intervals = intervals };
    }

    /// <summary>
    /// Splits v128 constants at loop boundaries by rematerializing them: the uses of a <c>vconst</c> (or of a splat of
    /// an integer or float constant, which the emitter loads as a 128-bit constant too) inside a loop that does not
    /// contain its definition (LICM hoists constants out of every loop, often to the function's entry) read a copy made
    /// at the end of that loop's preheader instead, one copy per innermost loop holding uses. The original's interval then ends where it is last used outside those loops, and each copy's interval
    /// spans its loop only, so its weight per position is that of the loop's uses: a constant used in a hot loop gets a
    /// register there even when the function's other loops and calls would have spilled it for its whole life (a spilled
    /// v128 is reloaded at every use). A copy costs one load from the constant pool per entry into its loop. The loops
    /// are the layout's contiguous ranges from a header to the last block branching back to it, as for the weights; a
    /// loop is only given copies when its header has exactly one predecessor before it, ending in a jump (the preheader
    /// the builder makes), so the copy runs once per entry, and only for uses the copy dominates (checked on the
    /// dominator tree, so a layout that breaks the loops' contiguity costs registers, never correctness).
    /// </summary>
    private static void RematerializeVectorConstantsInLoops(IrFunction f)
    {
        List<int> layout = f.Layout;
        bool IsConstant(int v) => !f.Value(v).IsParam && f.Inst(f.Value(v).Owner).Op is Op.Iconst or Op.Fconst;
        bool Rematerializable(int inst)
        {
            ref InstData d = ref f.Inst(inst);
            return d.Op == Op.Vconst || (d.Op == Op.Simd && (Opcode)(0xFD00 | d.Aux)
                is >= Opcode.I8x16Splat and <= Opcode.F64x2Splat && IsConstant(f.Args(inst)[0]));
        }
        bool any = false;
        foreach (int b in layout)
        {
            foreach (int inst in f.Block(b).Insts)
            {
                any |= Rematerializable(inst);
            }
        }
        if (!any)
        {
            return;
        }
        int blocks = layout.Count;
        var index = new int[f.BlockCount];
        for (int k = 0; k < blocks; k++)
        {
            index[layout[k]] = k;
        }
        var nest = new LoopNest(f, layout, index);
        int[] loopEnd = nest.LoopEnd;
        int[] entries = nest.Entry;
        int[] entryCount = nest.EntryCount;
        int[] innermost = nest.Innermost;
        // Inserting instructions leaves the control flow as it is: the tree stays valid throughout.
        DominatorTree dominators = f.Dominators;
        var defIndex = new Dictionary<int, int>();
        var copies = new Dictionary<(int Value, int Header), int>();
        int savedOffset = f.CurrentSourceOffset;
        int Copy(int v, int k)
        {
            int h = innermost[k];
            if (h < 0 || !defIndex.TryGetValue(v, out int d) || (d >= h && d <= loopEnd[h]))
            {
                return v;
            }
            int p = entries[h];
            // The copy must dominate the use: the preheader the header, and the header the use's block (layout ranges
            // are only loops when the layout keeps loops contiguous, as the builder's does).
            if (entryCount[h] != 1 || f.Inst(f.Terminator(layout[p])).Op != Op.Jump
                || !dominators.Dominates(layout[p], layout[h]) || !dominators.Dominates(layout[h], layout[k]))
            {
                return v;
            }
            if (copies.TryGetValue((v, h), out int copy))
            {
                return copy;
            }
            int original = f.Value(v).Owner;
            f.CurrentSourceOffset = f.SourceOffset(original);
            InstData o = f.Inst(original);
            int inst = f.CreateInst(o.Op, IrType.V128, f.Args(original), o.Imm);
            f.Inst(inst).Aux = o.Aux;
            f.Inst(inst).Imm2 = o.Imm2;
            copy = f.AddResult(inst, IrType.V128);
            List<int> preheader = f.Block(layout[p]).Insts;
            f.InsertAt(layout[p], preheader.Count - 1, inst);
            copies[(v, h)] = copy;
            return copy;
        }
        for (int k = 0; k < blocks; k++)
        {
            // Copies land in preheaders, which come before their loops: nothing inserted here is visited again.
            List<int> insts = f.Block(layout[k]).Insts;
            for (int i = 0; i < insts.Count; i++)
            {
                int inst = insts[i];
                if (Rematerializable(inst))
                {
                    defIndex.TryAdd(f.Result(inst), k);
                    continue;
                }
                Span<int> args = f.Args(inst);
                for (int j = 0; j < args.Length; j++)
                {
                    args[j] = Copy(args[j], k);
                }
                foreach (ref BlockCall call in f.Targets(inst))
                {
                    Span<int> callArgs = f.CallArgs(call);
                    for (int j = 0; j < callArgs.Length; j++)
                    {
                        callArgs[j] = Copy(callArgs[j], k);
                    }
                }
            }
        }
        f.CurrentSourceOffset = savedOffset;
    }

    /// <summary>
    /// The layout's loops: a branch to a block laid out at or before its own is a back edge, and a loop spans the layout
    /// from its header to the last block branching back to it (the builder lays loops out contiguously). Per layout index:
    /// the loop's last block (headers only, else -1), the forward predecessor and how many forward edges enter it, the
    /// innermost loop around the block and the loop around a header's loop (headers' layout indexes, -1 for none).
    /// </summary>
    private sealed class LoopNest
    {
        public readonly int[] LoopEnd;
        public readonly int[] Entry;
        public readonly int[] EntryCount;
        public readonly int[] Innermost;
        public readonly int[] Parent;
        public readonly bool Any;

        public LoopNest(IrFunction f, List<int> layout, int[] index)
        {
            int blocks = layout.Count;
            LoopEnd = new int[blocks];
            Entry = new int[blocks];
            EntryCount = new int[blocks];
            Innermost = new int[blocks];
            Parent = new int[blocks];
            Array.Fill(LoopEnd, -1);
            Array.Fill(Entry, -1);
            Array.Fill(Parent, -1);
            for (int k = 0; k < blocks; k++)
            {
                foreach (int s in f.Successors(layout[k]))
                {
                    int h = index[s];
                    if (h <= k)
                    {
                        LoopEnd[h] = Math.Max(LoopEnd[h], k);
                        Any = true;
                    }
                    else
                    {
                        Entry[h] = k;
                        EntryCount[h]++;
                    }
                }
            }
            var open = new Stack<int>();
            for (int k = 0; k < blocks; k++)
            {
                while (open.Count > 0 && LoopEnd[open.Peek()] < k)
                {
                    open.Pop();
                }
                if (LoopEnd[k] >= 0)
                {
                    Parent[k] = open.Count > 0 ? open.Peek() : -1;
                    open.Push(k);
                }
                Innermost[k] = open.Count > 0 ? open.Peek() : -1;
            }
        }

        public bool Contains(int header, int k) => k >= header && k <= LoopEnd[header];
    }

    /// <summary>
    /// Splits spilled values at loop boundaries: a value the first allocation left in memory for its whole life (its
    /// interval spans code with more pressure, or crosses hot calls) but that is used inside a loop without calls, and
    /// defined outside it, gets a copy for that loop: a new parameter of the loop's header, passed the value on the
    /// preheader's jump and itself on every back edge, and the loop's uses read the copy. The copy's interval is the
    /// loop, so it competes for a register there with the loop's own weight; the move on the preheader's edge is the
    /// load from the slot, once per entry into the loop, and the back edges move nothing (a parameter passed itself
    /// keeps its location). Each use goes to the innermost loop around it that qualifies (one copy per value and loop);
    /// a loop qualifies when the builder's preheader enters it (its one forward predecessor, ending in a jump), every
    /// back edge comes from a block its header dominates, and it holds no clobbering instruction (a copy there would
    /// cross the call too). Returns whether anything was split; the function must then be allocated again.
    /// </summary>
    private static int[]? SplitSpilledValuesAtLoops(IrFunction f, Location[] locations, Buffers buffers)
    {
        int n = f.ValueCount;
        bool anySpilled = false;
        for (int v = 0; v < n && !anySpilled; v++)
        {
            anySpilled = f.ValueExists(v) && locations[v].Kind == LocationKind.Stack;
        }
        if (!anySpilled)
        {
            return null;
        }
        List<int> layout = f.Layout;
        int blocks = layout.Count;
        // Filled by the first run's interval analysis, for the same layout.
        int[] index = buffers.BlockIndex;
        var nest = new LoopNest(f, layout, index);
        if (!nest.Any)
        {
            return null;
        }
        var callsBefore = new int[blocks + 1];
        for (int k = 0; k < blocks; k++)
        {
            callsBefore[k + 1] = callsBefore[k] + buffers.CallsIn[k].Count;
        }
        DominatorTree dominators = f.Dominators;
        var qualifies = new sbyte[blocks];
        bool Qualifies(int h)
        {
            if (qualifies[h] == 0)
            {
                int p = nest.Entry[h];
                bool ok = nest.EntryCount[h] == 1 && f.Inst(f.Terminator(layout[p])).Op == Op.Jump
                    && callsBefore[nest.LoopEnd[h] + 1] == callsBefore[h] && dominators.Dominates(layout[p], layout[h]);
                foreach (int k in buffers.Preds[h])
                {
                    ok &= k == p || dominators.Dominates(layout[h], layout[k]);
                }
                qualifies[h] = ok ? (sbyte)1 : (sbyte)-1;
            }
            return qualifies[h] > 0;
        }
        int[] start = buffers.Start;
        int[] end = buffers.End;
        int[] defBlock = buffers.DefBlock;
        int[] blockStart = buffers.BlockStart;
        int[] blockEnd = buffers.BlockEnd;
        // The loop whose copy a use of v in block k reads, or -1 to read v itself.
        int LoopFor(int v, int k)
        {
            if (v >= n || locations[v].Kind != LocationKind.Stack)
            {
                return -1;
            }
            for (int h = nest.Innermost[k]; h >= 0; h = nest.Parent[h])
            {
                if (nest.Contains(h, defBlock[v]))
                {
                    return -1;
                }
                if (Qualifies(h) && dominators.Dominates(layout[h], layout[k]))
                {
                    // A value living from the preheader to the loop's end only would gain nothing from a copy.
                    bool onlyThere = start[v] >= blockStart[nest.Entry[h]] && end[v] <= blockEnd[nest.LoopEnd[h]] + 1;
                    return onlyThere ? -1 : h;
                }
            }
            return -1;
        }

        // First the copies (appending branch arguments may move the pool that operand spans point into), then the uses.
        var copies = new Dictionary<(int Value, int Header), int>();
        var wanted = new List<(int Value, int Header)>();
        void Want(int v, int k)
        {
            int h = LoopFor(v, k);
            if (h >= 0 && copies.TryAdd((v, h), -1))
            {
                wanted.Add((v, h));
            }
        }
        for (int k = 0; k < blocks; k++)
        {
            if (nest.Innermost[k] < 0)
            {
                continue;
            }
            foreach (int inst in f.Block(layout[k]).Insts)
            {
                foreach (int a in f.Args(inst))
                {
                    Want(a, k);
                }
                foreach (ref BlockCall call in f.Targets(inst))
                {
                    foreach (int a in f.CallArgs(call))
                    {
                        Want(a, k);
                    }
                }
            }
        }
        if (wanted.Count == 0)
        {
            return null;
        }
        // The facts the second scan needs are updated here rather than recomputed: positions do not change (parameters
        // take none), a copy lives from its header to its loop's last block, and weights move from the value to its
        // copies with the uses. The value keeps its interval, which may now be longer than it is live: safe, and it
        // stays in memory unless the second scan finds a register for it anyway.
        var made = new List<(int Copy, int Value, int Header, int Param)>(wanted.Count);
        foreach ((int v, int h) in wanted)
        {
            int copy = f.AddBlockParam(layout[h], f.Value(v).Type);
            copies[(v, h)] = copy;
            made.Add((copy, v, h, f.Block(layout[h]).Params.Count - 1));
        }
        buffers.Grow(n, f.ValueCount);
        double[] weight = buffers.Weight;
        double[] useWeight = buffers.UseWeight;
        foreach ((int copy, int v, int h, _) in made)
        {
            int header = layout[h];
            int p = nest.Entry[h];
            buffers.Start[copy] = blockStart[h];
            buffers.DefPos[copy] = blockStart[h];
            buffers.End[copy] = blockEnd[nest.LoopEnd[h]] + 1;
            buffers.DefBlock[copy] = h;
            foreach (int k in buffers.Preds[h])
            {
                int branch = f.Terminator(layout[k]);
                for (int j = 0; j < f.Targets(branch).Length; j++)
                {
                    if (f.Targets(branch)[j].Block == header)
                    {
                        f.AppendTargetArg(branch, j, k == p ? v : copy);
                        // The preheader's argument is a use of the value and the copy's move; a back edge's a use of the copy.
                        useWeight[k == p ? v : copy] += weight[k];
                        useWeight[copy] += k == p ? weight[k] : 0;
                    }
                }
            }
        }
        int Rewrite(int v, int k)
        {
            int h = LoopFor(v, k);
            if (h < 0 || !copies.TryGetValue((v, h), out int copy))
            {
                return v;
            }
            useWeight[v] -= weight[k];
            useWeight[copy] += weight[k];
            return copy;
        }
        for (int k = 0; k < blocks; k++)
        {
            if (nest.Innermost[k] < 0)
            {
                continue;
            }
            foreach (int inst in f.Block(layout[k]).Insts)
            {
                Span<int> args = f.Args(inst);
                for (int j = 0; j < args.Length; j++)
                {
                    args[j] = Rewrite(args[j], k);
                }
                foreach (ref BlockCall call in f.Targets(inst))
                {
                    Span<int> callArgs = f.CallArgs(call);
                    for (int j = 0; j < callArgs.Length; j++)
                    {
                        callArgs[j] = Rewrite(callArgs[j], k);
                    }
                }
            }
        }
        buffers.ClearHints(0, f.ValueCount);
        ComputeHints(f, buffers.Hints);
        var splitFrom = new int[f.ValueCount];
        Array.Fill(splitFrom, -1);
        foreach ((int copy, _, int h, int param) in made)
        {
            // The preheader's jump, after the rewrite (an enclosing loop's copy when the value was split there too).
            splitFrom[copy] = f.CallArgs(f.Targets(f.Terminator(layout[nest.Entry[h]]))[0])[param];
        }
        return splitFrom;
    }

    /// <summary>
    /// A free register for a value: the first of its preferred values' registers that is free, else the most recently
    /// freed one that is not the avoided value's (when another is free). <see cref="LocationKind.None"/> when none is
    /// free.
    /// </summary>
    private static Location Take<T>(List<T> free, Location[] locations, Hints hints, int v, LocationKind kind, Func<T, Location> of)
    {
        if (free.Count == 0)
        {
            return default;
        }
        foreach (int p in (ReadOnlySpan<int>)[hints.Edge[v], hints.First[v], hints.Second[v]])
        {
            if (p < 0 || locations[p].Kind != kind)
            {
                continue;
            }
            for (int i = free.Count - 1; i >= 0; i--)
            {
                if (of(free[i]) == locations[p])
                {
                    T r = free[i];
                    free.RemoveAt(i);
                    return of(r);
                }
            }
        }
        int pick = free.Count - 1;
        int avoid = hints.Avoid[v];
        if (avoid >= 0 && free.Count > 1 && of(free[pick]) == locations[avoid])
        {
            pick--;
        }
        T taken = free[pick];
        free.RemoveAt(pick);
        return of(taken);
    }

    /// <summary>Per value, the values whose registers it would like, in order, and one whose register it should not take (-1: none).</summary>
    public sealed class Hints
    {
        /// <summary>For a block parameter the argument passed to it; for an argument the parameter it feeds.</summary>
        public int[] Edge = [];
        /// <summary>An instruction's first operand: two-address x86 computes into it without a copy.</summary>
        public int[] First = [];
        /// <summary>The second operand of an operation the emitter may swap (integer add, and, or, xor, mul).</summary>
        public int[] Second = [];
        /// <summary>The second operand of one it may not (sub, shifts, float arithmetic, whose NaN bits depend on the order).</summary>
        public int[] Avoid = [];
    }

    /// <summary>Fills <paramref name="hints"/> (cleared to -1 for the function's values) and returns it.</summary>
    private static Hints ComputeHints(IrFunction f, Hints hints)
    {
        foreach (int b in f.Layout)
        {
            foreach (int inst in f.Block(b).Insts)
            {
                Span<int> args = f.Args(inst);
                Op op = f.Inst(inst).Op;
                foreach (int r in f.ResultValues(inst))
                {
                    if (args.Length > 0)
                    {
                        hints.First[r] = args[0];
                    }
                    if (args.Length > 1 && args[1] != args[0])
                    {
                        if (op is Op.Iadd or Op.Band or Op.Bor or Op.Bxor or Op.Imul)
                        {
                            hints.Second[r] = args[1];
                        }
                        else
                        {
                            hints.Avoid[r] = args[1];
                        }
                    }
                }
                foreach (ref BlockCall call in f.Targets(inst))
                {
                    Span<int> callArgs = f.CallArgs(call);
                    List<int> ps = f.Block(call.Block).Params;
                    for (int i = 0; i < callArgs.Length; i++)
                    {
                        if (hints.Edge[ps[i]] < 0)
                        {
                            hints.Edge[ps[i]] = callArgs[i];
                        }
                        hints.Edge[callArgs[i]] = ps[i];
                    }
                }
            }
        }
        return hints;
    }

    private static long ActiveKey(int end, int v) => ((long)end << 32) | (uint)v;

    /// <summary>Inserts (end, v) into the sorted active list (ends are positions, never negative, so keys order as pairs).</summary>
    private static void AddActive(List<long> active, int end, int v)
    {
        long key = ActiveKey(end, v);
        int at = active.BinarySearch(key);
        active.Insert(at < 0 ? ~at : at, key);
    }

    private static void Expire(List<long> active, int position, Location[] locations, List<Gpr> gprs, List<Xmm> xmms)
    {
        while (active.Count > 0 && (int)(active[0] >> 32) < position)
        {
            Location l = locations[(int)active[0]];
            active.RemoveAt(0);
            if (l.Kind == LocationKind.Gpr)
            {
                gprs.Add(l.Gpr);
            }
            else if (l.Kind == LocationKind.Xmm)
            {
                xmms.Add(l.Xmm);
            }
        }
    }

    /// <summary>
    /// Spill slots by a second linear scan: a slot is reused once the interval holding it has ended. A v128 takes a
    /// 16-byte aligned pair of slots (its location is the lower one), reused only by another v128, so no two slots
    /// ever partly overlap.
    /// </summary>
    private static int AssignSlots(IrFunction f, List<int> spilled, int[] start, int[] end, Location[] slotOf, Buffers buffers)
    {
        SortByStart(spilled, start, buffers);
        var free = new PriorityQueue<int, int>();
        var freeWide = new PriorityQueue<int, int>();
        // Slot index and whether it is a wide pair's, by end position.
        var active = new PriorityQueue<(int Slot, bool Wide), int>();
        int count = 0;
        foreach (int v in spilled)
        {
            while (active.TryPeek(out (int Slot, bool Wide) held, out int slotEnd) && slotEnd < start[v])
            {
                active.Dequeue();
                (held.Wide ? freeWide : free).Enqueue(held.Slot, held.Slot);
            }
            bool wide = SlotsOf(f.Value(v).Type) == 2;
            int s;
            if (wide)
            {
                if (!freeWide.TryDequeue(out s, out _))
                {
                    // The pair is slots s and s + 1, at SlotLocation(s + 1): skip one slot (left for a narrow value) to align it.
                    if ((SlotsOffset - (8 * (count + 1))) % 16 != 0)
                    {
                        free.Enqueue(count, count);
                        count++;
                    }
                    s = count;
                    count += 2;
                }
                slotOf[v] = SlotLocation(s + 1);
            }
            else
            {
                if (!free.TryDequeue(out s, out _))
                {
                    s = count++;
                }
                slotOf[v] = SlotLocation(s);
            }
            active.Enqueue((s, wide), end[v]);
        }
        return count;
    }

    /// <summary>
    /// Numbers positions, then widens each value's interval over every block it is live in, found by walking backwards
    /// from each use to the definition (Appel's path exploration, one value at a time: the cost is the size of the live
    /// ranges, not blocks times values). Also fills <paramref name="facts"/>: the weights of each value's uses, and the
    /// values live across each clobbering instruction (live out of its block, or used later in it, and defined before
    /// it): exactly those need a home or a slot, however long their hull.
    /// </summary>
    private static void ComputeIntervals(IrFunction f, int n, int[] start, int[] end, Buffers facts)
    {
        bool[] isConst = facts.IsConst;
        bool[] crossesCall = facts.CrossesCall;
        List<int> layout = f.Layout;
        int blocks = layout.Count;
        facts.PrepareBlocks(blocks, f.BlockCount);
        int[] index = facts.BlockIndex;
        for (int k = 0; k < blocks; k++)
        {
            index[layout[k]] = k;
        }
        int[] blockStart = facts.BlockStart;
        int[] blockEnd = facts.BlockEnd;
        int[] defBlock = facts.DefBlock;
        int[] defPos = facts.DefPos;
        List<(int Pos, int Inst)>[] callsIn = facts.CallsIn;
        // Uses as (value, block, position); a block argument is a use at its branch in the predecessor.
        List<(int Value, int Block, int Pos)> uses = facts.Uses;
        List<int>[] preds = facts.Preds;
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
                    callsIn[k].Add((pos, inst));
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

        double[] weight = BlockWeights(f, layout, index);
        facts.Weight = weight;
        for (int v = 0; v < n; v++)
        {
            if (start[v] != int.MaxValue && (!f.Value(v).IsParam || f.Value(v).Owner == f.Entry))
            {
                // Defined in the layout: the definition counts once (a spilled value is stored there; the entry's
                // parameters arrive in the argument area).
                facts.UseWeight[v] = weight[defBlock[v]];
            }
        }
        // Any other block parameter is written by the moves on its incoming edges, each weighing as much as the branch:
        // a spilled loop-carried value is stored on every back edge, where a parameter passed itself moves nothing.
        for (int k = 0; k < blocks; k++)
        {
            int branch = f.Terminator(layout[k]);
            if (branch < 0)
            {
                continue;
            }
            foreach (ref BlockCall call in f.Targets(branch))
            {
                Span<int> callArgs = f.CallArgs(call);
                List<int> ps = f.Block(call.Block).Params;
                for (int i = 0; i < callArgs.Length; i++)
                {
                    if (callArgs[i] != ps[i])
                    {
                        facts.UseWeight[ps[i]] += weight[k];
                    }
                }
            }
        }

        // Stamps instead of per-value sets: block k is known live-in (live-out) for value v when the stamp is v + 1.
        // Uses are grouped by value, so each value's walk finishes before the next one's starts.
        (int Value, int Block, int Pos)[] byValue = GroupByValue(uses, n, facts);
        int useCount = uses.Count;
        int[] liveInStamp = facts.LiveInStamp;
        int[] liveOutStamp = facts.LiveOutStamp;
        int[] useStamp = facts.UseStamp;
        int[] lastUse = facts.LastUse;
        int[] crossStamp = facts.CrossStamp;
        List<int> touched = facts.Touched;
        Stack<int> work = facts.Work;
        for (int u = 0; u < useCount;)
        {
            int v = byValue[u].Value;
            touched.Clear();
            touched.Add(defBlock[v]);
            for (; u < useCount && byValue[u].Value == v; u++)
            {
                (int _, int k, int at) = byValue[u];
                if (isConst[v])
                {
                    continue;
                }
                Extend(start, end, v, at);
                facts.UseWeight[v] += weight[k];
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
                // touched may list a block twice (the definition's block is also a use's).
                List<(int Pos, int Inst)> callPositions = callsIn[k];
                if (callPositions.Count == 0 || crossStamp[k] == v + 1)
                {
                    continue;
                }
                crossStamp[k] = v + 1;
                bool liveIn = liveInStamp[k] == v + 1;
                bool liveOut = liveOutStamp[k] == v + 1;
                int used = useStamp[k] == v + 1 ? lastUse[k] : int.MinValue;
                foreach ((int p, int inst) in callPositions)
                {
                    // The call reads its operands at p and writes its results at p + 1.
                    bool definedBefore = liveIn || (defBlock[v] == k && defPos[v] < p);
                    bool neededAfter = liveOut || used > p;
                    if (definedBefore && neededAfter)
                    {
                        crossesCall[v] = true;
                        facts.CrossWeight[v] += weight[k];
                        if (!facts.Crossing.TryGetValue(inst, out List<int>? live))
                        {
                            facts.Crossing[inst] = live = [];
                        }
                        live.Add(v);
                    }
                }
            }
        }
        for (int v = 0; v < n; v++)
        {
            if (isConst[v])
            {
                start[v] = int.MaxValue;
                end[v] = int.MinValue;
            }
        }
    }

    /// <summary>
    /// 8^depth per layout index, the depth being the number of loops around the block: a branch to a block laid out at
    /// or before its own is a back edge, and the loop spans the layout from its header to the last block branching back
    /// to it (loops are contiguous in the builder's layout; a pass that broke that would only blur the weights).
    /// </summary>
    private static double[] BlockWeights(IrFunction f, List<int> layout, int[] index)
    {
        int blocks = layout.Count;
        var loopEnd = new int[blocks];
        Array.Fill(loopEnd, -1);
        for (int k = 0; k < blocks; k++)
        {
            foreach (int s in f.Successors(layout[k]))
            {
                int h = index[s];
                if (h <= k)
                {
                    loopEnd[h] = Math.Max(loopEnd[h], k);
                }
            }
        }
        var delta = new int[blocks + 1];
        for (int h = 0; h < blocks; h++)
        {
            if (loopEnd[h] >= 0)
            {
                delta[h]++;
                delta[loopEnd[h] + 1]--;
            }
        }
        var weight = new double[blocks];
        int depth = 0;
        for (int k = 0; k < blocks; k++)
        {
            depth += delta[k];
            weight[k] = Math.Pow(8, Math.Min(depth, MaxWeightedDepth));
        }
        return weight;
    }

    /// <summary>
    /// The uses ordered by value, then position: a counting sort by value, stable, and the uses come in position order
    /// (equal positions of one value are the same instruction, so equal uses).
    /// </summary>
    private static (int Value, int Block, int Pos)[] GroupByValue(List<(int Value, int Block, int Pos)> uses, int values, Buffers buffers)
    {
        int[] first = buffers.UseFirst;
        Array.Clear(first, 0, values + 1);
        foreach ((int v, int _, int _) in uses)
        {
            first[v + 1]++;
        }
        for (int v = 0; v < values; v++)
        {
            first[v + 1] += first[v];
        }
        if (buffers.ByValue.Length < uses.Count)
        {
            buffers.ByValue = new (int Value, int Block, int Pos)[Math.Max(uses.Count, buffers.ByValue.Length * 2)];
        }
        (int Value, int Block, int Pos)[] sorted = buffers.ByValue;
        foreach ((int Value, int Block, int Pos) use in uses)
        {
            sorted[first[use.Value]++] = use;
        }
        return sorted;
    }

    /// <summary>Sorts values by interval start, then by id: as one 64-bit key each, which sorts without a comparison delegate.</summary>
    private static void SortByStart(List<int> values, int[] start, Buffers buffers)
    {
        int count = values.Count;
        if (buffers.SortKeys.Length < count)
        {
            buffers.SortKeys = new long[Math.Max(count, buffers.SortKeys.Length * 2)];
        }
        long[] keys = buffers.SortKeys;
        for (int i = 0; i < count; i++)
        {
            keys[i] = ((long)start[values[i]] << 32) | (uint)values[i];
        }
        Array.Sort(keys, 0, count);
        for (int i = 0; i < count; i++)
        {
            values[i] = (int)keys[i];
        }
    }

    private static void Extend(int[] start, int[] end, int v, int pos)
    {
        start[v] = Math.Min(start[v], pos);
        end[v] = Math.Max(end[v], pos);
    }
}
