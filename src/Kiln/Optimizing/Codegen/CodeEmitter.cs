using Kiln.Compiled;
using Kiln.FrontEnd;
using Kiln.Jit.X64;
using Kiln.Optimizing.Ir;
using Kiln.Vm;

namespace Kiln.Optimizing.Codegen;

/// <summary>
/// Instruction selection and emission for the optimizing tier: walks the allocated IR in layout order and writes
/// x86-64 through <see cref="Assembler"/>, following <see cref="CompiledAbi"/> exactly like the baseline (frame header,
/// argument area at rbp+16, r15 = vmctx reloaded after calls, r14/r13 memory base and length, the same helpers and trap
/// codes), so the tiers call each other and one trap exit and backtrace walker serve both. Each value has one location
/// (<see cref="RegisterAllocator"/>); an instruction reads operands from their registers, frame slots or immediates
/// and computes into its result's register, or a scratch register when the result is spilled. Block arguments move
/// to the target's parameters as a parallel move on the edge; a conditional edge that needs moves goes through a
/// stub placed after the blocks (the critical edge is split there). Several functions share one assembler, trap stubs
/// and constant pool per batch.
/// </summary>
/// <remarks>
/// Partial files: this one holds the function frame, blocks and branches; <c>.Numeric.cs</c> integer and float
/// arithmetic; <c>.Memory.cs</c> loads, stores, globals and memory size/grow; <c>.Calls.cs</c> calls and helpers.
/// Scratch registers: rax, rcx, rdx, xmm0, xmm1 (never allocated). i32 values are kept zero-extended in registers and
/// frame words.
/// </remarks>
internal sealed partial class CodeEmitter
{
    private static readonly Gpr s_vmctx = CompiledAbi.Vmctx;
    private static readonly Gpr s_memBase = CompiledAbi.MemoryBase;
    private static readonly Gpr s_memLength = CompiledAbi.MemoryLength;

    private readonly Assembler _asm;
    private readonly IndexSpaces _spaces;
    private readonly VmOffsets _offsets;
    private readonly bool _fuel;
    private readonly bool _guardPages;
    private readonly bool[]? _interpreted;
    private readonly TrapStubs _traps = new();
    private readonly List<int> _trapSites = [];
    private readonly Dictionary<(int Function, TrapCode Code), Label> _inlineFrameStubs = [];
    private readonly bool _recordsLinesSetting;

    // Per function.
    private IrFunction _f = null!;
    private Allocation _alloc = null!;
    private readonly Dictionary<int, Label> _blockLabels = [];
    private readonly Dictionary<int, int> _layoutIndex = [];
    private int[] _useCount = [];
    private bool[]? _zeroExtendedParams;
    private readonly List<(Label Stub, BlockCall Call, Label Target)> _edgeStubs = [];
    private Label _epilogue;
    private int _functionStart;
    private int _epilogueStart;
    private int _maxOutgoing;
    private int _nextBlock;
    private int _previousInst;
    // The inlined callee the code being emitted comes from (IrFunction.InlinedFrom), or -1: where its traps go.
    private int _origin = -1;

    public CodeEmitter(Assembler asm, IndexSpaces spaces, bool consumeFuel, bool guardPages, bool[]? interpreted, bool recordsLines)
    {
        _recordsLinesSetting = recordsLines;
        _asm = asm;
        _spaces = spaces;
        _offsets = VmOffsets.For(spaces.Module);
        _fuel = consumeFuel;
        _guardPages = guardPages;
        _interpreted = interpreted;
    }

    /// <summary>Check the store's interrupt flag at function entries and loop headers (<see cref="EngineOptions.InterruptChecks"/>).</summary>
    public bool InterruptChecks { get; init; } = true;

    /// <summary>General-purpose registers the allocator may use: r13 holds the memory length unless guard pages make it free.</summary>
    public IReadOnlyList<Gpr> AllocatableGprs => _guardPages ? s_gprsWithR13 : s_gprs;

    private static readonly Gpr[] s_gprs = [Gpr.Rbx, Gpr.Rsi, Gpr.Rdi, Gpr.R8, Gpr.R9, Gpr.R10, Gpr.R11, Gpr.R12];
    private static readonly Gpr[] s_gprsWithR13 = [.. s_gprs, Gpr.R13];

    public static readonly Xmm[] AllocatableXmms =
    [
        Xmm.Xmm2, Xmm.Xmm3, Xmm.Xmm4, Xmm.Xmm5, Xmm.Xmm6, Xmm.Xmm7, Xmm.Xmm8, Xmm.Xmm9,
        Xmm.Xmm10, Xmm.Xmm11, Xmm.Xmm12, Xmm.Xmm13, Xmm.Xmm14, Xmm.Xmm15,
    ];

