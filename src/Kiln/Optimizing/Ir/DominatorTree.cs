namespace Kiln.Optimizing.Ir;

/// <summary>
/// Immediate dominators of the blocks reachable from the entry, by the iterative algorithm of Cooper, Harvey and
/// Kennedy ("A Simple, Fast Dominance Algorithm"): intersect predecessors' dominators in reverse postorder until
/// nothing changes. Functions here are small enough that the simple algorithm wins over Lengauer-Tarjan.
/// </summary>
internal sealed class DominatorTree
{
    private readonly int[] _idom;
    private readonly int[] _rpoIndex;

    public DominatorTree(IrFunction f)
    {
        int n = f.BlockCount;
        _rpoIndex = new int[n];
        Array.Fill(_rpoIndex, -1);
        ReversePostorder = ComputeRpo(f);
        for (int i = 0; i < ReversePostorder.Count; i++)
        {
            _rpoIndex[ReversePostorder[i]] = i;
        }
        Predecessors = new List<int>[n];
        for (int b = 0; b < n; b++)
        {
            Predecessors[b] = [];
        }
        foreach (int b in ReversePostorder)
        {
            foreach (int s in f.Successors(b).Distinct())
            {
                if (f.BlockExists(s))
                {
                    Predecessors[s].Add(b);
                }
            }
        }
        _idom = new int[n];
        Array.Fill(_idom, -1);
        int entry = f.Entry;
        _idom[entry] = entry;
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (int b in ReversePostorder)
            {
                if (b == entry)
                {
                    continue;
                }
                int newIdom = -1;
                foreach (int p in Predecessors[b])
                {
                    if (_idom[p] < 0)
                    {
                        continue;
                    }
                    newIdom = newIdom < 0 ? p : Intersect(p, newIdom);
                }
                if (newIdom != _idom[b])
                {
                    _idom[b] = newIdom;
                    changed = true;
                }
            }
        }
    }

    /// <summary>Reachable blocks, each after all its dominators.</summary>
    public List<int> ReversePostorder { get; }

    /// <summary>Reachable predecessors of every block (each once).</summary>
    public List<int>[] Predecessors { get; }

    public bool IsReachable(int block) => (uint)block < (uint)_rpoIndex.Length && _rpoIndex[block] >= 0;

    /// <summary>The immediate dominator; the entry is its own.</summary>
    public int Idom(int block) => _idom[block];

    /// <summary>Whether <paramref name="a"/> dominates <paramref name="b"/> (every block dominates itself).</summary>
    public bool Dominates(int a, int b)
    {
        if (!IsReachable(a) || !IsReachable(b))
        {
            return false;
        }
        while (true)
        {
            if (a == b)
            {
                return true;
            }
            int up = _idom[b];
            if (up == b)
            {
                return false;
            }
            b = up;
        }
    }

    private int Intersect(int a, int b)
    {
        while (a != b)
        {
            while (_rpoIndex[a] > _rpoIndex[b])
            {
                a = _idom[a];
            }
            while (_rpoIndex[b] > _rpoIndex[a])
            {
                b = _idom[b];
            }
        }
        return a;
    }

    private static List<int> ComputeRpo(IrFunction f)
    {
        // Iterative depth-first search: deep loop nests must not exhaust the .NET stack.
        var post = new List<int>();
        var visited = new bool[f.BlockCount];
        var stack = new Stack<(int Block, IEnumerator<int> Succ)>();
        visited[f.Entry] = true;
        stack.Push((f.Entry, f.Successors(f.Entry).GetEnumerator()));
        while (stack.Count > 0)
        {
            var (b, succ) = stack.Peek();
            if (succ.MoveNext())
            {
                int s = succ.Current;
                if (f.BlockExists(s) && !visited[s])
                {
                    visited[s] = true;
                    stack.Push((s, f.Successors(s).GetEnumerator()));
                }
            }
            else
            {
                stack.Pop();
                post.Add(b);
            }
        }
        post.Reverse();
        return post;
    }
}
