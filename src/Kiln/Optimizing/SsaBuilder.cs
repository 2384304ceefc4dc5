using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kiln.FrontEnd;
using Kiln.Optimizing.Ir;
using Kiln.Optimizing.Passes;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Optimizing;

/// <summary>
/// Builds the SSA IR of one validated Wasm function, walking its body with the shared front end. The operand stack
/// holds SSA values, so stack traffic disappears; locals are variables turned into SSA values on the fly as Braun et
/// al. describe ("Simple and Efficient Construction of SSA Form", 2013): a read looks up the variable's current
/// value in the block, else asks the predecessors. A join whose predecessors are all known ("sealed") is marked, then
/// asks each of them, and gets a block parameter only when they answer with different values or a lookup comes round
/// a loop back to the mark, so a variable that merely passes through a join makes no parameter. A block whose
/// predecessors are not all known yet (a loop header until the loop's end) is "unsealed": a read there takes the
/// value from before the loop when the loop never assigns the variable (<see cref="ScanLoopAssignments"/>), else adds
/// a parameter whose arguments are filled in when the block is sealed. Parameters that still merge one value only
/// (a loop that assigns a variable its own value, a join reached again round a loop) are removed at the end
/// (<see cref="TrivialBlockParams"/>).
/// </summary>
/// <remarks>
/// Memory accesses keep their Wasm semantics inside the instruction: a load or store takes the Wasm i32 address and
/// the constant offset and traps with memory_out_of_bounds when the access leaves the memory; no separate bounds
/// check instruction exists yet, so no pass may remove or move a load or store. Every WebAssembly 2.0 instruction is
/// built (SIMD as the three generic opcodes of <see cref="Op"/>); only an instruction beyond 2.0 is refused with
/// <see cref="UnsupportedFeatureException"/>.
/// </remarks>
internal sealed partial class SsaBuilder
{
    private readonly BodyDecoder<Frame> _decoder;
    private readonly ControlStack<Frame> _controls;
    private readonly List<int> _stack = [];
    private IrFunction _f = null!;
    private int _current;
    private IrType[] _localTypes = [];

    // Braun et al.: the current value of each variable per block, sealed blocks, pending parameters, and predecessor edges.
    // _defs is keyed by (local, block). The per-block lists stay allocated from function to function (the first
    // _blockCount are this function's), and so does _defs.
    private readonly DefinitionTable _defs = new();
    private readonly List<bool> _sealed = [];
    // Per block: its one predecessor block once it is sealed with exactly one, else -1 (the chains lookups walk).
    private int[] _chainPred = new int[64];
    private readonly List<List<(int Local, int Param)>> _incomplete = [];
    private readonly List<List<(int Inst, int Target)>> _preds = [];
    private int _blockCount;
    // The blocks a lookup walked through (ReadLocal), as a stack shared by nested lookups.
    private readonly List<int> _chain = [];

    // Each variable's value at the current point, for the reads of the current block: _cacheValue[local] is
    // ReadLocal(local, _cacheBlock) when _cacheStamp[local] == _cacheGeneration. Kept across a switch to a block whose
    // only predecessor is the block left (a br_if's fall-through, an if's arm), where every variable has the same
    // value, so a chain of such blocks reads a variable from the table once; emptied (a new generation) elsewhere.
    private int[] _cacheValue = new int[64];
    private int[] _cacheStamp = new int[64];
    private int _cacheGeneration;
    private int _cacheBlock = -1;

    /// <summary>
    /// Variable lookups at joins allowed per function: <see cref="JoinLookupsPerBodyByte"/> per byte of the body plus
    /// <see cref="JoinLookupsBase"/>. A read asks each join between the variable's definitions and the read once per
    /// variable (the answer is kept), so a body with hundreds of locals live across thousands of joins costs far more
    /// than its size (CRuby's interpreter loop: about 600,000 lookups for 138 KB), whether or not the joins end up
    /// with parameters; the tier refuses such a function (<see cref="ResourceLimitException"/>) and leaves it to the
    /// baseline. CRuby's other functions stay below the base alone.
    /// </summary>
    internal const int JoinLookupsPerBodyByte = 1;

    /// <inheritdoc cref="JoinLookupsPerBodyByte"/>
    internal const int JoinLookupsBase = 65536;

