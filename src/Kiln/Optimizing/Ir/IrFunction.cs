namespace Kiln.Optimizing.Ir;

/// <summary>One instruction. Operands, results and branch targets live in the function's pools, addressed here by start and count.</summary>
internal struct InstData
{
    public Op Op;
    public IrType Type;
    /// <summary>The block holding the instruction, or -1 once removed.</summary>
    public int Block;
    /// <summary>
    /// Constant bits (i32 sign-extended), memory offset, global, function, table, data or element segment index, trap
    /// code, <see cref="IrFunction.Constants"/> index (vconst, i8x16.shuffle's lanes) or lane index (other simd).
    /// </summary>
    public long Imm;
    /// <summary>Call, call_indirect: the signature index. Simd, simd_load, simd_store: the Wasm SIMD sub-opcode.</summary>
    public int Aux;
    /// <summary>
    /// A second immediate: call_indirect's Wasm type index, table_copy's source table, table_init's element segment,
    /// the lane of simd_load/simd_store's lane forms.
    /// </summary>
    public int Imm2;
    public int Args;
    public int ArgCount;
    public int Results;
    public int ResultCount;
    public int Targets;
    public int TargetCount;
}

/// <summary>A branch target with the values passed to its block parameters (the Cranelift replacement for phis).</summary>
internal struct BlockCall
{
    public int Block;
    public int Args;
    public int ArgCount;
    /// <summary>Pool slots reserved for the arguments from <see cref="Args"/> on (at least <see cref="ArgCount"/>), so appending is amortized constant time.</summary>
    public int ArgCapacity;
}

/// <summary>A value: a block parameter or an instruction result.</summary>
internal struct ValueData
{
    public IrType Type;
    public bool Defined;
    public bool IsParam;
    /// <summary>The block (parameter) or instruction (result) defining it.</summary>
    public int Owner;
}

internal sealed class BlockData
{
    public readonly List<int> Params = [];
    public readonly List<int> Insts = [];

    /// <summary>Empties the block for reuse by <see cref="IrFunction.Reset"/>, keeping its lists' capacity.</summary>
    internal void Clear()
    {
        Params.Clear();
        Insts.Clear();
    }
}

/// <summary>A call signature: parameter and result types.</summary>
internal sealed record IrSignature(IrType[] Params, IrType[] Results)
{
    public bool Equals(IrSignature? other) => other is not null && Params.AsSpan().SequenceEqual(other.Params) && Results.AsSpan().SequenceEqual(other.Results);

    public override int GetHashCode() => HashCode.Combine(Params.Length, Results.Length, Params.Length > 0 ? Params[0] : 0);

    public string ToText() => "(" + string.Join(", ", Params.Select(t => t.ToText())) + ") -> (" + string.Join(", ", Results.Select(t => t.ToText())) + ")";
}

/// <summary>
/// A function in SSA form: a control-flow graph of basic blocks with block parameters instead of phis. Values, blocks
/// and instructions are dense int ids into arrays, so passes keep side tables as plain arrays. Removed instructions and
/// blocks keep their ids (their slots are dead), so ids printed in the text form stay stable across passes.
/// </summary>
internal sealed class IrFunction
{
    private InstData[] _insts = new InstData[64];
    private ValueData[] _values = new ValueData[64];
    private readonly List<BlockData?> _blocks = [];
    private readonly List<int> _pool = [];
    private readonly List<BlockCall> _calls = [];
    private readonly List<UInt128> _constants = [];
    private readonly Dictionary<UInt128, int> _constantIndex = [];
    // Blocks of an earlier function (Reset), cleared, for CreateBlock to hand out again.
    private readonly Stack<BlockData> _spareBlocks = [];

    /// <param name="name">The function's name in the text form.</param>
    /// <param name="parameters">Parameter types.</param>
    /// <param name="results">Result types.</param>
    /// <param name="expectedInsts">About how many instructions the function will hold, so the arrays and pools start
    /// at their size rather than grow by doubling (the builder passes a guess from the body size).</param>
    public IrFunction(string name, IrType[] parameters, IrType[] results, int expectedInsts = 0)
    {
        if (expectedInsts > 64)
        {
            _insts = new InstData[expectedInsts];
            _values = new ValueData[expectedInsts];
            _pool.Capacity = expectedInsts * 2;
        }
        Name = name;
        Params = parameters;
        Results = results;
    }