    /// <summary>Starts a batch: its trap stubs and sites (the assembler is reset by its owner).</summary>
    public void BeginBatch()
    {
        _traps.Begin(_asm);
        _trapSites.Clear();
        _inlineFrameStubs.Clear();
    }

    /// <summary>
    /// Emits the batch's trap stubs (trap code in ecx, then <see cref="CompiledAbi.EmitTrapExit"/>) and returns the
    /// guard-page trap sites and the stub they resume at (-1 when there are none). Does not finish the assembler.
    /// </summary>
    public int[] EndBatch(out int recovery)
    {
        EmitInlineFrameStubs();
        if (_traps.AnyUsed || _traps.Status.IsValid)
        {
            _traps.Emit(_asm);
        }
        recovery = _trapSites.Count == 0 ? -1 : _asm.GetLabelOffset(_traps.Existing(TrapCode.MemoryOutOfBounds));
        return [.. _trapSites];
    }

    /// <summary>
    /// Emits function <paramref name="f"/> (defined function <paramref name="definedIndex"/>) with its allocation at the
    /// current position (16-byte aligned). Returns its start and, through <paramref name="frame"/>, where its frame is set
    /// up and torn down.
    /// </summary>
    public int EmitFunction(IrFunction f, Allocation alloc, int definedIndex, out CodeFrame frame, out int frameSize, out CodeLine[]? lines)
    {
        _f = f;
        _alloc = alloc;
        _blockLabels.Clear();
        _layoutIndex.Clear();
        _edgeStubs.Clear();
        _maxOutgoing = 0;
        _zeroExtendedParams = null;
        for (int k = 0; k < f.Layout.Count; k++)
        {
            _blockLabels[f.Layout[k]] = _asm.CreateLabel();
            _layoutIndex[f.Layout[k]] = k;
        }
        CountUses();
        PlanFolds();
        PlanEarlyCompares();
        PlanLoopChecks();
        ScanOutgoing();
        _epilogue = _asm.CreateLabel();

        _asm.Align(16);
        _functionStart = _asm.Position;
        _lines.Clear();
        // Bodies without module offsets (parsed from text, built in code) have no bytecode position to name.
        int bodyOffset = _spaces.Module.Bodies[definedIndex].CodeOffset;
        _recordLines = _recordsLinesSetting && bodyOffset > 0;
        // The prologue belongs to the function as a whole: its body's first byte, as the baseline maps it.
        RecordLine(bodyOffset);
        int slots = alloc.SpillSlots;
        int size = CompiledAbi.FrameHeaderSize + (8 * slots) + (8 * _maxOutgoing);
        frameSize = (size + 15) & ~15;
        EmitPrologue(_spaces.ImportedFunctionCount + definedIndex, frameSize);

        for (int k = 0; k < f.Layout.Count; k++)
        {
            int b = f.Layout[k];
            _nextBlock = k + 1 < f.Layout.Count ? f.Layout[k + 1] : -1;
            _currentLayoutIndex = k;
            ForgetFlags();
            _asm.Bind(_blockLabels[b]);
            List<int> insts = f.Block(b).Insts;
            // An inlined loop's header is the callee's: an interrupt there shows the callee's frame.
            _origin = insts.Count > 0 ? OriginOf(insts[0]) : -1;
            if (f.LoopHeaders.Contains(b))
            {
                // Every entry of a Wasm loop, the first included, as the baseline and the interpreter count fuel.
                EmitLoopHeaderCheck(b);
            }
            StoreHomes(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(f.Block(b).Params));
            for (int i = 0; i < insts.Count; i++)
            {
                RecordLine(f.SourceOffset(insts[i]));
                _previousInst = i > 0 ? insts[i - 1] : -1;
                _origin = OriginOf(insts[i]);
                if (_origin < 0 && _previousInst >= 0 && _f.ResultValues(_previousInst).Length == 1 && IsFolded(_f.Result(_previousInst)))
                {
                    // A load folded into this instruction traps where this one is emitted, as the load's function.
                    _origin = OriginOf(_previousInst);
                }
                EmitInst(insts[i], i + 1 < insts.Count ? insts[i + 1] : -1);
                StoreHomes(f.ResultValues(insts[i]));
                if (alloc.ReloadsAfter.TryGetValue(insts[i], out int[]? reloads))
                {
                    foreach (int v in reloads)
                    {
                        MoveEmitter.Emit(_asm, new Move(Loc(v), alloc.Homes[v], TypeOf(v)));
                    }
                }
            }
        }
        _origin = -1;
        foreach ((Label stub, BlockCall call, Label target) in _edgeStubs)
        {
            _asm.Bind(stub);
            EmitEdgeMoves(call);
            _asm.Jmp(target);
        }
        _asm.Bind(_epilogue);
        _asm.Mov(OperandSize.S64, Gpr.Rsp, Gpr.Rbp);
        _asm.Pop(Gpr.Rbp);
        _epilogueStart = _asm.Position;
        _asm.Ret();
        frame = new CodeFrame(1, 4, _epilogueStart - _functionStart, _asm.Position - _functionStart);
        lines = TakeLines(_asm.Position - _functionStart);
        return _functionStart;
    }

