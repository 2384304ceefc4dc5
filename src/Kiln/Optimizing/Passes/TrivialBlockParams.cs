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

    public static bool Run(IrFunction f)
    {
        int n = f.ValueCount;
        // Incoming values of every parameter of a non-entry block (null: not such a parameter), and the parameters each value flows into.
        var incoming = new List<int>?[n];
        var flowsInto = new List<int>?[n];
        var work = new Stack<int>();
        for (int i = f.Layout.Count - 1; i >= 0; i--)
        {
            int b = f.Layout[i];
            if (b == f.Entry)
            {
                continue;
            }
            List<int> ps = f.Block(b).Params;
            for (int j = ps.Count - 1; j >= 0; j--)
            {
                incoming[ps[j]] = [];
                work.Push(ps[j]);
            }
        }
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
                    if (incoming[ps[i]] is List<int> values)
                    {
                        values.Add(args[i]);
                        (flowsInto[args[i]] ??= []).Add(ps[i]);
                    }
                }
            }
        }
        int[] map = f.IdentityMap();
        var dead = new bool[n];
        bool any = false;
        while (work.Count > 0)
        {
            int p = work.Pop();
            if (dead[p])
            {
                continue;
            }
            int same = NoneYet;
            foreach (int a in incoming[p]!)
            {
                int v = IrFunction.Resolve(map, a);
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
            if (flowsInto[p] is List<int> users)
            {
                // What flowed into p now flows into its replacement: those parameters may have become trivial too.
                foreach (int u in users)
                {
                    if (!dead[u])
                    {
                        work.Push(u);
                    }
                }
                if (flowsInto[same] is List<int> existing)
                {
                    existing.AddRange(users);
                }
                else
                {
                    flowsInto[same] = users;
                }
                flowsInto[p] = null;
            }
        }
        if (any)
        {
            // A parameter replaced by another removed one resolves through the map's chain.
            f.RewriteUses(map);
            f.RemoveBlockParams(dead);
        }
        return any;
    }
}
