using Kiln.Optimizing.Codegen;
using Kiln.Optimizing.Ir;

namespace Kiln.Tests.Optimizing.Codegen;

/// <summary>
/// Checks an <see cref="Allocation"/> by simulating what the emitted code does with it, independently of how the
/// allocator reasoned: per program point, which values each register and frame word holds. The prologue moves the
/// parameters from the argument area; an instruction reads its operands, a clobbering one then destroys every
/// register, its results are written to their locations (and homes), and the values listed after it are reloaded from
/// their homes; a branch's arguments go to the target's parameters as a parallel move on the edge; a block's states
/// meet as the intersection over its incoming edges, iterated to a fixed point. Every read must find its value in the
/// location the allocation names. A move makes the destination hold what the source held, and the parameter too (so
/// a copy that shares its source's storage, or a parameter passed itself, is understood without knowing why); a
/// definition removes the value from every location first, so a stale copy from an earlier turn of a loop never counts.
/// </summary>
internal static class AllocationChecker
{
    private const int ArgsOffset = 16;

    /// <summary>The violations found (empty when the allocation is consistent), each naming the value, the place and the location.</summary>
    public static List<string> Check(IrFunction f, Allocation a)
    {
        var errors = new List<string>();
        List<int> layout = f.Layout;
        var entryStates = new Dictionary<int, State>();
        var entry = new State();
        // The caller's argument area: each parameter's word (a v128 takes two), as the emitter's prologue reads them.
        List<int> entryParams = f.Block(f.Entry).Params;
        var prologue = new List<(Location Dst, Location Src, int Value)>();
        int slot = 0;
        for (int i = 0; i < entryParams.Count; i++)
        {
            var word = Location.OfStack(Kiln.Jit.X64.Gpr.Rbp, ArgsOffset + (8 * slot));
            entry.Set(word, [entryParams[i]]);
            prologue.Add((a.Values[entryParams[i]], word, entryParams[i]));
            slot += f.Params[i] == IrType.V128 ? 2 : 1;
        }
        entry = ParallelMove(entry, prologue);
        entryStates[f.Entry] = entry;

        // Forward to a fixed point in layout order; a block is walked once its state is known.
        bool changed = true;
        int rounds = 0;
        while (changed)
        {
            changed = false;
            rounds++;
            foreach (int b in layout)
            {
                if (!entryStates.TryGetValue(b, out State? atStart))
                {
                    continue;
                }
                // Errors are collected on a final pass only, once the states are stable.
                foreach ((int target, State edgeState) in WalkBlock(f, a, b, atStart, null))
                {
                    if (!entryStates.TryGetValue(target, out State? old))
                    {
                        entryStates[target] = edgeState;
                        changed = true;
                    }
                    else
                    {
                        State met = old.Meet(edgeState);
                        if (!met.SameAs(old))
                        {
                            entryStates[target] = met;
                            changed = true;
                        }
                    }
                }
            }
            if (rounds > 10_000)
            {
                errors.Add("the states did not converge");
                return errors;
            }
        }
        foreach (int b in layout)
        {
            if (entryStates.TryGetValue(b, out State? atStart))
            {
                _ = WalkBlock(f, a, b, atStart, errors).ToList();
            }
        }
        return errors;
    }

    /// <summary>Walks block <paramref name="b"/> from its entry state; yields the state on each outgoing edge after the edge's moves.</summary>
    private static IEnumerable<(int Target, State State)> WalkBlock(IrFunction f, Allocation a, int b, State atStart, List<string>? errors)
    {
        State s = atStart.Clone();
        // The emitter stores a parameter's home at the start of its block.
        foreach (int p in f.Block(b).Params)
        {
            StoreHome(s, a, p, errors, $"block{b} start");
        }
        var outgoing = new List<(int, State)>();
        foreach (int inst in f.Block(b).Insts)
        {
            string where = $"block{b} instruction {inst} ({OpInfo.Name(f.Inst(inst).Op)})";
            foreach (int u in f.Args(inst))
            {
                Read(s, a, u, errors, where);
            }
            if (RegisterAllocator.ClobbersRegisters(f.Inst(inst).Op))
            {
                s.ClearRegisters();
            }
            foreach (int r in f.ResultValues(inst))
            {
                s.Forget(r);
                if (a.Values[r].Kind != LocationKind.Const)
                {
                    s.Set(a.Values[r], [r]);
                }
                StoreHome(s, a, r, errors, where);
            }
            if (a.ReloadsAfter.TryGetValue(inst, out int[]? reloads))
            {
                foreach (int v in reloads)
                {
                    if (errors is not null && !s.Holds(a.Homes[v], v))
                    {
                        errors.Add($"v{v} reloaded after {where} from its home {a.Homes[v]}, which holds {s.Describe(a.Homes[v])}");
                    }
                    s.Set(a.Values[v], s.Get(a.Homes[v]));
                }
            }
            Span<BlockCall> targets = f.Targets(inst);
            for (int t = 0; t < targets.Length; t++)
            {
                BlockCall call = f.Targets(inst)[t];
                List<int> ps = f.Block(call.Block).Params;
                var moves = new List<(Location, Location, int)>();
                Span<int> callArgs = f.CallArgs(call);
                for (int i = 0; i < callArgs.Length; i++)
                {
                    Read(s, a, callArgs[i], errors, $"{where}, argument {i} to block{call.Block}");
                    moves.Add((a.Values[ps[i]], a.Values[callArgs[i]], ps[i]));
                }
                outgoing.Add((call.Block, ParallelMove(s, moves)));
            }
        }
        return outgoing;
    }

