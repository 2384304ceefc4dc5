namespace Kiln.Optimizing.Ir;

/// <summary>
/// Immediate dominators of the blocks reachable from the entry, by the iterative algorithm of Cooper, Harvey and
/// Kennedy ("A Simple, Fast Dominance Algorithm"): intersect predecessors' dominators in reverse postorder until
/// nothing changes. The algorithm converges in a few rounds on the reducible graphs Wasm's structured control flow
/// makes, so it costs about linear time. A depth-first walk of the finished tree numbers every block on entry and
/// exit, so <see cref="Dominates"/> is two comparisons rather than a walk up the tree.
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
        // Predecessors in one array, block s's at _predecessors[_predecessorStart[s] .. _predecessorStart[s + 1]): counted
        // in a first scan of the edges, placed in a second.
        _predecessorStart = new int[n + 1];
        var last = new int[n];
        Array.Fill(last, -1);
        for (int pass = 0; pass < 2; pass++)
        {
            if (pass == 1)
            {
                for (int b = 0; b < n; b++)
                {
                    _predecessorStart[b + 1] += _predecessorStart[b];
                }
                _predecessors = new int[_predecessorStart[n]];
                Array.Fill(last, -1);
            }
            foreach (int b in ReversePostorder)
            {
                int t = f.Terminator(b);
                if (t < 0)
                {
                    continue;
                }
                foreach (ref BlockCall call in f.Targets(t))
                {
                    int s = call.Block;
                    // Each predecessor once: all of a block's edges are added before the next block's.
                    if (!f.BlockExists(s) || last[s] == b)
                    {
                        continue;
                    }
                    last[s] = b;
                    if (pass == 0)
                    {
                        _predecessorStart[s + 1]++;
                    }
                    else
                    {
                        _predecessors[_predecessorStart[s]++] = b;
                    }
                }
            }
        }
        // The fill advanced each start to the next block's: shift back.
        for (int b = n; b > 0; b--)
        {
            _predecessorStart[b] = _predecessorStart[b - 1];
        }
        _predecessorStart[0] = 0;
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
                foreach (int p in PredecessorsOf(b))
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
        _enter = new int[n];
        _exit = new int[n];
        NumberTree(entry);
    }

    private readonly int[] _enter;
    private readonly int[] _exit;

    // Children in one array, as the predecessors are.
    private int[] _childStart = [];
    private int[] _children = [];
    private readonly int[] _predecessorStart;
    private int[] _predecessors = [];

    /// <summary>Children of a reachable block in the dominator tree, in reverse postorder.</summary>
    public ReadOnlySpan<int> ChildrenOf(int block) => _children.AsSpan(_childStart[block], _childStart[block + 1] - _childStart[block]);

    private void NumberTree(int entry)
    {
        int n = _idom.Length;
        _childStart = new int[n + 1];
        foreach (int b in ReversePostorder)
        {
            if (b != entry)
            {
                _childStart[_idom[b] + 1]++;
            }
        }
        for (int b = 0; b < n; b++)
        {
            _childStart[b + 1] += _childStart[b];
        }
        _children = new int[_childStart[n]];
        var fill = new int[n];
        foreach (int b in ReversePostorder)
        {
            if (b != entry)
            {
                int p = _idom[b];
                _children[_childStart[p] + fill[p]++] = b;
            }
        }
        // Iterative: a deep tree must not exhaust the stack.
        int clock = 0;
        var stack = new Stack<(int Block, int Next)>();
        _enter[entry] = clock++;
        stack.Push((entry, 0));
        while (stack.Count > 0)
        {
            (int b, int next) = stack.Pop();
            ReadOnlySpan<int> children = ChildrenOf(b);
            if (next < children.Length)
            {
                stack.Push((b, next + 1));
                int c = children[next];
                _enter[c] = clock++;
                stack.Push((c, 0));
            }
            else
            {
                _exit[b] = clock++;
            }
        }
    }

    /// <summary>Reachable blocks, each after all its dominators.</summary>
    public List<int> ReversePostorder { get; }

    /// <summary>Reachable predecessors of a block (each once), in reverse postorder.</summary>
    public ReadOnlySpan<int> PredecessorsOf(int block) => _predecessors.AsSpan(_predecessorStart[block], _predecessorStart[block + 1] - _predecessorStart[block]);

    public bool IsReachable(int block) => (uint)block < (uint)_rpoIndex.Length && _rpoIndex[block] >= 0;

    /// <summary>The immediate dominator; the entry is its own.</summary>
    public int Idom(int block) => _idom[block];

    /// <summary>Whether <paramref name="a"/> dominates <paramref name="b"/> (every block dominates itself).</summary>
    public bool Dominates(int a, int b) => IsReachable(a) && IsReachable(b) && _enter[a] <= _enter[b] && _exit[b] <= _exit[a];

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
        var stack = new Stack<(int Block, int Next)>();
        visited[f.Entry] = true;
        stack.Push((f.Entry, 0));
        while (stack.Count > 0)
        {
            (int b, int next) = stack.Pop();
            int t = f.Terminator(b);
            Span<BlockCall> targets = t < 0 ? [] : f.Targets(t);
            if (next < targets.Length)
            {
                stack.Push((b, next + 1));
                int s = targets[next].Block;
                if (f.BlockExists(s) && !visited[s])
                {
                    visited[s] = true;
                    stack.Push((s, 0));
                }
            }
            else
            {
                post.Add(b);
            }
        }
        post.Reverse();
        return post;
    }
}