    /// <summary>
    /// Values that keep a register across calls are written to their frame homes once, where they are defined. An entry
    /// parameter whose home is its word of the argument area (above rbp) is there already.
    /// </summary>
    private void StoreHomes(ReadOnlySpan<int> values)
    {
        foreach (int v in values)
        {
            Location home = _alloc.Homes[v];
            if (home.Kind != LocationKind.None && !(home.Kind == LocationKind.Stack && home.Reg == Gpr.Rbp.Index && home.Bits > 0))
            {
                MoveEmitter.Emit(_asm, new Move(home, Loc(v), TypeOf(v)));
            }
        }
    }

    // PlanLoopChecks' and BusyPositions' storage, reused from function to function (rows of _busy: per candidate register).
    private int[] _loopStart = [], _loopEnd = [], _loopMinPred = [], _loopMaxPred = [], _loopLastBackEdge = [];
    private bool[] _loopClobbers = [], _unwritten = [];
    private readonly List<KeptRegister> _kept = [];
    private readonly int[][] _busy = [.. Enumerable.Range(0, 16).Select(_ => Array.Empty<int>())];

    /// <summary>
    /// A per-emitter buffer of at least <paramref name="length"/> elements, the first <paramref name="length"/> cleared:
    /// grown (doubling) when too short, otherwise reused, so a module's functions do not each allocate their own.
    /// </summary>
    private static T[] Reuse<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[Math.Max(length, buffer.Length * 2)];
        }
        else
        {
            Array.Clear(buffer, 0, length);
        }
        return buffer;
    }

    private void CountUses()
    {
        if (_useCount.Length < _f.ValueCount)
        {
            _useCount = new int[Math.Max(_f.ValueCount, _useCount.Length * 2)];
        }
        else
        {
            Array.Clear(_useCount, 0, _f.ValueCount);
        }
        foreach (int b in _f.Layout)
        {
            foreach (int inst in _f.Block(b).Insts)
            {
                foreach (int a in _f.Args(inst))
                {
                    _useCount[a]++;
                }
                foreach (ref BlockCall call in _f.Targets(inst))
                {
                    foreach (int a in _f.CallArgs(call))
                    {
                        _useCount[a]++;
                    }
                }
            }
        }
    }

    /// <summary>The outgoing argument area: the largest call's max(parameter slots, result slots).</summary>
    private void ScanOutgoing()
    {
        foreach (int b in _f.Layout)
        {
            foreach (int inst in _f.Block(b).Insts)
            {
                ref InstData d = ref _f.Inst(inst);
                if (d.Op is Op.Call or Op.CallIndirect)
                {
                    IrSignature sig = _f.Signatures[d.Aux];
                    _maxOutgoing = Math.Max(_maxOutgoing, Math.Max(SlotOffset(sig.Params, sig.Params.Length), SlotOffset(sig.Results, sig.Results.Length)));
                }
            }
        }
    }

    /// <summary>
    /// push rbp; mov rbp, rsp; the frame header (vmctx, function index); sub rsp, frame; the stack-limit, interrupt and
    /// fuel checks the baseline makes (none in a small leaf, see <see cref="SkipsEntryChecks"/>); the memory registers;
    /// the parameters from the argument area to their locations.
    /// </summary>
    private void EmitPrologue(int functionIndex, int frameSize)
    {
        FrameSequences.FrameHeader(_asm, functionIndex);
        _asm.Sub(OperandSize.S64, Gpr.Rsp, frameSize);
        if (!SkipsEntryChecks(_f, frameSize, _fuel))
        {
            FrameSequences.StackLimitCheck(_asm, TrapLabel(TrapCode.CallStackExhausted));
            if (!_f.IsOsrEntry)
            {
                // An OSR entry continues an activation whose entry was checked; its loop header checks this arrival.
                EmitInterruptCheck(loadContext: false);
            }
        }
        ReloadMemoryRegisters();
        List<int> ps = _f.Block(_f.Entry).Params;
        var moves = new List<Move>(ps.Count);
        for (int i = 0; i < ps.Count; i++)
        {
            moves.Add(new Move(_alloc.Values[ps[i]], Location.OfStack(Gpr.Rbp, CompiledAbi.ArgsOffset + (8 * SlotOffset(_f.Params, i))), _f.Params[i]));
        }
        EmitMoves(moves);
    }

    /// <summary>Largest frame of a leaf that skips the stack-limit check: far below the reserve above the limit and a page.</summary>
    public const int LeafFrameLimit = 1024;

    /// <summary>
    /// Whether the entry checks can go: in a leaf (no Wasm call, no helper call: nothing that clobbers registers) with a
    /// frame of at most <see cref="LeafFrameLimit"/> bytes, without fuel, not an OSR entry. The stack limit: the caller
    /// checked its own frame, outgoing area included, against the limit, and a leaf adds at most this frame and a return
    /// address below it; the limit keeps at least 256 KiB of reserve above the stack's end for C# helpers
    /// (<c>CompiledRuntime.ReservedStackBytes</c>), so the leaf stays far inside it, and, smaller than a page, cannot
    /// step over the guard page either (SECURITY: the check exists so no frame is written past the stack). Unbounded
    /// recursion needs a call, so it still meets a check. Interrupts: a leaf ends after a bounded number of steps unless
    /// it loops, and every loop header checks; the caller's next check (its loop header, or the next entry of a
    /// function that calls) sees a request made meanwhile. Fuel counts function entries, so it keeps every check.
    /// </summary>
    internal static bool SkipsEntryChecks(IrFunction f, int frameSize, bool fuel)
    {
        if (fuel || f.IsOsrEntry || frameSize > LeafFrameLimit)
        {
            return false;
        }
        foreach (int b in f.Layout)
        {
            foreach (int inst in f.Block(b).Insts)
            {
                if (RegisterAllocator.ClobbersRegisters(f.Inst(inst).Op))
                {
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>Function entries and loop headers: trap when the interrupt word is set or fuel runs out (as the baseline does).</summary>
    private void EmitInterruptCheck(bool loadContext)
    {
        Label interrupted = InterruptChecks ? TrapLabel(TrapCode.Interrupted) : default;
        Label outOfFuel = _fuel ? TrapLabel(TrapCode.OutOfFuel) : default;
        FrameSequences.InterruptCheck(_asm, loadContext, interrupted, outOfFuel);
    }

    /// <summary>r14 = memory base, r13 = its length (explicit checks only): at entry and after every call, which may grow memory.</summary>
    private void ReloadMemoryRegisters()
    {
        if (!_spaces.HasMemory)
        {
            return;
        }
        MemorySequences.ReloadRegisters(_asm, _guardPages);
    }

    /// <summary>
    /// Where a trap with <paramref name="code"/> jumps: the batch's shared stub, or, in code inlined from another
    /// function (<see cref="_origin"/>), a stub that first pushes a frame for that function (see
    /// <see cref="EmitInlineFrameStubs"/>).
    /// </summary>
    private Label TrapLabel(TrapCode code)
    {
        Label shared = _traps.For(_asm, code);
        if (_origin < 0)
        {
            return shared;
        }
        if (!_inlineFrameStubs.TryGetValue((_origin, code), out Label stub))
        {
            stub = _asm.CreateLabel();
            _inlineFrameStubs.Add((_origin, code), stub);
        }
        return stub;
    }

    private int OriginOf(int inst) => _f.InlinedFrom.TryGetValue(inst, out int function) ? function : -1;

    /// <summary>
    /// The stubs a trap in inlined code goes through: each builds the frame header the inlined callee would have had
    /// (push rbp; mov rbp, rsp; [rbp-8] = vmctx, [rbp-16] = its function index, <see cref="CompiledAbi"/>), linked to
    /// the caller's frame, then jumps to the shared stub of its trap code, whose backtrace walk starts at this frame, so
    /// a trap shows the callee above the caller as on the other tiers. rsp stays 16-byte aligned (push and 24 bytes),
    /// as the exit's helper call needs. Emitted after the batch's functions, like the shared stubs, outside every
    /// function's unwind range; r15 holds the vmctx at every trap site.
    /// </summary>
    private void EmitInlineFrameStubs()
    {
        foreach (((int function, TrapCode code), Label stub) in _inlineFrameStubs)
        {
            _asm.Bind(stub);
            _asm.Push(Gpr.Rbp);
            _asm.Mov(OperandSize.S64, Gpr.Rbp, Gpr.Rsp);
            _asm.Sub(OperandSize.S64, Gpr.Rsp, 24);
            _asm.Mov(OperandSize.S64, Mem.At(Gpr.Rbp, CompiledAbi.SavedVmctxOffset), s_vmctx);
            _asm.Mov(OperandSize.S32, Mem.At(Gpr.Rbp, CompiledAbi.FunctionIndexOffset), function);
            _asm.Jmp(_traps.For(_asm, code));
        }
    }

    /// <summary>The next instruction touches memory unchecked: a fault there is the out-of-bounds trap.</summary>
    private void MarkTrapSite()
    {
        _ = TrapLabel(TrapCode.MemoryOutOfBounds);
        _trapSites.Add(_asm.Position);
    }

    private void EmitMoves(List<Move> moves)
    {
        if (moves.Count <= 1)
        {
            // What Sequentialize would return, without its lists.
            if (moves.Count == 1)
            {
                MoveEmitter.Emit(_asm, moves[0]);
            }
            return;
        }
        foreach (Move m in ParallelMoves.Sequentialize(moves, _sequentializing))
        {
            MoveEmitter.Emit(_asm, m);
        }
    }

    /// <summary>EmitMoves' lists for <see cref="ParallelMoves.Sequentialize(List{Move}, ParallelMoves.Lists)"/>: one sequence is emitted before the next is made.</summary>
    private readonly ParallelMoves.Lists _sequentializing = new();

    private Location Loc(int value) => _alloc.Values[value];

    /// <summary>The 8-byte slot of value <paramref name="index"/> in an argument or result area (<see cref="SlotLayout"/>: a v128 takes two).</summary>
    private static int SlotOffset(IrType[] types, int index)
    {
        int slot = 0;
        for (int i = 0; i < index; i++)
        {
            slot += types[i] == IrType.V128 ? SlotLayout.V128Slots : 1;
        }
        return slot;
    }

    private IrType TypeOf(int value) => _f.Value(value).Type;

    // EdgeMoves' list, reused: the moves of one edge are emitted before the next edge's are listed.
    private readonly List<Move> _edgeMoves = [];

    private List<Move> EdgeMoves(in BlockCall call)
    {
        Span<int> args = _f.CallArgs(call);
        List<int> ps = _f.Block(call.Block).Params;
        List<Move> moves = _edgeMoves;
        moves.Clear();
        for (int i = 0; i < args.Length; i++)
        {
            Location dst = Loc(ps[i]);
            Location src = Loc(args[i]);
            if (dst != src)
            {
                moves.Add(new Move(dst, src, TypeOf(ps[i])));
            }
        }
        return moves;
    }

    private void EmitEdgeMoves(in BlockCall call) => EmitMoves(EdgeMoves(call));

    /// <summary>Whether <see cref="EdgeMoves"/> would list any move (without building the list).</summary>
    private bool HasEdgeMoves(in BlockCall call)
    {
        Span<int> args = _f.CallArgs(call);
        List<int> ps = _f.Block(call.Block).Params;
        for (int i = 0; i < args.Length; i++)
        {
            if (Loc(ps[i]) != Loc(args[i]))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Where a conditional branch goes for <paramref name="call"/>: the block itself, or a stub that moves the arguments first.</summary>
    private Label EdgeLabel(in BlockCall call)
    {
        if (!HasEdgeMoves(call))
        {
            return BlockTarget(call.Block);
        }
        Label stub = _asm.CreateLabel();
        // The target is chosen here, where the branch is: the stub is emitted after every block.
        _edgeStubs.Add((stub, call, BlockTarget(call.Block)));
        return stub;
    }

    /// <summary>An unconditional edge: moves, then a jump unless the target comes next.</summary>
    private void EmitJump(in BlockCall call)
    {
        EmitEdgeMoves(call);
        if (!FallsThrough(call.Block))
        {
            _asm.Jmp(BlockTarget(call.Block));
        }
    }

    /// <summary>
    /// Whether code after the current block reaches <paramref name="block"/> without a jump: it is the next block, or
    /// every block before it emits nothing (<see cref="EmitsNothing"/>), as an empty join the builder left does.
    /// </summary>
    private bool FallsThrough(int block)
    {
        int next = _nextBlock;
        for (int hops = 0; next >= 0 && next != block && hops < 8 && EmitsNothing(next); hops++)
        {
            next = _f.Targets(_f.Block(next).Insts[0])[0].Block;
        }
        return next == block;
    }

    /// <summary>
    /// A block with no parameters and no checks whose only instruction is a jump without arguments to the block laid
    /// out after it: its label is bound and nothing is emitted.
    /// </summary>
    private bool EmitsNothing(int block)
    {
        BlockData b = _f.Block(block);
        if (b.Params.Count != 0 || b.Insts.Count != 1 || _f.LoopHeaders.Contains(block))
        {
            return false;
        }
        ref InstData d = ref _f.Inst(b.Insts[0]);
        if (d.Op != Op.Jump)
        {
            return false;
        }
        BlockCall call = _f.Targets(b.Insts[0])[0];
        int k = _layoutIndex[block];
        return call.ArgCount == 0 && k + 1 < _f.Layout.Count && _f.Layout[k + 1] == call.Block;
    }

    private void EmitInst(int inst, int next)
    {
        ref InstData d = ref _f.Inst(inst);
        if (_folded[inst])
        {
            // Emitted as part of the next instruction (CodeEmitter.Folding.cs).
            return;
        }
        switch (d.Op)
        {
            case Op.Iconst:
            case Op.Fconst:
                // Rematerialized at each use.
                return;
            case Op.Jump:
                EmitJump(_f.Targets(inst)[0]);
                return;
            case Op.Brif:
                EmitBrif(inst);
                return;
            case Op.BrTable:
                EmitBrTable(inst);
                return;
            case Op.Return:
            {
                Span<int> args = _f.Args(inst);
                var moves = new List<Move>(args.Length);
                for (int i = 0; i < args.Length; i++)
                {
                    moves.Add(new Move(Location.OfStack(Gpr.Rbp, CompiledAbi.ArgsOffset + (8 * SlotOffset(_f.Results, i))), Loc(args[i]), _f.Results[i]));
                }
                EmitMoves(moves);
                if (_nextBlock >= 0 || _edgeStubs.Count > 0)
                {
                    // The epilogue follows the last block unless edge stubs come between.
                    _asm.Jmp(_epilogue);
                }
                return;
            }
            case Op.Trap:
                _asm.Jmp(TrapLabel((TrapCode)d.Imm));
                return;
            case Op.Call:
                EmitCall(inst);
                return;
            case Op.CallIndirect:
                EmitCallIndirect(inst);
                return;
            case Op.CallIndirectGuard:
                EmitCallIndirectGuard(inst);
                return;
            case Op.MemoryGrow:
                EmitMemoryGrow(inst);
                return;
            case Op.MemorySize:
                EmitMemorySize(inst);
                return;
            case Op.GlobalGet:
                EmitGlobalGet(inst);
                return;
            case Op.GlobalSet:
                EmitGlobalSet(inst);
                return;
            case Op.Select:
                EmitSelect(inst);
                return;
            case Op.Vconst:
                EmitVconst(inst);
                return;
            case Op.Simd:
                EmitSimd(inst);
                return;
            case Op.SimdLoad:
                EmitSimdLoad(inst);
                return;
            case Op.SimdStore:
                EmitSimdStore(inst);
                return;
            case Op.RefNull:
                EmitRefNull(inst);
                return;
            case Op.RefIsNull:
                EmitRefIsNull(inst);
                return;
            case Op.RefFunc:
                EmitRefFunc(inst);
                return;
            case Op.TableGet:
                EmitTableGet(inst);
                return;
            case Op.TableSet:
                EmitTableSet(inst);
                return;
            case Op.TableSize:
                EmitTableSize(inst);
                return;
            case Op.TableGrow:
            case Op.TableFill:
            case Op.TableCopy:
            case Op.TableInit:
            case Op.ElemDrop:
            case Op.MemoryFill:
            case Op.MemoryCopy:
            case Op.MemoryInit:
            case Op.DataDrop:
                EmitBulk(inst);
                return;
        }
        if (OpInfo.IsLoad(d.Op))
        {
            EmitLoad(inst);
            return;
        }
        if (OpInfo.IsStore(d.Op))
        {
            EmitStore(inst);
            return;
        }
        if (IsFusedCompare(inst, next))
        {
            // Emitted by the branch that consumes it.
            return;
        }
        if (_earlyCompare[inst])
        {
            // The flags for the block's brif; only flag-preserving instructions come between (PlanEarlyCompares).
            _earlyCondition = EmitCompareFlags(inst);
            return;
        }
        if (_keepsFlags[inst])
        {
            if (d.Op != Op.Iconst)
            {
                EmitAddKeepingFlags(inst);
            }
            return;
        }
        EmitNumeric(inst);
    }

    /// <summary>
    /// A compare whose only use is the brif or integer select right after it: the branch or cmov tests the flags
    /// directly. Not before a select when the compare would need rax, where the select holds its false value.
    /// </summary>
    private bool IsFusedCompare(int inst, int next)
    {
        ref InstData d = ref _f.Inst(inst);
        if (next < 0 || !FusibleCompare(d.Op))
        {
            return false;
        }
        ref InstData n = ref _f.Inst(next);
        if (n.Op == Op.Select)
        {
            if (!RegisterAllocator.InGpr(TypeOf(_f.Result(next))) || CompareNeedsRax(inst))
            {
                return false;
            }
        }
        else if (n.Op != Op.Brif)
        {
            return false;
        }
        int r = _f.Result(inst);
        return _useCount[r] == 1 && _f.Args(next)[0] == r && _f.Inst(next).Block == d.Block;
    }

    /// <summary>Whether <see cref="EmitCompareFlags"/> loads an operand into rax (it mirrors that method's choices).</summary>
    private bool CompareNeedsRax(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        if (d.Type.IsFloat())
        {
            return false;
        }
        Span<int> a = _f.Args(inst);
        if (d.Op == Op.Eqz)
        {
            return Loc(a[0]).Kind is not (LocationKind.Gpr or LocationKind.Stack);
        }
        int lhs = a[0], rhs = a[1];
        if (Loc(lhs).Kind == LocationKind.Const && Loc(rhs).Kind != LocationKind.Const)
        {
            (lhs, rhs) = (rhs, lhs);
        }
        LocationKind left = Loc(lhs).Kind;
        return TryImm(rhs, SizeOf(d.Type), out _) ? left == LocationKind.Const : left != LocationKind.Gpr;
    }

    private static bool FusibleCompare(Op op) => op is >= Op.Ieq and <= Op.Iuge or Op.Eqz or Op.Flt or Op.Fgt or Op.Fle or Op.Fge;

    private void EmitBrif(int inst)
    {
        int cond = _f.Args(inst)[0];
        Span<BlockCall> targets = _f.Targets(inst);
        BlockCall taken = targets[0];
        BlockCall fallthrough = targets[1];
        Condition cc;
        ref ValueData cv = ref _f.Value(cond);
        int owner = cv.IsParam ? -1 : cv.Owner;
        List<int> insts = _f.Block(_f.Inst(inst).Block).Insts;
        // Fused only when the compare is right before the branch (EmitInst skipped it then): its operands' intervals
        // end at the compare, so their registers are only still theirs with nothing in between.
        if (owner >= 0 && insts.Count >= 2 && insts[^2] == owner && IsFusedCompare(owner, inst))
        {
            if (!TryFlagsOfCompare(owner, out cc))
            {
                cc = EmitCompareFlags(owner);
            }
        }
        else if (owner >= 0 && _earlyCompare[owner])
        {
            cc = _earlyCondition;
        }
        else if (Loc(cond).Kind == LocationKind.Const)
        {
            EmitJump((uint)Loc(cond).Bits != 0 ? taken : fallthrough);
            return;
        }
        else if (TryFlagsOfValue(cond, out Condition known))
        {
            // The compare or ALU instruction that computed the condition was the last thing emitted.
            cc = known;
        }
        else
        {
            Location l = Loc(cond);
            if (l.Kind == LocationKind.Gpr)
            {
                _asm.Test(OperandSize.S32, l.Gpr, l.Gpr);
            }
            else
            {
                _asm.Cmp(OperandSize.S32, l.Mem, 0);
            }
            cc = Condition.NotEqual;
        }
        bool takenMoves = HasEdgeMoves(taken);
        bool fallMoves = HasEdgeMoves(fallthrough);
        if (!takenMoves && FallsThrough(taken.Block) && (fallMoves || !FallsThrough(fallthrough.Block)))
        {
            // Invert so the taken edge falls through.
            _asm.Jcc(cc.Negate(), EdgeLabel(fallthrough));
            return;
        }
        if (takenMoves && !fallMoves)
        {
            // A loop's back edge usually carries the moves and the exit none: leave on the inverted condition and do
            // the moves inline, one jump per iteration instead of a jump to a stub and back.
            _asm.Jcc(cc.Negate(), BlockTarget(fallthrough.Block));
            EmitJump(taken);
            return;
        }
        _asm.Jcc(cc, EdgeLabel(taken));
        EmitJump(fallthrough);
    }

    private void EmitBrTable(int inst)
    {
        Span<BlockCall> targets = _f.Targets(inst);
        int count = targets.Length - 1;
        var labels = new Label[targets.Length];
        for (int i = 0; i < targets.Length; i++)
        {
            labels[i] = EdgeLabel(targets[i]);
        }
        Gpr index = UseGpr(_f.Args(inst)[0], Gpr.Rcx);
        if (count == 0)
        {
            _asm.Jmp(labels[0]);
            return;
        }
        _asm.Cmp(OperandSize.S32, index, count);
        _asm.Jcc(Condition.AboveOrEqual, labels[count]);
        Mem table = _asm.JumpTable(labels.AsSpan(0, count));
        _asm.Lea(OperandSize.S64, Gpr.Rax, table);
        _asm.Jmp(Mem.At(Gpr.Rax, index, 8));
    }

    // ---- Operand access ----

    /// <summary>The value in a general-purpose register: its own, or loaded into <paramref name="scratch"/>.</summary>
    private Gpr UseGpr(int value, Gpr scratch)
    {
        Location l = Loc(value);
        switch (l.Kind)
        {
            case LocationKind.Gpr:
                return l.Gpr;
            case LocationKind.Stack:
                _asm.Mov(TypeOf(value) == IrType.I32 ? OperandSize.S32 : OperandSize.S64, scratch, l.Mem);
                return scratch;
            case LocationKind.Const:
                MoveEmitter.LoadConstant(_asm, scratch, TypeOf(value), l.Bits);
                return scratch;
            default:
                throw new InternalErrorException($"optimizing tier: v{value} has no integer location ({l})");
        }
    }

    /// <summary>The value in an xmm register: its own, or loaded into <paramref name="scratch"/>.</summary>
    private Xmm UseXmm(int value, Xmm scratch)
    {
        Location l = Loc(value);
        switch (l.Kind)
        {
            case LocationKind.Xmm:
                return l.Xmm;
            case LocationKind.Stack:
                if (TypeOf(value) == IrType.F32)
                {
                    _asm.Movss(scratch, l.Mem);
                }
                else if (TypeOf(value) == IrType.V128)
                {
                    _asm.Movdqu(scratch, l.Mem);
                }
                else
                {
                    _asm.Movsd(scratch, l.Mem);
                }
                return scratch;
            case LocationKind.Const:
                MoveEmitter.LoadConstant(_asm, scratch, TypeOf(value), l.Bits);
                return scratch;
            default:
                throw new InternalErrorException($"optimizing tier: v{value} has no float location ({l})");
        }
    }

    /// <summary>Copies the value into exactly <paramref name="target"/>.</summary>
    private void LoadGprInto(int value, Gpr target)
    {
        Gpr r = UseGpr(value, target);
        if (r != target)
        {
            _asm.Mov(TypeOf(value) == IrType.I32 ? OperandSize.S32 : OperandSize.S64, target, r);
        }
    }

    private void LoadXmmInto(int value, Xmm target)
    {
        Xmm x = UseXmm(value, target);
        if (x != target)
        {
            _asm.Movaps(target, x);
        }
    }

    /// <summary>The register a result is computed in: its own, or <paramref name="scratch"/> when it lives in memory.</summary>
    private Gpr DestGpr(int value, Gpr scratch) => Loc(value).Kind == LocationKind.Gpr ? Loc(value).Gpr : scratch;

    private Xmm DestXmm(int value, Xmm scratch) => Loc(value).Kind == LocationKind.Xmm ? Loc(value).Xmm : scratch;

    /// <summary>Puts a result computed in <paramref name="r"/> where it lives.</summary>
    private void DefGpr(int value, Gpr r)
    {
        Location l = Loc(value);
        if (l.Kind == LocationKind.Gpr)
        {
            if (l.Gpr != r)
            {
                _asm.Mov(TypeOf(value) == IrType.I32 ? OperandSize.S32 : OperandSize.S64, l.Gpr, r);
            }
            return;
        }
        _asm.Mov(OperandSize.S64, l.Mem, r);
    }

    private void DefXmm(int value, Xmm x)
    {
        Location l = Loc(value);
        if (l.Kind == LocationKind.Xmm)
        {
            if (l.Xmm != x)
            {
                _asm.Movaps(l.Xmm, x);
            }
            return;
        }
        if (TypeOf(value) == IrType.F32)
        {
            _asm.Movss(l.Mem, x);
        }
        else if (TypeOf(value) == IrType.V128)
        {
            _asm.Movdqu(l.Mem, x);
        }
        else
        {
            _asm.Movsd(l.Mem, x);
        }
    }

    private static OperandSize SizeOf(IrType t) => t is IrType.I32 or IrType.F32 ? OperandSize.S32 : OperandSize.S64;

    /// <summary>Whether the value is a constant usable as a sign-extended imm32 for an operation of <paramref name="size"/>.</summary>
    private bool TryImm(int value, OperandSize size, out int imm)
    {
        Location l = Loc(value);
        imm = 0;
        if (l.Kind != LocationKind.Const)
        {
            return false;
        }
        if (size == OperandSize.S32)
        {
            imm = unchecked((int)(uint)l.Bits);
            return true;
        }
        if (l.Bits == (int)l.Bits)
        {
            imm = (int)l.Bits;
            return true;
        }
        return false;
    }
}