    private int _joinLookups;
    private long _joinLookupLimit;

    /// <summary>Variable lookups at joins the last <see cref="Build(int)"/> made (see <see cref="JoinLookupsPerBodyByte"/>).</summary>
    internal int JoinLookupCount => _joinLookups;

    private int _joinParams;

    /// <summary>Block parameters the variable lookups of the last <see cref="Build(int)"/> made (before any trivial one was removed).</summary>
    internal int JoinParamCount => _joinParams;

    public SsaBuilder(IndexSpaces spaces)
    {
        _decoder = new BodyDecoder<Frame>(spaces);
        _controls = _decoder.Controls;
    }

    /// <summary>What the builder keeps per control frame.</summary>
    internal struct Frame
    {
        /// <summary>Where a branch to the frame's label goes: the end block, or a loop's header.</summary>
        public int Target;
        /// <summary>An if frame: the block its false arm starts in.</summary>
        public int ElseBlock;
        /// <summary>An if frame: its parameter values, which the false arm starts with.</summary>
        public int[] ParamValues;
    }

    /// <summary>Builds defined function <paramref name="definedIndex"/> (counted after the imports).</summary>
    /// <exception cref="UnsupportedFeatureException">The function uses an instruction or type the IR does not model yet.</exception>
    /// <exception cref="ResourceLimitException">Variable lookups across joins would recurse deeper than the thread's stack allows, or look variables up at more joins than the limit (<see cref="JoinLookupsPerBodyByte"/>).</exception>
    public IrFunction Build(int definedIndex) => Build(definedIndex, -1);

    /// <summary>
    /// Builds defined function <paramref name="definedIndex"/>, or, when <paramref name="osrLoopOffset"/> is the body
    /// offset of one of its loops, the function's on-stack-replacement entry for that loop (see
    /// <see cref="EnterOsrJoin"/>).
    /// </summary>
    public IrFunction Build(int definedIndex, int osrLoopOffset)
    {
        InstructionReader reader = _decoder.Begin(definedIndex);
        FuncType sig = _decoder.Signature;
        bool osr = osrLoopOffset >= 0;
        IrType[] paramTypes = osr
            ? [.. _decoder.LocalTypes.AsSpan(0, _decoder.LocalCount).ToArray().Select(IrTypes.FromWasm)]
            : [.. sig.Params.AsSpan().ToArray().Select(IrTypes.FromWasm)];
        IrType[] resultTypes = [.. sig.Results.AsSpan().ToArray().Select(IrTypes.FromWasm)];
        if (_spare is not null)
        {
            _f = _spare;
            _spare = null;
            _f.Reset("f" + _decoder.FunctionIndex, paramTypes, resultTypes, _decoder.Body.Code.Length / 2);
        }
        else
        {
            _f = new IrFunction("f" + _decoder.FunctionIndex, paramTypes, resultTypes, _decoder.Body.Code.Length / 2);
        }
        _osrLoopOffset = osrLoopOffset;
        _osrEntry = -1;
        _defs.Clear();
        _sealed.Clear();
        _headerOf.Clear();
        _blockCount = 0;
        _chain.Clear();
        _stack.Clear();
        _joinLookups = 0;
        _joinParams = 0;
        _joinLookupLimit = (long)JoinLookupsPerBodyByte * _decoder.Body.Code.Length + JoinLookupsBase;
        int entry = NewBlock();
        _f.Layout.Add(entry);
        Seal(entry);
        _current = entry;
        ValType[] wasmLocals = _decoder.LocalTypes;
        _localTypes = new IrType[_decoder.LocalCount];
        _localCount = _decoder.LocalCount;
        _loopStart.Clear();
        _nextLoop = 0;
        _loopsScanned = osr;
        _mayHaveTrivialParams = osr;
        if (_cacheStamp.Length < _localCount)
        {
            _cacheStamp = new int[Math.Max(_localCount, _cacheStamp.Length * 2)];
            _cacheValue = new int[_cacheStamp.Length];
            _cacheGeneration = 0;
        }
        if (_cacheGeneration > int.MaxValue / 2)
        {
            Array.Clear(_cacheStamp);
            _cacheGeneration = 0;
        }
        _cacheGeneration++;
        _cacheBlock = entry;
        if (osr)
        {
            // The OSR entry block takes every local; the function's own start follows, reached from nowhere.
            _f.IsOsrEntry = true;
            _osrEntry = entry;
            for (int i = 0; i < _localCount; i++)
            {
                _defs.Set(i, entry, _f.AddBlockParam(entry, paramTypes[i]));
            }
            int start = NewBlock();
            Seal(start);
            SwitchTo(start);
        }
        for (int i = 0; i < _localCount; i++)
        {
            _localTypes[i] = IrTypes.FromWasm(wasmLocals[i]);
            // Spec 4.4.10: declared locals start at zero.
            int v = i < sig.Params.Length && !osr ? _f.AddBlockParam(entry, _localTypes[i]) : Zero(_localTypes[i]);
            _defs.Set(i, _current, v);
        }
        _controls[0].Data.Target = -1;
        try
        {
            while (_decoder.Next(ref reader, out Instruction ins))
            {
                _f.CurrentSourceOffset = ins.Offset;
                Translate(in ins, ref reader);
            }
        }
        catch (InsufficientExecutionStackException)
        {
            throw new ResourceLimitException($"function {_decoder.FunctionIndex} nests too many control-flow joins for the optimizing tier's SSA construction");
        }
        if (osr)
        {
            if (_f.Terminator(_osrEntry) < 0)
            {
                throw new UnsupportedFeatureException($"function {_decoder.FunctionIndex} has no reachable loop at body offset {osrLoopOffset} for an OSR entry");
            }
            // The function's own start and what only it reaches go first: a parameter that merged a value from there
            // with itself must not become that value.
            DeadCodeElimination.RemoveUnreachableBlocks(_f);
        }
        if (_mayHaveTrivialParams)
        {
            TrivialBlockParams.Run(_f);
        }
        return _f;
    }

