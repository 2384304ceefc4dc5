using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Passes;

/// <summary>
/// Moves a compare whose only use is the condition of a brif in a later block to just before that brif, so the code
/// generator fuses it into the branch (a cmp and a jcc) instead of turning it into a value (setcc, movzx) where it was
/// computed and testing that value again at the branch. A compare is pure and its operands dominate its block, which
/// dominates the branch's block, so they are available there. A compare is never moved into a loop its block is not
/// in: that would run it more often.
/// </summary>
internal static class CompareSinking
{
    public static bool Run(IrFunction f)
    {
        // Uses of each value: a compare with exactly one use, which is a brif condition in another block, is a candidate.
        int n = f.ValueCount;
        int[] uses = new int[n];
        int[] user = new int[n];
        Array.Fill(user, -1);
        foreach (int b in f.Layout)
        {
            foreach (int inst in f.Block(b).Insts)
            {
                Span<int> args = f.Args(inst);
                for (int i = 0; i < args.Length; i++)
                {
                    uses[args[i]]++;
                    user[args[i]] = i == 0 && f.Inst(inst).Op == Op.Brif ? inst : -1;
                }
                if (f.Inst(inst).TargetCount > 0)
                {
                    foreach (ref BlockCall call in f.Targets(inst))
                    {
                        foreach (int a in f.CallArgs(call))
                        {
                            uses[a]++;
                        }
                    }
                }
            }
        }
        List<(int Compare, int Brif)>? moves = null;
        foreach (int b in f.Layout)
        {
            foreach (int inst in f.Block(b).Insts)
            {
                ref InstData d = ref f.Inst(inst);
                if (!OpInfo.IsCompare(d.Op) || d.ResultCount != 1)
                {
                    continue;
                }
                int r = f.Result(inst);
                if (uses[r] == 1 && user[r] >= 0 && f.Inst(user[r]).Block != b)
                {
                    (moves ??= []).Add((inst, user[r]));
                }
            }
        }
        if (moves is null)
        {
            return false;
        }
        DominatorTree dom = f.Dominators;
        List<(int Header, HashSet<int> Body)> loops = Loops(f, dom);
        bool changed = false;
        foreach ((int compare, int brif) in moves)
        {
            int from = f.Inst(compare).Block;
            int to = f.Inst(brif).Block;
            if (!dom.Dominates(from, to) || EntersLoop(loops, from, to))
            {
                continue;
            }
            f.MoveInst(compare, to, f.Block(to).Insts.Count - 1);
            changed = true;
        }
        return changed;
    }

    /// <summary>Whether <paramref name="to"/> is in a loop <paramref name="from"/> is not in.</summary>
    private static bool EntersLoop(List<(int Header, HashSet<int> Body)> loops, int from, int to)
    {
        foreach ((_, HashSet<int> body) in loops)
        {
            if (body.Contains(to) && !body.Contains(from))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The natural loops: for each header (the target of a back edge, which dominates its source), the blocks reaching a back edge's source without passing the header.</summary>
    private static List<(int Header, HashSet<int> Body)> Loops(IrFunction f, DominatorTree dom)
    {
        var loops = new List<(int Header, HashSet<int> Body)>();
        var byHeader = new Dictionary<int, HashSet<int>>();
        var work = new Stack<int>();
        foreach (int b in dom.ReversePostorder)
        {
            foreach (int s in f.Successors(b))
            {
                if (!dom.Dominates(s, b))
                {
                    continue;
                }
                if (!byHeader.TryGetValue(s, out HashSet<int>? body))
                {
                    byHeader[s] = body = [s];
                    loops.Add((s, body));
                }
                if (body.Add(b))
                {
                    work.Push(b);
                }
                while (work.Count > 0)
                {
                    foreach (int p in dom.PredecessorsOf(work.Pop()))
                    {
                        if (body.Add(p))
                        {
                            work.Push(p);
                        }
                    }
                }
            }
        }
        return loops;
    }
}
