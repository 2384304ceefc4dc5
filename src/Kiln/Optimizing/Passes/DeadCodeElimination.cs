using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Passes;

/// <summary>
/// Removes what cannot affect the program: blocks no path from the entry reaches, pure instructions whose results
/// nobody uses, and block parameters nobody uses (with the matching branch arguments). Instructions that may trap or
/// touch state stay even when unused, since the trap or the effect is observable. Works from use counts with a
/// worklist, so removing one instruction can free its operands' definitions in the same run.
/// </summary>
internal static class DeadCodeElimination
{
    public static bool Run(IrFunction f)
    {
        bool changed = RemoveUnreachableBlocks(f);
        int[] uses = CountUses(f);
        var work = new Stack<int>();
        foreach (int b in f.Layout)
        {
            foreach (int inst in f.Block(b).Insts)
            {
                work.Push(inst);
            }
        }
        while (work.Count > 0)
        {
            int inst = work.Pop();
            if (f.Inst(inst).Block < 0 || OpInfo.Kind(f.Inst(inst).Op) != OpKind.Pure || !Unused(f, inst, uses))
            {
                continue;
            }
            foreach (int a in f.Args(inst))
            {
                if (--uses[a] == 0 && !f.Value(a).IsParam)
                {
                    work.Push(f.Value(a).Owner);
                }
            }
            f.RemoveInst(inst);
            changed = true;
        }
        changed |= RemoveUnusedParams(f, uses);
        return changed;
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

    private static bool RemoveUnreachableBlocks(IrFunction f)
    {
        var dom = new DominatorTree(f);
        bool changed = false;
        foreach (int b in f.Layout.ToArray())
        {
            if (!dom.IsReachable(b))
            {
                f.RemoveBlock(b);
                changed = true;
            }
        }
        return changed;
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

    /// <summary>Unused parameters of non-entry blocks go, with their arguments; that can make the arguments' definitions dead, hence the rounds.</summary>
    private static bool RemoveUnusedParams(IrFunction f, int[] uses)
    {
        bool any = false;
        while (true)
        {
            var dead = new HashSet<int>();
            foreach (int b in f.Layout)
            {
                if (b != f.Entry)
                {
                    dead.UnionWith(f.Block(b).Params.Where(p => uses[p] == 0));
                }
            }
            if (dead.Count == 0)
            {
                return any;
            }
            f.RemoveBlockParams(dead);
            any = true;
            int[] fresh = CountUses(f);
            Array.Copy(fresh, uses, fresh.Length);
            RemoveUnusedPure(f, uses);
        }
    }

    /// <summary>Removes pure instructions without uses, latest first within each block so a chain goes in one sweep.</summary>
    private static void RemoveUnusedPure(IrFunction f, int[] uses)
    {
        foreach (int b in f.Layout)
        {
            List<int> insts = f.Block(b).Insts;
            for (int i = insts.Count - 1; i >= 0; i--)
            {
                int inst = insts[i];
                if (OpInfo.Kind(f.Inst(inst).Op) == OpKind.Pure && Unused(f, inst, uses))
                {
                    foreach (int a in f.Args(inst))
                    {
                        uses[a]--;
                    }
                    f.RemoveInst(inst);
                }
            }
        }
    }
}
