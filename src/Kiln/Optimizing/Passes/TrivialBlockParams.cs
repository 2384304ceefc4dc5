using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Passes;

/// <summary>
/// Removes block parameters that merge only one value: every branch passes either that value or the parameter
/// itself (a loop that does not change a variable). The parameter's uses take the value, which dominates the block
/// because it reaches it on every path. This is Braun et al.'s trivial-phi removal, done with a worklist: one scan of
/// the branches records each parameter's incoming values and, for each value, the parameters it flows into; removing
/// a parameter re-examines only the parameters it flowed into (removing one can make another trivial), so the pass
/// costs about linear time however long the chains. The entry block's parameters are the function's and stay.
/// </summary>
internal static class TrivialBlockParams
{
    /// <summary>Marks a parameter that receives no value other than itself so far (-1) or several (-2).</summary>
    private const int NoneYet = -1;
    private const int Several = -2;

    /// <summary>
    /// The pass's working arrays, kept per thread from one function to the next and grown to the largest (every
    /// compiled function runs the pass twice, and allocating them each time was most of its cost).
    /// </summary>
    private sealed class Storage
    {
        public int[] Count = [];
        public int[] Start = [];
        public int[] Fill = [];
        public int[] Head = [];
        public int[] Tail = [];
        public int[] Map = [];
        public bool[] Dead = [];
        public int[] Incoming = [];
        public int[] User = [];
        public int[] Next = [];
        public readonly Stack<int> Work = new();

        /// <summary>Makes the per-value arrays hold <paramref name="n"/> values, cleared (Head to -1, Map the identity).</summary>
        public void PrepareValues(int n)
        {
            if (Count.Length < n + 1)
            {
                int size = Math.Max(n + 1, Count.Length * 2);
                Count = new int[size];
                Start = new int[size];
                Fill = new int[size];
                Head = new int[size];
                Tail = new int[size];
                Map = new int[size];
                Dead = new bool[size];
            }
            else
            {
                Array.Clear(Count, 0, n + 1);
                Array.Clear(Fill, 0, n);
                Array.Clear(Dead, 0, n);
            }
            Array.Fill(Head, -1, 0, n);
            for (int i = 0; i < n; i++)
            {
                Map[i] = i;
            }
        }

        public void PrepareEdges(int edges)
        {
            if (Incoming.Length < edges)
            {
                int size = Math.Max(edges, Incoming.Length * 2);
                Incoming = new int[size];
                User = new int[size];
                Next = new int[size];
            }
        }
    }

    [ThreadStatic]
    private static Storage? t_storage;

    /// <summary>Functions with more values or parameter edges than this leave no storage behind.</summary>
    private const int KeptValues = 1 << 16;

    public static bool Run(IrFunction f)
    {
        int n = f.ValueCount;
        // The parameters of non-entry blocks, and how many incoming values each has.
        Storage? s = null;
        int[] count = [];
        Stack<int> work = null!;
        for (int i = f.Layout.Count - 1; i >= 0; i--)
        {
            int b = f.Layout[i];
            List<int> ps = f.Block(b).Params;
            if (b == f.Entry || ps.Count == 0)
            {
                continue;
            }
            if (s is null)
            {
                s = t_storage ??= new Storage();
                s.PrepareValues(n);
                count = s.Count;
                work = s.Work;
                work.Clear();
            }
            for (int j = ps.Count - 1; j >= 0; j--)
            {
                // count holds 1 + the incoming values, so 0 marks a value that is no such parameter.
                count[ps[j]] = 1;
                work.Push(ps[j]);
            }
        }
        if (s is null)
        {
            return false;
        }
        int edges = 0;
        foreach (int b in f.Layout)
        {
            int t = f.Terminator(b);
            if (t < 0)
            {
                continue;
            }
            foreach (ref BlockCall call in f.Targets(t))
            {
                List<int> ps = f.Block(call.Block).Params;
                int m = Math.Min(call.ArgCount, ps.Count);
                for (int i = 0; i < m; i++)
                {
                    if (count[ps[i]] > 0)
                    {
                        count[ps[i]]++;
                        edges++;
                    }
                }
            }
        }
        // Incoming values of parameter p: incoming[start[p] .. start[p + 1]). The parameters each value flows into: a
        // linked list (head, next, tail) so that one list is appended to another in constant time.
        int[] start = s.Start;
        start[0] = 0;
        for (int v = 0; v < n; v++)
        {
            start[v + 1] = start[v] + Math.Max(count[v] - 1, 0);
        }
        s.PrepareEdges(edges);
        int[] incoming = s.Incoming;
        int[] fill = s.Fill;
        int[] user = s.User;
        int[] next = s.Next;
        int[] head = s.Head;
        int[] tail = s.Tail;
        int e = 0;
        foreach (int b in f.Layout)
        {
            int t = f.Terminator(b);
            if (t < 0)
            {
                continue;
            }
            foreach (ref BlockCall call in f.Targets(t))
            {
                List<int> ps = f.Block(call.Block).Params;
                Span<int> args = f.CallArgs(call);
                for (int i = 0; i < args.Length && i < ps.Count; i++)
                {
                    int p = ps[i];
                    if (count[p] == 0)
                    {
                        continue;
                    }
                    incoming[start[p] + fill[p]++] = args[i];
                    int a = args[i];
                    user[e] = p;
                    next[e] = -1;
                    if (head[a] < 0)
                    {
                        head[a] = e;
                    }
                    else
                    {
                        next[tail[a]] = e;
                    }
                    tail[a] = e;
                    e++;
                }
            }
        }
        int[] map = s.Map;
        bool[] dead = s.Dead;
        bool any = false;
        while (work.Count > 0)
        {
            int p = work.Pop();
            if (dead[p])
            {
                continue;
            }
            int same = NoneYet;
            for (int i = start[p]; i < start[p + 1]; i++)
            {
                int v = IrFunction.Resolve(map, incoming[i]);
                if (v == p || v == same)
                {
                    continue;
                }
                same = same == NoneYet ? v : Several;
                if (same == Several)
                {
                    break;
                }
            }
            // NoneYet: no branch reaches the block (unreachable code is DCE's); Several: a real merge.
            if (same < 0)
            {
                continue;
            }
            map[p] = same;
            dead[p] = true;
            any = true;
            if (head[p] >= 0)
            {
                // What flowed into p now flows into its replacement: those parameters may have become trivial too.
                for (int u = head[p]; u >= 0; u = next[u])
                {
                    if (!dead[user[u]])
                    {
                        work.Push(user[u]);
                    }
                }
                if (head[same] < 0)
                {
                    head[same] = head[p];
                }
                else
                {
                    next[tail[same]] = head[p];
                }
                tail[same] = tail[p];
                head[p] = -1;
            }
        }
        if (any)
        {
            // A parameter replaced by another removed one resolves through the map's chain.
            f.RewriteUses(map);
            f.RemoveBlockParams(dead);
        }
        if (n > KeptValues || edges > KeptValues)
        {
            // A huge function's storage is not kept: the small functions after it would carry it for nothing.
            t_storage = null;
        }
        return any;
    }
}
