using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Passes;

/// <summary>
/// Hoists pure instructions whose operands are all defined outside a loop into the loop's preheader, so they run
/// once instead of every iteration. Loops are natural loops (a back edge to a header that dominates its source);
/// the preheader is the header's one predecessor outside the loop, and only when it ends in an unconditional jump
/// (the builder always makes one; other loops are left alone rather than split). Trapping instructions are never
/// hoisted: the loop might not have run them. Inner loops are visited first, so code can climb several levels.
/// </summary>
internal static class LoopInvariantCodeMotion
{
    public static bool Run(IrFunction f)
    {
        DominatorTree dom = f.Dominators;
        var loops = new List<(int Header, HashSet<int> Body)>();
        var byHeader = new Dictionary<int, HashSet<int>>();
        foreach (int b in dom.ReversePostorder)
        {
            foreach (int s in f.Successors(b))
            {
                if (dom.Dominates(s, b))
                {
                    if (!byHeader.TryGetValue(s, out HashSet<int>? body))
                    {
                        byHeader[s] = body = [];
                        loops.Add((s, body));
                    }
                    AddBody(dom, s, b, body);
                }
            }
        }
        var rpoIndex = new int[f.BlockCount];
        for (int i = 0; i < dom.ReversePostorder.Count; i++)
        {
            rpoIndex[dom.ReversePostorder[i]] = i;
        }
        bool changed = false;
        foreach ((int header, HashSet<int> body) in loops.OrderBy(l => l.Body.Count))
        {
            int preheader = Preheader(f, dom, header, body);
            if (preheader >= 0)
            {
                changed |= Hoist(f, rpoIndex, body, preheader);
            }
        }
        return changed;
    }

    /// <summary>The blocks of the loop with back edge <paramref name="latch"/> → <paramref name="header"/>: those reaching the latch without passing the header.</summary>
    private static void AddBody(DominatorTree dom, int header, int latch, HashSet<int> body)
    {
        body.Add(header);
        var work = new Stack<int>();
        if (body.Add(latch))
        {
            work.Push(latch);
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

    private static int Preheader(IrFunction f, DominatorTree dom, int header, HashSet<int> body)
    {
        var outsideList = new List<int>();
        foreach (int p in dom.PredecessorsOf(header))
        {
            if (!body.Contains(p))
            {
                outsideList.Add(p);
            }
        }
        int[] outside = [.. outsideList];
        if (outside.Length != 1 || f.Inst(f.Terminator(outside[0])).Op != Op.Jump)
        {
            return -1;
        }
        return outside[0];
    }

    private static bool Hoist(IrFunction f, int[] rpoIndex, HashSet<int> body, int preheader)
    {
        bool changed = false;
        // Reverse postorder: an invariant operand defined in the loop is hoisted before its users are looked at.
        int[] blocks = [.. body];
        Array.Sort(blocks, (x, y) => rpoIndex[x].CompareTo(rpoIndex[y]));
        List<int> target = f.Block(preheader).Insts;
        foreach (int b in blocks)
        {
            List<int> insts = f.Block(b).Insts;
            int kept = 0;
            for (int i = 0; i < insts.Count; i++)
            {
                int inst = insts[i];
                if (OpInfo.Kind(f.Inst(inst).Op) != OpKind.Pure || !Invariant(f, inst, body))
                {
                    insts[kept++] = inst;
                    continue;
                }
                // Before the preheader's jump.
                target.Insert(target.Count - 1, inst);
                f.Inst(inst).Block = preheader;
                changed = true;
            }
            insts.RemoveRange(kept, insts.Count - kept);
        }
        return changed;
    }

    private static bool Invariant(IrFunction f, int inst, HashSet<int> body)
    {
        foreach (int a in f.Args(inst))
        {
            ValueData d = f.Value(a);
            int defBlock = d.IsParam ? d.Owner : f.Inst(d.Owner).Block;
            if (body.Contains(defBlock))
            {
                return false;
            }
        }
        return true;
    }
}
