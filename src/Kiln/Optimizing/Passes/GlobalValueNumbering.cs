using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Passes;

/// <summary>
/// Global value numbering of pure and trapping instructions: an instruction equal to one that dominates it (same
/// opcode, type, immediate and operands; the operands of commutative integer ops in either order) is removed and its
/// uses take the earlier result. A trapping instruction may be merged this way because the dominating twin would have
/// trapped first with the same operands; it is never moved. Loads (simd_load and table_get included) are not
/// numbered: a store, call, table_set or bulk operation in between may change what they read. The key holds every
/// immediate (a SIMD instruction's sub-opcode and lane, a vconst's interned constant), and pure instructions have
/// at most three operands. Blocks are visited in reverse postorder, so a candidate is always seen before what it dominates.
/// </summary>
internal static class GlobalValueNumbering
{
    private readonly record struct Key(Op Op, IrType Type, long Imm, int Aux, int Imm2, int A, int B, int C);

    public static bool Run(IrFunction f)
    {
        var dom = new DominatorTree(f);
        int[] map = f.IdentityMap();
        var table = new Dictionary<Key, List<int>>();
        bool changed = false;
        foreach (int b in dom.ReversePostorder)
        {
            foreach (int inst in f.Block(b).Insts.ToArray())
            {
                Span<int> args = f.Args(inst);
                for (int i = 0; i < args.Length; i++)
                {
                    args[i] = IrFunction.Resolve(map, args[i]);
                }
                ref InstData d = ref f.Inst(inst);
                if (OpInfo.Kind(d.Op) is not (OpKind.Pure or OpKind.Trapping))
                {
                    continue;
                }
                Key key = MakeKey(d, args);
                if (!table.TryGetValue(key, out List<int>? candidates))
                {
                    table[key] = candidates = [];
                }
                int twin = candidates.FindIndex(c => dom.Dominates(f.Inst(c).Block, b));
                if (twin >= 0)
                {
                    map[f.Result(inst)] = f.Result(candidates[twin]);
                    f.RemoveInst(inst);
                    changed = true;
                }
                else
                {
                    candidates.Add(inst);
                }
            }
        }
        f.RewriteUses(map);
        return changed;
    }

    private static Key MakeKey(in InstData d, Span<int> args)
    {
        int a = args.Length > 0 ? args[0] : -1;
        int b = args.Length > 1 ? args[1] : -1;
        int c = args.Length > 2 ? args[2] : -1;
        // Float ops are not commuted: which NaN payload propagates may depend on the operand order.
        if (d.Op is Op.Iadd or Op.Imul or Op.Band or Op.Bor or Op.Bxor or Op.Ieq or Op.Ine && a > b)
        {
            (a, b) = (b, a);
        }
        return new Key(d.Op, d.Type, d.Imm, d.Aux, d.Imm2, a, b, c);
    }
}
