using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Passes;

/// <summary>
/// Removes block parameters that merge only one value: every branch passes either that value or the parameter
/// itself (a loop that does not change a variable). The parameter's uses take the value, which dominates the block
/// because it reaches it on every path. This is Braun et al.'s trivial-phi removal, run to a fixpoint since removing
/// one parameter can make another trivial. The entry block's parameters are the function's and stay.
/// </summary>
internal static class TrivialBlockParams
{
    public static bool Run(IrFunction f)
    {
        bool any = false;
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (int b in f.Layout.ToArray())
            {
                if (b == f.Entry)
                {
                    continue;
                }
                List<int> ps = f.Block(b).Params;
                for (int i = ps.Count - 1; i >= 0; i--)
                {
                    int same = SoleIncoming(f, b, i, ps[i]);
                    if (same < 0)
                    {
                        continue;
                    }
                    int param = ps[i];
                    f.RemoveBlockParam(b, i);
                    int[] map = f.IdentityMap();
                    map[param] = same;
                    f.RewriteUses(map);
                    changed = any = true;
                }
            }
        }
        return any;
    }

    /// <summary>The one value other than the parameter that every branch passes, or -1 (several values, or no branch at all).</summary>
    private static int SoleIncoming(IrFunction f, int block, int index, int param)
    {
        int same = -1;
        foreach (int b in f.Layout)
        {
            int t = f.Terminator(b);
            if (t < 0)
            {
                continue;
            }
            foreach (ref BlockCall call in f.Targets(t))
            {
                if (call.Block != block)
                {
                    continue;
                }
                int v = f.CallArgs(call)[index];
                if (v == param || v == same)
                {
                    continue;
                }
                if (same >= 0)
                {
                    return -1;
                }
                same = v;
            }
        }
        return same;
    }
}