    private static void Read(State s, Allocation a, int v, List<string>? errors, string where)
    {
        Location l = a.Values[v];
        if (errors is not null && l.Kind != LocationKind.Const && !s.Holds(l, v))
        {
            errors.Add($"v{v} read at {where} from {l}, which holds {s.Describe(l)}");
        }
    }

    private static void StoreHome(State s, Allocation a, int v, List<string>? errors, string where)
    {
        if (a.Homes[v].Kind == LocationKind.None)
        {
            return;
        }
        if (errors is not null && !s.Holds(a.Values[v], v))
        {
            errors.Add($"v{v} stored to its home at {where} from {a.Values[v]}, which holds {s.Describe(a.Values[v])}");
        }
        s.Set(a.Homes[v], s.Get(a.Values[v]));
    }

    /// <summary>All sources are read before any destination is written; a destination holds its source's values and the parameter.</summary>
    private static State ParallelMove(State s, List<(Location Dst, Location Src, int Value)> moves)
    {
        State result = s.Clone();
        var written = new List<(Location, int[])>();
        foreach ((Location dst, Location src, int value) in moves)
        {
            int[] held = src.Kind == LocationKind.Const ? [] : s.Get(src);
            written.Add((dst, [.. held.Where(x => x != value), value]));
        }
        foreach ((_, _, int value) in moves)
        {
            result.Forget(value);
        }
        foreach ((Location dst, int[] held) in written)
        {
            result.Set(dst, held);
        }
        return result;
    }

    /// <summary>Per location, the values it holds (sorted, no duplicates).</summary>
    private sealed class State
    {
        private readonly Dictionary<Location, int[]> _held = [];

        public State Clone()
        {
            var c = new State();
            foreach ((Location l, int[] vs) in _held)
            {
                c._held[l] = vs;
            }
            return c;
        }

        public int[] Get(Location l) => _held.GetValueOrDefault(l) ?? [];

        public void Set(Location l, int[] values)
        {
            int[] sorted = [.. values.Distinct().Order()];
            if (sorted.Length == 0)
            {
                _held.Remove(l);
            }
            else
            {
                _held[l] = sorted;
            }
        }

        public bool Holds(Location l, int v) => Array.BinarySearch(Get(l), v) >= 0;

        public string Describe(Location l) => Get(l) is { Length: > 0 } vs ? string.Join(", ", vs.Select(v => $"v{v}")) : "nothing known";

        /// <summary>A definition: no location holds the value any more (an earlier turn's copy is stale).</summary>
        public void Forget(int v)
        {
            foreach (Location l in _held.Keys.ToList())
            {
                if (Holds(l, v))
                {
                    Set(l, [.. _held[l].Where(x => x != v)]);
                }
            }
        }

        public void ClearRegisters()
        {
            foreach (Location l in _held.Keys.Where(l => l.IsRegister).ToList())
            {
                _held.Remove(l);
            }
        }

        public State Meet(State other)
        {
            var m = new State();
            foreach ((Location l, int[] vs) in _held)
            {
                m.Set(l, [.. vs.Intersect(other.Get(l))]);
            }
            return m;
        }

        public bool SameAs(State other) => _held.Count == other._held.Count
            && _held.All(kv => other._held.TryGetValue(kv.Key, out int[]? vs) && vs.AsSpan().SequenceEqual(kv.Value));
    }
}