    /// <summary>
    /// Hands back a function this builder built that nothing uses any more (the compiler, once the function is
    /// emitted): the next <see cref="Build(int, int)"/> reuses its storage (<see cref="IrFunction.Reset"/>) rather
    /// than allocating the arrays and blocks again.
    /// </summary>
    public void Recycle(IrFunction f) => _spare = f;

    private IrFunction? _spare;

    // An OSR build: the body offset of its loop, and the entry block (-1 otherwise).
    private int _osrLoopOffset = -1;
    private int _osrEntry = -1;
    // The function's locals; variables past them are operand-stack positions (OSR builds, StackBelowLoopAsVariables).
    private int _localCount;

    /// <summary>
    /// An OSR build, at a loop header (current block, not yet holding the loop's parameters): the operand-stack values
    /// below the loop become variables, operand-stack position k being variable <c>locals + k</c>, written in the block
    /// that enters the loop and read at the header. A loop that encloses the OSR loop is reached again through its back
    /// edges from code the entry reaches, and the code between its header and the OSR loop, built before the join,
    /// must see the values below it as the join passes them, not as the unreachable start computed them: as
    /// variables, the header merges them like locals. Elsewhere the parameters merge one value and are removed.
    /// </summary>
    private void StackBelowLoopAsVariables(int enteringBlock, int header)
    {
        int n = _stack.Count;
        if (_localTypes.Length < _localCount + n)
        {
            Array.Resize(ref _localTypes, Math.Max(_localCount + n, _localTypes.Length * 2));
        }
        for (int k = 0; k < n; k++)
        {
            int variable = _localCount + k;
            _localTypes[variable] = _f.Value(_stack[k]).Type;
            _defs.Set(variable, enteringBlock, _stack[k]);
            _stack[k] = ReadLocal(variable, header);
        }
    }

