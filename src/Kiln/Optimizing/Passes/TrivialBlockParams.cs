using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Passes;

/// <summary>
/// Removes block parameters that merge only one value: every branch passes either that value or the parameter
/// itself (a loop that does not change a variable). The parameter's uses take the value, which dominates the block
/// because it reaches it on every path. This is Braun et al.'s trivial-phi removal, done in rounds over the whole
/// function (one scan of the branches per round) until no parameter is trivial, since removing one can make another
/// trivial. The entry block's parameters are the function's and stay.
/// </summary>
internal static class TrivialBlockParams
{
    /// <summary>Marks a parameter that receives no value other than itself so far (-1) or several (-2).</summary>
    private const int NoneYet = -1;
    private const int Several = -2;

    public static bool Run(IrFunction f)
    {
        bool any = false;
        int[] map = f.IdentityMap();
        var incoming = new Dictionary<int, int>();
        while (true)
        {
            incoming.Clear();
            foreach (int b in f.Layout)
            {
                if (b != f.Entry)
                {
                    foreach (int p in f.Block(b).Params)
                    {
                        incoming[p] = NoneYet;
                    }
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
                        int p = ps[i];
                        int v = IrFunction.Resolve(map, args[i]);
                        if (v == p || !incoming.TryGetValue(p, out int seen) || seen == v)
                        {
                            continue;
                        }
                        incoming[p] = seen == NoneYet ? v : Several;
                    }
                }
            }
            var dead = new HashSet<int>();
            foreach ((int p, int v) in incoming)
            {
                // NoneYet: no branch reaches the block (unreachable code is DCE's); Several: a real merge.
                if (v >= 0 && IrFunction.Resolve(map, v) != p)
                {
                    // The check keeps an unreachable cycle of parameters passing each other from mapping onto itself.
                    map[p] = IrFunction.Resolve(map, v);
                    dead.Add(p);
                }
            }
            if (dead.Count == 0)
            {
                return any;
            }
            // A parameter replaced by another parameter removed in the same round resolves through the map's chain.
            f.RewriteUses(map);
            f.RemoveBlockParams(dead);
            any = true;
        }
    }
}
