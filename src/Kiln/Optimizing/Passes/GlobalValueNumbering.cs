using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Passes;

/// <summary>
/// Global value numbering of pure and trapping instructions: an instruction equal to one that dominates it (same
/// opcode, type, immediate and operands; the operands of commutative integer ops in either order) is removed and its
/// uses take the earlier result. A trapping instruction may be merged this way because the dominating twin would have
/// trapped first with the same operands; it is never moved. Loads (simd_load and table_get included) are not
/// numbered: a store, call, table_set or bulk operation in between may change what they read. The key holds every
/// immediate (a SIMD instruction's sub-opcode and lane, a vconst's interned constant), and pure instructions have
/// at most three operands. Blocks are visited in a depth-first walk of the dominator tree with a scoped table: an
/// instruction enters the table when its block is entered and leaves it when the walk leaves the block's subtree, so
/// the table holds exactly the candidates that dominate the current block, at most one per key (a second one would
/// have been merged into the first), and each lookup is one hash probe.
/// </summary>
internal static class GlobalValueNumbering
{
    private readonly record struct Key(Op Op, IrType Type, long Imm, int Aux, int Imm2, int A, int B, int C);

    /// <summary>
    /// The walk's table, scope and stack and the replacement map, kept per thread from one function to the next: the
    /// table and scope are empty again when a walk ends, and the map is refilled up to the function's values.
    /// </summary>
    private sealed class Storage
    {
        public readonly Dictionary<Key, int> Table = [];
        public readonly List<Key> Scope = [];
        public readonly Stack<(int Block, int Height, int Next)> Stack = new();
        public int[] Map = [];
    }

    [ThreadStatic]
    private static Storage? t_storage;

    public static bool Run(IrFunction f)
    {
        DominatorTree dom = f.Dominators;
        Storage storage = t_storage ??= new Storage();
        int n = f.ValueCount;
        if (storage.Map.Length < n)
        {
            storage.Map = new int[Math.Max(n, storage.Map.Length * 2)];
        }
        int[] map = storage.Map;
        for (int i = 0; i < n; i++)
        {
            map[i] = i;
        }
        Dictionary<Key, int> table = storage.Table;
        List<Key> scope = storage.Scope;
        // A walk that threw part way (never expected) must not leave its entries to the next function.
        table.Clear();
        scope.Clear();
        bool changed = false;
        // Each entry: a block, the scope height to restore on leaving it, and its next child to visit (-1: not entered yet).
        Stack<(int Block, int Height, int Next)> stack = storage.Stack;
        stack.Clear();
        stack.Push((f.Entry, 0, -1));
        while (stack.Count > 0)
        {
            (int b, int height, int next) = stack.Pop();
            if (next < 0)
            {
                height = scope.Count;
                changed |= NumberBlock(f, b, map, table, scope);
                next = 0;
            }
            ReadOnlySpan<int> children = dom.ChildrenOf(b);
            if (next < children.Length)
            {
                stack.Push((b, height, next + 1));
                stack.Push((children[next], 0, -1));
                continue;
            }
            for (int i = scope.Count - 1; i >= height; i--)
            {
                table.Remove(scope[i]);
            }
            scope.RemoveRange(height, scope.Count - height);
        }
        if (changed)
        {
            f.RewriteUses(map);
        }
        if (n > KeptValues)
        {
            // A huge function's storage is not kept: the small functions after it would carry it for nothing.
            t_storage = null;
        }
        return changed;
    }

    /// <summary>Functions with more values than this leave no storage behind (<see cref="Storage"/>).</summary>
    private const int KeptValues = 1 << 16;

    private static bool NumberBlock(IrFunction f, int b, int[] map, Dictionary<Key, int> table, List<Key> scope)
    {
        bool removed = false;
        List<int> insts = f.Block(b).Insts;
        foreach (int inst in insts)
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
            if (table.TryGetValue(key, out int twin))
            {
                map[f.Result(inst)] = f.Result(twin);
                f.KillInst(inst);
                removed = true;
            }
            else
            {
                table.Add(key, inst);
                scope.Add(key);
            }
        }
        if (removed)
        {
            f.RemoveKilledInsts(b);
        }
        return removed;
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