    /// <summary>
    /// On-stack replacement, at the chosen loop before its header is made: a join block whose parameters are the
    /// whole operand stack, reached from the code before the loop (unreachable in this build) and from the OSR entry
    /// block, which passes the stack values it takes as parameters after the locals. The locals meet there as at any
    /// join (block parameters by Braun et al.'s lookups), so from the join on the function is built as usual: the
    /// loop, its back edges, everything after it, and the outer loops it sits in, which the entry reaches through
    /// their back edges. The baseline passes its locals and stack values at the header in the same order.
    /// </summary>
    private void EnterOsrJoin()
    {
        int join = NewBlock();
        int[] values = [.. _stack];
        var types = new IrType[values.Length];
        int[] joinParams = new int[values.Length];
        int[] entryArgs = new int[values.Length];
        for (int k = 0; k < values.Length; k++)
        {
            types[k] = _f.Value(values[k]).Type;
            joinParams[k] = _f.AddBlockParam(join, types[k]);
            entryArgs[k] = _f.AddBlockParam(_osrEntry, types[k]);
        }
        _f.Params = [.. _f.Params, .. types];
        Jump(join, values);
        int saved = _current;
        _current = _osrEntry;
        Jump(join, entryArgs);
        _current = saved;
        Seal(join);
        SwitchTo(join);
        _stack.Clear();
        _stack.AddRange(joinParams);
    }

    private int NewBlock()
    {
        int b = _f.CreateBlock();
        _sealed.Add(false);
        if (b >= _chainPred.Length)
        {
            Array.Resize(ref _chainPred, Math.Max(b + 1, _chainPred.Length * 2));
        }
        _chainPred[b] = -1;
        _headerOf.Add((-1, -1));
        if (_blockCount < _preds.Count)
        {
            _incomplete[_blockCount].Clear();
            _preds[_blockCount].Clear();
        }
        else
        {
            _incomplete.Add([]);
            _preds.Add([]);
        }
        _blockCount++;
        return b;
    }

    /// <summary>Makes <paramref name="block"/> the current one, placed after the blocks already laid out.</summary>
    private void SwitchTo(int block)
    {
        _f.Layout.Add(block);
        _current = block;
        List<(int Inst, int Target)> preds = _preds[block];
        if (_cacheBlock < 0 || !_sealed[block] || preds.Count != 1 || _f.Inst(preds[0].Inst).Block != _cacheBlock)
        {
            _cacheGeneration++;
        }
        _cacheBlock = block;
    }

    private int Zero(IrType type) => type switch
    {
        IrType.V128 => Emit(Op.Vconst, type, [], _f.InternConstant(0)),
        IrType.Funcref or IrType.Externref => Emit(Op.RefNull, type, []),
        _ => Emit(type.IsInt() ? Op.Iconst : Op.Fconst, type, [], 0),
    };

    /// <summary>Appends an instruction with one result (or none) to the current block; returns the result or -1.</summary>
    private int Emit(Op op, IrType type, ReadOnlySpan<int> args, long imm = 0)
    {
        int inst = _f.CreateInst(op, type, args, imm);
        int result = OpInfo.ResultType(op, type) is IrType rt ? _f.AddResult(inst, rt) : -1;
        _f.Append(_current, inst);
        return result;
    }

    // ---- Variables (Braun et al.) ----

    private void WriteLocal(int local, int value)
    {
        _defs.Set(local, _current, value);
        if (_current == _cacheBlock && (uint)local < (uint)_cacheStamp.Length)
        {
            _cacheStamp[local] = _cacheGeneration;
            _cacheValue[local] = value;
        }
    }

    private int ReadLocal(int local, int block)
    {
        if (block != _cacheBlock || (uint)local >= (uint)_cacheStamp.Length)
        {
            return LookUpLocal(local, block);
        }
        if (_cacheStamp[local] == _cacheGeneration)
        {
            return _cacheValue[local];
        }
        // A variable's value at a block does not change once looked up, until the block writes it (WriteLocal).
        int v = LookUpLocal(local, block);
        _cacheStamp[local] = _cacheGeneration;
        _cacheValue[local] = v;
        return v;
    }

    private int LookUpLocal(int local, int block)
    {
        // Single-predecessor chains are walked, not recursed: straight-line code with many br_ifs makes long chains.
        // The walked blocks wait on _chain above this lookup's mark (a join's lookup nested in this one stacks its own).
        int mark = _chain.Count;
        int v;
        while (!_defs.TryGetValue(local, block, out v))
        {
            int pred = _chainPred[block];
            if (pred >= 0)
            {
                _chain.Add(block);
                block = pred;
                continue;
            }
            v = ReadLocalAtJoin(local, block);
            break;
        }
        if (v == Pending)
        {
            // The lookup came round a loop to a join whose own lookup is still asking its predecessors: the variable
            // may differ around the loop, so the join gets its parameter now, and its lookup passes the arguments
            // (which may turn out to be the parameter itself and one other value).
            v = AddJoinParam(local, block);
            _mayHaveTrivialParams = true;
        }
        for (int i = mark; i < _chain.Count; i++)
        {
            _defs.Set(local, _chain[i], v);
        }
        _chain.RemoveRange(mark, _chain.Count - mark);
        return v;
    }