    /// <summary>
    /// Makes this an empty function as the constructor would, keeping the arrays, pools and blocks it had, so a compiler
    /// building one function after another allocates them once (<see cref="SsaBuilder.Recycle"/>). Nothing may use the
    /// function's old contents afterwards.
    /// </summary>
    public void Reset(string name, IrType[] parameters, IrType[] results, int expectedInsts = 0)
    {
        if (expectedInsts > _insts.Length)
        {
            _insts = new InstData[expectedInsts];
        }
        Array.Clear(_values, 0, ValueCount);
        if (expectedInsts > _values.Length)
        {
            _values = new ValueData[expectedInsts];
        }
        _pool.Clear();
        if (expectedInsts * 2 > _pool.Capacity)
        {
            _pool.Capacity = expectedInsts * 2;
        }
        foreach (BlockData? b in _blocks)
        {
            if (b is not null)
            {
                b.Clear();
                _spareBlocks.Push(b);
            }
        }
        _blocks.Clear();
        _calls.Clear();
        _constants.Clear();
        _constantIndex.Clear();
        Layout.Clear();
        Signatures.Clear();
        LoopHeaders.Clear();
        InlinedFrom.Clear();
        InstCount = 0;
        ValueCount = 0;
        CurrentSourceOffset = -1;
        IsOsrEntry = false;
        _dominators = null;
        _cfgVersion++;
        Name = name;
        Params = parameters;
        Results = results;
    }

    public string Name { get; private set; }

    /// <summary>Parameter types (the builder of an on-stack-replacement entry appends the stack values once it meets the loop).</summary>
    public IrType[] Params { get; internal set; }

    /// <summary>
    /// An on-stack-replacement entry (<see cref="SsaBuilder"/>): the function continued at a loop header, its parameters
    /// the locals and stack values there. Its prologue makes no interrupt or fuel check (the loop header's does).
    /// </summary>
    public bool IsOsrEntry { get; set; }

    public IrType[] Results { get; private set; }

    /// <summary>Blocks in program order; the first is the entry, whose parameters are the function's.</summary>
    public List<int> Layout { get; } = [];

    public List<IrSignature> Signatures { get; } = [];

    /// <summary>128-bit constants (vconst values, shuffle lane patterns), each once; add through <see cref="InternConstant"/>.</summary>
    public IReadOnlyList<UInt128> Constants => _constants;

    /// <summary>
    /// The header blocks of Wasm loops (the builder adds them): fuel and interrupts are checked on every entry to one,
    /// as the other tiers count them. Removed blocks may stay listed.
    /// </summary>
    public HashSet<int> LoopHeaders { get; } = [];

    /// <summary>
    /// Instructions copied from an inlined callee, mapped to the callee's function index: a trap there reports the
    /// callee's frame above the caller's, as the other tiers do (<c>Inliner</c>, <c>CodeEmitter</c>).
    /// </summary>
    public Dictionary<int, int> InlinedFrom { get; } = [];

    public int InstCount { get; private set; }

    /// <summary>
    /// The Wasm bytecode offset that instructions created from now on come from (the builder sets it per Wasm
    /// instruction; -1 when unknown). Code generation turns it into the line table profilers and debuggers read.
    /// </summary>
    public int CurrentSourceOffset { get; set; } = -1;

    private int[] _sourceOffsets = new int[64];

    /// <summary>The bytecode offset instruction <paramref name="inst"/> was created at (<see cref="CurrentSourceOffset"/> then).</summary>
    public int SourceOffset(int inst) => _sourceOffsets[inst];

    public int ValueCount { get; private set; }

    public int BlockCount => _blocks.Count;

    public int Entry => Layout[0];

    private DominatorTree? _dominators;
    private int _cfgVersion;
    private (int Version, int LayoutCount, int Entry) _dominatorsKey;

    /// <summary>
    /// The dominator tree of the current control-flow graph, computed once and shared by the passes until the graph
    /// changes: adding or removing a block, appending an instruction (a terminator adds edges), or a pass rewriting a
    /// branch in place, which must call <see cref="ControlFlowChanged"/>.
    /// </summary>
    public DominatorTree Dominators
    {
        get
        {
            var key = (_cfgVersion, Layout.Count, Layout.Count > 0 ? Layout[0] : -1);
            if (_dominators is null || _dominatorsKey != key)
            {
                _dominators = new DominatorTree(this);
                _dominatorsKey = key;
            }
            return _dominators;
        }
    }

