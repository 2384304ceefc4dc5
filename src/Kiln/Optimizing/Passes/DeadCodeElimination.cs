using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Passes;

/// <summary>
/// Removes what cannot affect the program: blocks no path from the entry reaches, pure instructions whose results
/// nobody uses, and block parameters nobody uses (with the matching branch arguments). Instructions that may trap or
/// touch state stay even when unused, since the trap or the effect is observable. Works from use counts with a
/// worklist over instructions and parameters together, so removing one can free its operands' or arguments'
/// definitions in the same run, and every value is looked at a bounded number of times (linear time overall).
/// </summary>
internal static class DeadCodeElimination
{
    public static bool Run(IrFunction f)
    {
        bool changed = RemoveUnreachableBlocks(f);
        int[] uses = CountUses(f);
        // Where each block's parameters come from: (branch, target index) for every edge, and each parameter's position.
        var edges = new List<(int Inst, int Target)>?[f.BlockCount];
        var position = new int[f.ValueCount];
        foreach (int b in f.Layout)
        {
            List<int> ps = f.Block(b).Params;
            for (int i = 0; i < ps.Count; i++)
            {
                position[ps[i]] = i;
            }
            int t = f.Terminator(b);
            if (t < 0)
            {
                continue;
            }
            Span<BlockCall> targets = f.Targets(t);
            for (int i = 0; i < targets.Length; i++)
            {
                // Only a block with parameters has arguments to release.
                if (f.Block(targets[i].Block).Params.Count > 0)
                {
                    (edges[targets[i].Block] ??= []).Add((t, i));
                }
            }
        }
        var deadParams = new bool[f.ValueCount];
        bool anyParam = false;
        // Values whose use count dropped to zero: an instruction result (its instruction may go) or a parameter.
        var work = new Stack<int>();
        foreach (int b in f.Layout)
        {
            foreach (int inst in f.Block(b).Insts)
            {
                foreach (int r in f.ResultValues(inst))
                {
                    if (uses[r] == 0)
                    {
                        work.Push(r);
                    }
                }
            }
            if (b != f.Entry)
            {
                foreach (int p in f.Block(b).Params)
                {
                    if (uses[p] == 0)
                    {
                        work.Push(p);
                    }
                }
            }
        }
        while (work.Count > 0)
        {
            int v = work.Pop();
            ValueData d = f.Value(v);
            if (!d.IsParam)
            {
                int inst = d.Owner;
                if (f.Inst(inst).Block < 0 || OpInfo.Kind(f.Inst(inst).Op) != OpKind.Pure || !Unused(f, inst, uses))
                {
                    continue;
                }
                foreach (int a in f.Args(inst))
                {
                    Release(f, a, uses, work);
                }
                f.KillInst(inst);
                changed = true;
            }
            else if (!deadParams[v])
            {
                // Unused parameters of non-entry blocks go with their arguments.
                deadParams[v] = true;
                anyParam = true;
                foreach ((int inst, int target) in edges[d.Owner] ?? [])
                {
                    Span<int> args = f.CallArgs(f.Targets(inst)[target]);
                    if (position[v] < args.Length)
                    {
                        Release(f, args[position[v]], uses, work);
                    }
                }
            }
        }
        foreach (int b in f.Layout)
        {
            f.RemoveKilledInsts(b);
        }
        if (anyParam)
        {
            f.RemoveBlockParams(deadParams);
            changed = true;
        }
        return changed;
    }

    /// <summary>One use of <paramref name="v"/> is gone; a value left without uses goes on the worklist (the entry's parameters stay).</summary>
    private static void Release(IrFunction f, int v, int[] uses, Stack<int> work)
    {
        if (--uses[v] == 0 && !(f.Value(v).IsParam && f.Value(v).Owner == f.Entry))
        {
            work.Push(v);
        }
    }

    private static bool Unused(IrFunction f, int inst, int[] uses)
    {
        foreach (int r in f.ResultValues(inst))
        {
            if (uses[r] > 0)
            {
                return false;
            }
        }
        return true;
    }

    internal static bool RemoveUnreachableBlocks(IrFunction f)
    {
        DominatorTree dom = f.Dominators;
        int before = f.Layout.Count;
        f.RemoveBlocks(b => !dom.IsReachable(b));
        return f.Layout.Count != before;
    }

    private static int[] CountUses(IrFunction f)
    {
        var uses = new int[f.ValueCount];
        foreach (int b in f.Layout)
        {
            foreach (int inst in f.Block(b).Insts)
            {
                foreach (int a in f.Args(inst))
                {
                    uses[a]++;
                }
                foreach (ref BlockCall call in f.Targets(inst))
                {
                    foreach (int a in f.CallArgs(call))
                    {
                        uses[a]++;
                    }
                }
            }
        }
        return uses;
    }
}