    /// <summary>
    /// The value of a (variable, block) definition whose lookup is under way: the join's predecessors are being asked
    /// (Braun et al.'s marker, which saves making a parameter first and removing it when it merges one value).
    /// </summary>
    private const int Pending = -1;

    /// <summary>
    /// The variable at a block with zero or several predecessors, or not yet sealed. A loop header whose loop does not
    /// assign the variable has the entering block's value. A sealed join asks every predecessor first and makes a
    /// parameter only when they pass different values (or a lookup comes round a loop back to it); an unsealed one
    /// makes a parameter whose arguments come when it is sealed.
    /// </summary>
    private int ReadLocalAtJoin(int local, int block)
    {
        // Joins recurse into their predecessors; a long sequence of them is refused rather than overflowing the stack.
        RuntimeHelpers.EnsureSufficientExecutionStack();
        if (++_joinLookups > _joinLookupLimit)
        {
            throw new ResourceLimitException($"function {_decoder.FunctionIndex} needs more than {_joinLookupLimit} lookups of its locals at joins ({JoinLookupsPerBodyByte} per body byte + {JoinLookupsBase}), too many for the optimizing tier's SSA construction");
        }
        (int loop, int entering) = _headerOf[block];
        if (loop >= 0 && !AssignedIn(local, loop))
        {
            int outside = ReadLocal(local, entering);
            _defs.Set(local, block, outside);
            return outside;
        }
        if (!_sealed[block])
        {
            // Not all predecessors known yet: the arguments come when the block is sealed.
            int param = AddJoinParam(local, block);
            _incomplete[block].Add((local, param));
            // A loop may assign the variable only its own value, or only in code that turns out unreachable.
            _mayHaveTrivialParams = true;
            return param;
        }
        List<(int Inst, int Target)> preds = _preds[block];
        if (preds.Count == 0)
        {
            // Only the OSR build's own start (reached from nowhere) and unreachable code: a parameter no edge passes.
            return AddJoinParam(local, block);
        }
        // Marked before the predecessors are asked, so a lookup that comes round a loop to this block finds it.
        _defs.Set(local, block, Pending);
        int mark = _joinArgs.Count;
        int same = Pending;
        bool several = false;
        foreach ((int inst, int _) in preds)
        {
            int arg = ReadLocal(local, _f.Inst(inst).Block);
            _joinArgs.Add(arg);
            several |= same != Pending && arg != same;
            same = arg;
        }
        _defs.TryGetValue(local, block, out int v);
        if (v == Pending && !several)
        {
            _defs.Set(local, block, same);
            _joinArgs.RemoveRange(mark, _joinArgs.Count - mark);
            return same;
        }
        if (v == Pending)
        {
            v = AddJoinParam(local, block);
        }
        // Parameters are completed in creation order: no other parameter of this block was made since v.
        for (int i = 0; i < preds.Count; i++)
        {
            _f.AppendTargetArg(preds[i].Inst, preds[i].Target, _joinArgs[mark + i]);
        }
        _joinArgs.RemoveRange(mark, _joinArgs.Count - mark);
        return v;
    }

    /// <summary>
    /// Whether the function may have a block parameter that merges one value only, for <see cref="TrivialBlockParams"/>
    /// to remove: a parameter of a loop header made before the loop's end, one made when a lookup came round a loop,
    /// or a block type's parameter or result. A join's parameter made from different values is not trivial unless one
    /// of those turns out to be (the values are never replaced otherwise), so without them the pass is skipped.
    /// </summary>
    private bool _mayHaveTrivialParams;

    // The arguments sealed joins' lookups collected, as a stack shared by nested lookups.
    private readonly List<int> _joinArgs = [];

