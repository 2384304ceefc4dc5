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
    private readonly record struct Key(Op Op, IrType Type, long Imm, int Aux, int Imm2, int A, int B, int C)
    {
        public int Hash()
        {
            ulong h = (ulong)Imm * 0x9E3779B97F4A7C15UL;
            h ^= ((ulong)(uint)A << 32 | (uint)B) * 0xC2B2AE3D27D4EB4FUL;
            h ^= ((ulong)(uint)C << 32 | (uint)Aux) * 0x165667B19E3779F9UL;
            h ^= ((ulong)(uint)Imm2 << 32 | ((uint)Op << 8) | (uint)Type) * 0x27D4EB2F165667C5UL;
            return (int)(h ^ (h >> 29) ^ (h >> 47));
        }
    }

    /// <summary>
    /// The scoped table: open addressing with linear probing, a slot live when it carries the current generation.
    /// Entries leave in the reverse of the order they came (the walk's scopes nest), so a slot is simply emptied: every
    /// entry whose probe passed it came later and has left already. A new generation empties the table.
    /// </summary>
    private struct Slot
    {
        public Key Key;
        public int Inst;
        public int Generation;
    }

    /// <summary>
    /// The walk's table, scope (the slots filled, in order) and stack and the replacement map, kept per thread from one
    /// function to the next; the map is refilled up to the function's values.
    /// </summary>
    private sealed class Storage
    {
        public Slot[] Slots = new Slot[256];
        public int Generation;
        public readonly List<int> Scope = [];
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
        // At most one entry per instruction: at least twice that many slots keeps probes short.
        int slots = storage.Slots.Length;
        while (slots < 2 * f.InstCount)
        {
            slots *= 2;
        }
        if (slots != storage.Slots.Length)
        {
            storage.Slots = new Slot[slots];
            storage.Generation = 0;
        }
        if (storage.Generation == int.MaxValue)
        {
            Array.Clear(storage.Slots);
            storage.Generation = 0;
        }
        storage.Generation++;
        List<int> scope = storage.Scope;
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
                changed |= NumberBlock(f, b, map, storage);
                next = 0;
            }
            ReadOnlySpan<int> children = dom.ChildrenOf(b);
            if (next < children.Length)
            {
                stack.Push((b, height, next + 1));
                stack.Push((children[next], 0, -1));
                continue;
            }
            Slot[] table = storage.Slots;
            for (int i = scope.Count - 1; i >= height; i--)
            {
                table[scope[i]].Generation = 0;
            }
            scope.RemoveRange(height, scope.Count - height);
        }
        if (changed)
        {
            f.RewriteUses(map);
        }
        if (n > KeptValues || slots > 4 * KeptValues)
        {
            // A huge function's storage is not kept: the small functions after it would carry it for nothing.
            t_storage = null;
        }
        return changed;
    }

    /// <summary>Functions with more values than this leave no storage behind (<see cref="Storage"/>).</summary>
    private const int KeptValues = 1 << 16;

    private static bool NumberBlock(IrFunction f, int b, int[] map, Storage storage)
    {
        bool removed = false;
        Slot[] table = storage.Slots;
        int mask = table.Length - 1;
        int generation = storage.Generation;
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
            int slot = key.Hash() & mask;
            while (table[slot].Generation == generation && table[slot].Key != key)
            {
                slot = (slot + 1) & mask;
            }
            if (table[slot].Generation == generation)
            {
                map[f.Result(inst)] = f.Result(table[slot].Inst);
                f.KillInst(inst);
                removed = true;
            }
            else
            {
                table[slot] = new Slot { Key = key, Inst = inst, Generation = generation };
                storage.Scope.Add(slot);
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
