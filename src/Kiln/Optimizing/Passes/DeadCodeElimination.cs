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
    /// <summary>
    /// The pass's arrays, lists and worklist, kept per thread (a compiler runs its functions' passes on one thread) and
    /// reused from one function to the next, cleared up to the function's values and blocks.
    /// </summary>
    private sealed class Storage
    {
        public int[] Uses = [];
        public int[] Position = [];
        public bool[] DeadParams = [];
        public List<(int Inst, int Target)>[] Edges = [];
        public readonly Stack<int> Work = new();
    }

    [ThreadStatic]
    private static Storage? t_storage;

    public static bool Run(IrFunction f)
    {
        bool changed = RemoveUnreachableBlocks(f);
        Storage storage = t_storage ??= new Storage();
        int[] uses = CountUses(f, storage);
        // Where each block's parameters come from: (branch, target index) for every edge, and each parameter's position.
        List<(int Inst, int Target)>[] edges = EdgeLists(storage, f.BlockCount);
        int[] position = Cleared(ref storage.Position, f.ValueCount);
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
                    edges[targets[i].Block].Add((t, i));
                }
            }
        }
        bool[] deadParams = Cleared(ref storage.DeadParams, f.ValueCount);
        bool anyParam = false;
        // Values whose use count dropped to zero: an instruction result (its instruction may go) or a parameter.
        Stack<int> work = storage.Work;
        work.Clear();
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
                foreach ((int inst, int target) in edges[d.Owner])
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

    /// <summary><paramref name="buffer"/>, grown (doubling) to at least <paramref name="length"/>, its first <paramref name="length"/> cleared.</summary>
    private static T[] Cleared<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[Math.Max(length, buffer.Length * 2)];
        }
        else
        {
            Array.Clear(buffer, 0, length);
        }
        return buffer;
    }

    /// <summary>An empty edge list per block id below <paramref name="blocks"/>.</summary>
    private static List<(int Inst, int Target)>[] EdgeLists(Storage storage, int blocks)
    {
        List<(int Inst, int Target)>[] edges = storage.Edges;
        if (edges.Length < blocks)
        {
            int old = edges.Length;
            Array.Resize(ref storage.Edges, Math.Max(blocks, old * 2));
            edges = storage.Edges;
            for (int b = old; b < edges.Length; b++)
            {
                edges[b] = [];
            }
        }
        for (int b = 0; b < blocks; b++)
        {
            edges[b].Clear();
        }
        return edges;
    }

    private static int[] CountUses(IrFunction f, Storage storage)
    {
        int[] uses = Cleared(ref storage.Uses, f.ValueCount);
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