    /// <summary>A block parameter for the variable, and its definition at the block.</summary>
    private int AddJoinParam(int local, int block)
    {
        _joinParams++;
        int v = _f.AddBlockParam(block, _localTypes[local]);
        _defs.Set(local, block, v);
        return v;
    }

    /// <summary>Passes the variable's value from every predecessor edge to the block's newest parameter.</summary>
    private void AddParamArgs(int block, int local)
    {
        foreach ((int inst, int target) in _preds[block])
        {
            int arg = ReadLocal(local, _f.Inst(inst).Block);
            _f.AppendTargetArg(inst, target, arg);
        }
    }

    /// <summary>All predecessors of <paramref name="block"/> are known: fills in the pending parameters' arguments.</summary>
    private void Seal(int block)
    {
        // Parameters are completed in creation order, so each edge's arguments line up with the parameters.
        foreach ((int local, int _) in _incomplete[block])
        {
            AddParamArgs(block, local);
        }
        _incomplete[block].Clear();
        _sealed[block] = true;
        // Sealed: no predecessor comes later.
        List<(int Inst, int Target)> preds = _preds[block];
        _chainPred[block] = preds.Count == 1 ? _f.Inst(preds[0].Inst).Block : -1;
    }

    // ---- Branches ----

    /// <summary>The values a branch to <paramref name="frame"/> carries: the top of the operand stack.</summary>
    private int[] BranchArgs(ref ControlFrame<Frame> frame) => TopOfStack(frame.BranchTypes.Length);

    /// <summary>The top <paramref name="n"/> operand-stack values, bottom first.</summary>
    private int[] TopOfStack(int n) => n == 0 ? [] : CollectionsMarshal.AsSpan(_stack)[^n..].ToArray();

    /// <summary>Ends the current block with a terminator that has the given targets, recording the edges.</summary>
    private void Terminate(Op op, ReadOnlySpan<int> args, ReadOnlySpan<(int Block, int[] Args)> targets, long imm = 0)
    {
        int inst = _f.CreateInst(op, IrType.I32, args, imm);
        for (int i = 0; i < targets.Length; i++)
        {
            _f.AddTarget(inst, targets[i].Block, targets[i].Args);
            _preds[targets[i].Block].Add((inst, i));
        }
        _f.Append(_current, inst);
    }

    private void Jump(int block, int[] args) => Terminate(Op.Jump, [], [(block, args)]);

    private void Return() => Terminate(Op.Return, CollectionsMarshal.AsSpan(_stack)[^_f.Results.Length..], []);

    /// <summary>A branch to frame <paramref name="depth"/>: a jump to its block, or a return for the function's frame.</summary>
    private (int Block, int[] Args) BranchTarget(uint depth, out bool isReturn)
    {
        ref ControlFrame<Frame> frame = ref _controls.Target(depth);
        isReturn = frame.Kind == FrameKind.Function;
        return (frame.Data.Target, isReturn ? [] : BranchArgs(ref frame));
    }

    /// <summary>A return as a branch target: br_if and br_table to the function's label go through a block that returns.</summary>
    private int ReturnBlock()
    {
        int saved = _current;
        int b = NewBlock();
        Seal(b);
        _f.Layout.Add(b);
        _current = b;
        int[] results = new int[_f.Results.Length];
        // One edge passes the results: its parameters merge one value each.
        _mayHaveTrivialParams |= results.Length > 0;
        for (int i = 0; i < results.Length; i++)
        {
            results[i] = _f.AddBlockParam(b, _f.Results[i]);
        }
        Terminate(Op.Return, results, []);
        _current = saved;
        return b;
    }

    private (int Block, int[] Args) TargetOrReturnBlock(uint depth)
    {
        (int block, int[] args) = BranchTarget(depth, out bool isReturn);
        if (isReturn)
        {
            return (ReturnBlock(), TopOfStack(_f.Results.Length));
        }
        return (block, args);
    }

    // ---- Operand stack ----

    private void Push(int value) => _stack.Add(value);

    private int Pop()
    {
        int v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private int[] PopN(int n)
    {
        int[] values = TopOfStack(n);
        _stack.RemoveRange(_stack.Count - n, n);
        return values;
    }

    private void TruncateStack(int height) => _stack.RemoveRange(height, _stack.Count - height);
}