    /// <summary>Drops the cached <see cref="Dominators"/>: a branch's targets changed.</summary>
    public void ControlFlowChanged() => _cfgVersion++;

    public ref InstData Inst(int inst) => ref _insts[inst];

    public ref ValueData Value(int value) => ref _values[value];

    public BlockData Block(int block) => _blocks[block] ?? throw new InvalidOperationException($"block{block} does not exist");

    public bool BlockExists(int block) => (uint)block < (uint)_blocks.Count && _blocks[block] is not null;

    public bool ValueExists(int value) => (uint)value < (uint)ValueCount && _values[value].Defined;

    public Span<int> Args(int inst) => PoolSpan(_insts[inst].Args, _insts[inst].ArgCount);

    public Span<int> ResultValues(int inst) => PoolSpan(_insts[inst].Results, _insts[inst].ResultCount);

    public int Result(int inst) => _insts[inst].ResultCount == 1 ? _pool[_insts[inst].Results] : throw new InvalidOperationException($"instruction {inst} does not have one result");

    public Span<BlockCall> Targets(int inst) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_calls).Slice(_insts[inst].Targets, _insts[inst].TargetCount);

    public Span<int> CallArgs(in BlockCall call) => PoolSpan(call.Args, call.ArgCount);

    private Span<int> PoolSpan(int start, int count) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pool).Slice(start, count);

    /// <summary>Adds a block with id <paramref name="id"/> (the parser keeps text ids), or the next free id.</summary>
    public int CreateBlock(int id = -1)
    {
        if (id < 0)
        {
            id = _blocks.Count;
        }
        while (_blocks.Count <= id)
        {
            _blocks.Add(null);
        }
        if (_blocks[id] is not null)
        {
            throw new InvalidOperationException($"block{id} defined twice");
        }
        _blocks[id] = _spareBlocks.Count > 0 ? _spareBlocks.Pop() : new BlockData();
        _cfgVersion++;
        return id;
    }

    /// <summary>Drops a block from the function; branches to it must be gone.</summary>
    public void RemoveBlock(int block)
    {
        DiscardBlock(block);
        // From the end: the block is usually the one laid out last.
        int i = Layout.LastIndexOf(block);
        if (i >= 0)
        {
            Layout.RemoveAt(i);
        }
    }

    /// <summary>Drops a block that was never added to <see cref="Layout"/>; branches to it must be gone.</summary>
    public void DiscardBlock(int block)
    {
        foreach (int inst in _blocks[block]!.Insts)
        {
            KillInst(inst);
        }
        foreach (int p in _blocks[block]!.Params)
        {
            _values[p].Defined = false;
        }
        _blocks[block] = null;
        _cfgVersion++;
    }

    /// <summary>Drops every block <paramref name="remove"/> selects, in one scan of the layout; branches to them must be gone.</summary>
    public void RemoveBlocks(Func<int, bool> remove)
    {
        Layout.RemoveAll(b =>
        {
            if (!remove(b))
            {
                return false;
            }
            DiscardBlock(b);
            return true;
        });
    }

    /// <summary>Makes a value id; <paramref name="id"/> is the text id when parsing, else the next free one.</summary>
    public int CreateValue(IrType type, bool isParam, int owner, int id = -1)
    {
        if (id < 0)
        {
            id = ValueCount;
        }
        if (id >= _values.Length)
        {
            Array.Resize(ref _values, Math.Max(id + 1, _values.Length * 2));
        }
        if (_values[id].Defined)
        {
            throw new InvalidOperationException($"v{id} defined twice");
        }
        _values[id] = new ValueData { Type = type, Defined = true, IsParam = isParam, Owner = owner };
        ValueCount = Math.Max(ValueCount, id + 1);
        return id;
    }

    public int AddBlockParam(int block, IrType type, int id = -1)
    {
        int v = CreateValue(type, true, block, id);
        _blocks[block]!.Params.Add(v);
        return v;
    }

    /// <summary>Creates an instruction (not yet placed in a block) with its operands; results are added with <see cref="AddResult"/>.</summary>
    public int CreateInst(Op op, IrType type, ReadOnlySpan<int> args, long imm = 0)
    {
        if (InstCount == _insts.Length)
        {
            Array.Resize(ref _insts, InstCount * 2);
        }
        int id = InstCount++;
        if (id >= _sourceOffsets.Length)
        {
            Array.Resize(ref _sourceOffsets, Math.Max(id + 1, _sourceOffsets.Length * 2));
        }
        _sourceOffsets[id] = CurrentSourceOffset;
        _insts[id] = new InstData { Op = op, Type = type, Block = -1, Imm = imm, Args = _pool.Count, ArgCount = args.Length, Results = 0, ResultCount = 0, Targets = _calls.Count };
        foreach (int a in args)
        {
            _pool.Add(a);
        }
        return id;
    }

    /// <summary>Adds a result to the most recently created instruction (results are contiguous in the pool).</summary>
    public int AddResult(int inst, IrType type, int id = -1)
    {
        ref InstData d = ref _insts[inst];
        if (d.ResultCount == 0)
        {
            d.Results = _pool.Count;
        }
        else if (d.Results + d.ResultCount != _pool.Count)
        {
            throw new InvalidOperationException("results must be added right after the instruction is created");
        }
        int v = CreateValue(type, false, inst, id);
        _pool.Add(v);
        d.ResultCount++;
        return v;
    }

    /// <summary>Adds a branch target to the most recently created instruction.</summary>
    public void AddTarget(int inst, int block, ReadOnlySpan<int> args)
    {
        ref InstData d = ref _insts[inst];
        if (d.Targets + d.TargetCount != _calls.Count)
        {
            throw new InvalidOperationException("targets must be added right after the instruction is created");
        }
        _calls.Add(new BlockCall { Block = block, Args = _pool.Count, ArgCount = args.Length, ArgCapacity = args.Length });
        _cfgVersion++;
        foreach (int a in args)
        {
            _pool.Add(a);
        }
        d.TargetCount++;
    }

    /// <summary>Appends one argument to target <paramref name="index"/> of a branch (SSA construction adds block parameters late).</summary>
    public void AppendTargetArg(int inst, int index, int value)
    {
        ref BlockCall call = ref System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_calls)[_insts[inst].Targets + index];
        if (call.ArgCount == call.ArgCapacity)
        {
            if (call.Args + call.ArgCount == _pool.Count)
            {
                // At the pool's end: grow in place.
                _pool.Add(0);
                call.ArgCapacity++;
            }
            else
            {
                // Move the arguments to the pool's end with room to double (the old slots become garbage), so a
                // branch that receives one argument per block parameter, interleaved with other branches, costs
                // linear time overall rather than quadratic.
                int start = _pool.Count;
                int capacity = Math.Max(4, call.ArgCount * 2);
                for (int i = 0; i < call.ArgCount; i++)
                {
                    _pool.Add(_pool[call.Args + i]);
                }
                for (int i = call.ArgCount; i < capacity; i++)
                {
                    _pool.Add(0);
                }
                call.Args = start;
                call.ArgCapacity = capacity;
            }
        }
        _pool[call.Args + call.ArgCount] = value;
        call.ArgCount++;
    }

    /// <summary>Drops every block parameter marked in <paramref name="dead"/> (indexed by value) and the matching branch arguments, in one scan; the parameters must be unused.</summary>
    public void RemoveBlockParams(bool[] dead)
    {
        bool IsDead(int p) => (uint)p < (uint)dead.Length && dead[p];
        foreach (int b in Layout)
        {
            int t = Terminator(b);
            if (t < 0)
            {
                continue;
            }
            foreach (ref BlockCall call in Targets(t))
            {
                List<int> ps = Block(call.Block).Params;
                Span<int> args = CallArgs(call);
                int kept = 0;
                for (int i = 0; i < args.Length && i < ps.Count; i++)
                {
                    if (!IsDead(ps[i]))
                    {
                        args[kept++] = args[i];
                    }
                }
                call.ArgCount = kept;
            }
        }
        foreach (int b in Layout)
        {
            List<int> ps = Block(b).Params;
            int kept = 0;
            for (int i = 0; i < ps.Count; i++)
            {
                if (IsDead(ps[i]))
                {
                    _values[ps[i]].Defined = false;
                }
                else
                {
                    ps[kept++] = ps[i];
                }
            }
            ps.RemoveRange(kept, ps.Count - kept);
        }
    }

    /// <summary>Appends an instruction to a block.</summary>
    public void Append(int block, int inst)
    {
        _insts[inst].Block = block;
        _blocks[block]!.Insts.Add(inst);
        _cfgVersion++;
    }

    /// <summary>Inserts an instruction into a block before position <paramref name="index"/>.</summary>
    public void InsertAt(int block, int index, int inst)
    {
        _insts[inst].Block = block;
        _blocks[block]!.Insts.Insert(index, inst);
        _cfgVersion++;
    }

    /// <summary>Moves an instruction, results and all, into <paramref name="block"/> before position <paramref name="index"/>.</summary>
    public void MoveInst(int inst, int block, int index)
    {
        _blocks[_insts[inst].Block]!.Insts.Remove(inst);
        InsertAt(block, index, inst);
    }

    /// <summary>Removes an instruction from its block; its results stop existing.</summary>
    public void RemoveInst(int inst)
    {
        _blocks[_insts[inst].Block]!.Insts.Remove(inst);
        KillInst(inst);
    }

    /// <summary>Marks an instruction removed (its results stop existing) but leaves it in its block's list until <see cref="RemoveKilledInsts"/>, so a pass removing many costs linear time.</summary>
    public void KillInst(int inst)
    {
        foreach (int r in ResultValues(inst))
        {
            _values[r].Defined = false;
        }
        _insts[inst].Block = -1;
    }

    /// <summary>Drops the instructions <see cref="KillInst"/> marked from a block's list, in one scan.</summary>
    public void RemoveKilledInsts(int block)
    {
        List<int> insts = _blocks[block]!.Insts;
        int kept = 0;
        for (int i = 0; i < insts.Count; i++)
        {
            if (_insts[insts[i]].Block >= 0)
            {
                insts[kept++] = insts[i];
            }
        }
        insts.RemoveRange(kept, insts.Count - kept);
    }

    /// <summary>The block's last instruction, or -1 for an empty block.</summary>
    public int Terminator(int block)
    {
        List<int> insts = Block(block).Insts;
        return insts.Count == 0 ? -1 : insts[^1];
    }

    /// <summary>Successor blocks of a block, in target order (duplicates kept); enumerated without allocating.</summary>
    public BlockSuccessors Successors(int block) => new(this, Terminator(block));

    /// <summary>The successors of a block (<see cref="Successors"/>): its terminator's targets.</summary>
    internal readonly struct BlockSuccessors(IrFunction f, int terminator)
    {
        public Enumerator GetEnumerator() => new(f, terminator);

        public struct Enumerator(IrFunction f, int terminator)
        {
            private int _index = -1;

            public readonly int Current => f._calls[f._insts[terminator].Targets + _index].Block;

            public bool MoveNext() => terminator >= 0 && ++_index < f._insts[terminator].TargetCount;
        }
    }

    /// <summary>Rewrites every operand and branch argument through <paramref name="map"/> (value → replacement, or itself).</summary>
    public void RewriteUses(int[] map)
    {
        foreach (int b in Layout)
        {
            foreach (int inst in Block(b).Insts)
            {
                Span<int> args = Args(inst);
                for (int i = 0; i < args.Length; i++)
                {
                    args[i] = Resolve(map, args[i]);
                }
                foreach (ref BlockCall call in Targets(inst))
                {
                    Span<int> ca = CallArgs(call);
                    for (int i = 0; i < ca.Length; i++)
                    {
                        ca[i] = Resolve(map, ca[i]);
                    }
                }
            }
        }
    }

    /// <summary>What <paramref name="v"/> stands for under a pass's replacement map (value → replacement, or itself).</summary>
    public static int Resolve(int[] map, int v)
    {
        // Chains (v3 → v2 → v1) arise when a pass replaces a value by one it replaced earlier.
        while ((uint)v < (uint)map.Length && map[v] != v && map[v] >= 0)
        {
            v = map[v];
        }
        return v;
    }

    /// <summary>An identity map over all value ids, for <see cref="RewriteUses"/>.</summary>
    public int[] IdentityMap()
    {
        var map = new int[ValueCount];
        for (int i = 0; i < map.Length; i++)
        {
            map[i] = i;
        }
        return map;
    }

    /// <summary>The index of <paramref name="bits"/> in <see cref="Constants"/>, added when new (equal constants share an index, which GVN relies on).</summary>
    public int InternConstant(UInt128 bits)
    {
        if (!_constantIndex.TryGetValue(bits, out int i))
        {
            i = _constants.Count;
            _constants.Add(bits);
            _constantIndex.Add(bits, i);
        }
        return i;
    }

    public int InternSignature(IrSignature sig)
    {
        int i = Signatures.IndexOf(sig);
        if (i >= 0)
        {
            return i;
        }
        Signatures.Add(sig);
        return Signatures.Count - 1;
    }
}
