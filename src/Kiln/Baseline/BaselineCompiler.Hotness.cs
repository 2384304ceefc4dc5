using Kiln.Compiled;
using Kiln.Jit.X64;
using Kiln.Vm;
using Kiln.Wasm.Model;

namespace Kiln.Baseline;

// Tier.Auto: counting calls and loop entries toward the optimizing tier.
internal sealed partial class BaselineCompiler
{
    // Caller-saved under SysV besides rax (scratch at every counting point): what the tier-up routine keeps for the
    // body around its helper call. rbx, rbp, r12-r15 survive a C# call anyway.
    private static readonly Gpr[] s_hotSaved = [Gpr.Rcx, Gpr.Rdx, Gpr.Rsi, Gpr.Rdi, Gpr.R8, Gpr.R9, Gpr.R10, Gpr.R11];

    private Label _hotRoutine;
    private bool _hotRoutineUsed;
    private Label _osrRoutine;
    private bool _osrRoutineUsed;
    private Kiln.Tiering.OsrLoops? _osrLoops;
    private readonly List<OsrPoint> _osrPoints = [];
    // The last compiled function's OSR epilogues, from its start: after pop rbp to after ret (LastFrame).
    private readonly List<(int Start, int End)> _osrEpilogues = [];
    private bool _osrLocalsChecked;
    private bool _osrLocalsFit;
    // The argument slots the function's locals take in an OSR entry's call (SlotLayout: a v128 takes two).
    private int _osrLocalSlots;

    /// <summary>
    /// Most argument slots an OSR path fills (locals plus stack values, a v128 taking two): they are the entry's
    /// arguments, in the frame's outgoing area, which a larger count would grow by 8 bytes each for every call of the
    /// function.
    /// </summary>
    private const int MaxOsrSlots = 2048;

    /// <summary>A loop header's OSR path, emitted after the body: the state at the header, and where to go on.</summary>
    private readonly record struct OsrPoint(Label Stub, Label Back, int Loop, Val[] Stack, bool Sampled);

    /// <summary>
    /// Count each call and loop entry in the function's hotness counter, which follows the module's code table
    /// (<see cref="ModuleCode.CounterOffset"/>); when it runs out, call the tier-up helper, which queues the function
    /// for the optimizing tier (<see cref="EngineOptions.TierUpThreshold"/>).
    /// </summary>
    public bool HotnessCounters { get; init; }

    /// <summary>
    /// What entering a loop counts for, against one for a call: loops run many iterations, and counting each one would
    /// cost more than it tells (below).
    /// </summary>
    public const int LoopEntryWeight = 64;

    /// <summary>
    /// On-stack replacement at loop headers (<see cref="Tier.Auto"/>): -1 none; 0 sampled (the OSR poll in the interrupt
    /// word diverts the header's interrupt check); N &gt; 0 forced, counting arrivals at each header
    /// (<see cref="EngineOptions.OsrBackEdges"/>).
    /// </summary>
    public int Osr { get; init; } = -1;

    /// <summary>
    /// At the function entry (weight 1, after the interrupt check) and before each loop header (weight
    /// <see cref="LoopEntryWeight"/>, once per entry into the loop, not per iteration): <c>mov rax, [r15+CodeTable];
    /// sub dword [rax+counter], weight; jns next; call routine</c>. Counting iterations at the header would chain every
    /// iteration through a store and a reload of the counter, about five cycles a turn: measured, it doubled the time
    /// of sieve's tight loops. An inner loop is entered once per iteration of its outer loop, so nests still count in
    /// proportion to their work. Once the function is queued, its counter stays far from zero.
    /// </summary>
    private void EmitHotnessCount(int definedIndex, int weight)
    {
        if (!HotnessCounters)
        {
            return;
        }
        if (!_hotRoutineUsed)
        {
            _hotRoutine = _asm.CreateLabel();
            _hotRoutineUsed = true;
        }
        int definedCount = _functionTypes.Length - _importedFunctions;
        Label next = _asm.CreateLabel();
        _asm.Mov(OperandSize.S64, s_scratch, Mem.At(s_vmctx, VmOffsets.CodeTable));
        _asm.Sub(OperandSize.S32, Mem.At(s_scratch, ModuleCode.CounterOffset(definedCount, definedIndex)), weight);
        _asm.Jcc(Condition.NotSign, next, JumpDistance.Short);
        _asm.Call(_hotRoutine);
        _asm.Bind(next);
    }

    /// <summary>
    /// At a loop header (bound, with the state every path brings there): the interrupt and fuel checks, with an OSR path
    /// when this loop can have an OSR entry. Sampled: <c>cmp dword [ctx+interrupt], 0; jne stub</c> compares the
    /// interrupt byte and the OSR poll in the one compare the interrupt check makes anyway, so the loop pays nothing;
    /// the stub traps if byte 0 (the interrupt) is set, else takes the OSR path. Forced: the arrival counter in the
    /// module's OSR data is counted down first. Either way the fuel for this arrival is charged after the OSR path
    /// returns (no entry yet), or by the optimized code's own header check when the activation moves there, so fuel
    /// counts stay those of the other tiers.
    /// </summary>
    private void EmitLoopHeaderChecks(int loopOffset)
    {
        int loop = OsrLoopAt(loopOffset);
        if (loop < 0)
        {
            EmitInterruptCheck(loadContext: true);
            return;
        }
        Label stub = _asm.CreateLabel();
        Label back = _asm.CreateLabel();
        bool sampled = Osr == 0;
        _osrPoints.Add(new OsrPoint(stub, back, loop, _stack.AsSpan(0, _height).ToArray(), sampled));
        // The OSR entry's arguments (every local, then every stack value) and its results go through the outgoing area.
        _maxOutgoing = Math.Max(_maxOutgoing, Math.Max(_osrLocalSlots + StackSlots(), SlotLayout.SlotCount(_signature.Results)));
        if (sampled)
        {
            _asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(s_vmctx, VmOffsets.StoreContext));
            _asm.Cmp(OperandSize.S32, Mem.At(Gpr.Rax, VmOffsets.StoreInterrupt), 0);
            _asm.Jcc(Condition.NotEqual, stub);
            _asm.Bind(back);
            FrameSequences.InterruptCheck(_asm, loadContext: false, default, _fuel ? TrapLabel(TrapCode.OutOfFuel) : default);
            return;
        }
        int definedCount = _functionTypes.Length - _importedFunctions;
        _osrLoops ??= new Kiln.Tiering.OsrLoops(_module);
        _asm.Mov(OperandSize.S64, s_scratch, Mem.At(s_vmctx, VmOffsets.CodeTable));
        _asm.Sub(OperandSize.S32, Mem.At(s_scratch, ModuleCode.OsrCounterOffset(definedCount, _osrLoops.Count, loop)), 1);
        _asm.Jcc(Condition.Sign, stub);
        _asm.Bind(back);
        EmitInterruptCheck(loadContext: true);
    }

    /// <summary>
    /// The module-wide number of the loop at <paramref name="loopOffset"/> when it can get an OSR entry, else -1: OSR on,
    /// and only i32, i64, f32, f64 and v128 values in the locals and on the stack (what the optimizing tier compiles;
    /// references are not). A function with v128 values has wide slots (16 bytes), which the OSR path reads like any
    /// slot; a v128 takes two argument slots of the entry (<see cref="SlotLayout"/>).
    /// </summary>
    private int OsrLoopAt(int loopOffset)
    {
        if (Osr < 0 || (Osr == 0 && !InterruptChecks))
        {
            return -1;
        }
        if (!_osrLocalsChecked)
        {
            // Once per function (reset by EmitOsrPaths): a body may have thousands of locals and of loops.
            _osrLocalsChecked = true;
            _osrLocalsFit = true;
            _osrLocalSlots = 0;
            for (int i = 0; i < _localCount; i++)
            {
                _osrLocalsFit &= IsOsrType(_localTypes[i]);
                _osrLocalSlots += SlotLayout.SlotCount(_localTypes[i]);
            }
        }
        if (!_osrLocalsFit)
        {
            return -1;
        }
        for (int i = 0; i < _height; i++)
        {
            // A v128 is never a constant on the value stack (StoreValue); checked all the same.
            if (!IsOsrType(_stack[i].Type) || _stack[i].Loc is not (Loc.Const or Loc.Stack)
                || (_stack[i].Type == ValType.V128 && _stack[i].Loc == Loc.Const))
            {
                return -1;
            }
        }
        if (_osrLocalSlots + StackSlots() > MaxOsrSlots)
        {
            return -1;
        }
        _osrLoops ??= new Kiln.Tiering.OsrLoops(_module);
        return _osrLoops.Find(_definedIndex, loopOffset);
    }

    private static bool IsOsrType(ValType t) => t is ValType.I32 or ValType.I64 or ValType.F32 or ValType.F64 or ValType.V128;

    /// <summary>The argument slots the values on the stack take (<see cref="SlotLayout"/>: a v128 takes two).</summary>
    private int StackSlots()
    {
        int n = 0;
        for (int i = 0; i < _height; i++)
        {
            n += SlotLayout.SlotCount(_stack[i].Type);
        }
        return n;
    }

    /// <summary>
    /// After the body: each loop header's OSR path. It asks the runtime (<see cref="RuntimeHelper.OsrEnter"/>, through a
    /// routine that keeps every register) for the loop's OSR entry; with none it goes back to the header's checks.
    /// With one, the activation moves: every local (pinned ones from their registers) and every stack value at the
    /// header go to the outgoing area as the entry's arguments, the frame's function index is replaced by
    /// <see cref="CompiledAbi.OsrReplacedFunctionIndex"/> (backtraces list the activation once, as the OSR frame), and
    /// the entry is called like a function with this frame's vmctx. It runs the rest of the activation in optimized
    /// code, loop header first, and returns the function's results, which this frame copies to its own result area
    /// and returns to its caller. This frame stays below the OSR frame until then (one frame more on the stack).
    /// </summary>
    private void EmitOsrPaths()
    {
        _osrEpilogues.Clear();
        foreach (OsrPoint p in _osrPoints)
        {
            if (!_osrRoutineUsed)
            {
                _osrRoutine = _asm.CreateLabel();
                _osrRoutineUsed = true;
            }
            _asm.Bind(p.Stub);
            if (p.Sampled)
            {
                // rax = the store context: an interrupt (byte 0) traps as the plain check would.
                _asm.Cmp(OperandSize.S8, Mem.At(Gpr.Rax, VmOffsets.StoreInterrupt), 0);
                _asm.Jcc(Condition.NotEqual, TrapLabel(TrapCode.Interrupted));
            }
            _asm.Mov(OperandSize.S32, Gpr.Rax, p.Loop);
            _asm.Call(_osrRoutine);
            _asm.Test(OperandSize.S64, Gpr.Rax, Gpr.Rax);
            if (p.Sampled)
            {
                // No entry: back to the fuel check, which reads the store context from rax.
                Label enter = _asm.CreateLabel();
                _asm.Jcc(Condition.NotEqual, enter, JumpDistance.Short);
                _asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(s_vmctx, VmOffsets.StoreContext));
                _asm.Jmp(p.Back);
                _asm.Bind(enter);
            }
            else
            {
                _asm.Jcc(Condition.Equal, p.Back);
            }
            // Argument slot k of the entry: one per value, two for a v128 (SlotLayout), as the optimizing tier reads them.
            int k = 0;
            for (int i = 0; i < _localCount; i++)
            {
                Mem dst = Mem.At(Gpr.Rsp, 8 * k);
                if (_pinnedReg[i] != NotPinned)
                {
                    StoreReg(dst, _localTypes[i], _pinnedReg[i]);
                }
                else
                {
                    OperandSize size = SizeOf(_localTypes[i]);
                    Mem src = LocalMem(i);
                    _asm.Mov(size, s_scratch2, src);
                    _asm.Mov(size, dst, s_scratch2);
                    if (_localTypes[i] == ValType.V128)
                    {
                        // The high half, through the integer scratch too: no xmm register need be free here.
                        _asm.Mov(size, s_scratch2, src.Offset(8));
                        _asm.Mov(size, dst.Offset(8), s_scratch2);
                    }
                }
                k += SlotLayout.SlotCount(_localTypes[i]);
            }
            for (int i = 0; i < p.Stack.Length; i++)
            {
                StoreValue(Mem.At(Gpr.Rsp, 8 * k), in p.Stack[i], i, s_scratch2);
                k += SlotLayout.SlotCount(p.Stack[i].Type);
            }
            _asm.Mov(OperandSize.S32, Mem.At(Gpr.Rbp, FunctionIndexOffset), unchecked((int)CompiledAbi.OsrReplacedFunctionIndex));
            _asm.Call(Gpr.Rax);
            // The results, laid out alike in the entry's area and in this frame's (a v128 is two words).
            for (int w = 0; w < SlotLayout.SlotCount(_signature.Results); w++)
            {
                _asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(Gpr.Rsp, 8 * w));
                _asm.Mov(OperandSize.S64, Mem.At(Gpr.Rbp, ArgsOffset + (8 * w)), Gpr.Rax);
            }
            _asm.Mov(OperandSize.S64, Gpr.Rsp, Gpr.Rbp);
            _asm.Pop(Gpr.Rbp);
            int epilogueStart = _asm.Position - _functionStart;
            _asm.Ret();
            _osrEpilogues.Add((epilogueStart, _asm.Position - _functionStart));
        }
        _osrPoints.Clear();
        _osrLocalsChecked = false;
        if (_osrRoutineUsed)
        {
            _osrRoutineUsed = false;
            EmitSavingRoutine(_osrRoutine, RuntimeHelper.OsrEnter, passLoop: true);
        }
    }

    /// <summary>
    /// After the body: the routine every counting point of the function calls when its counter runs out. It runs with
    /// any register state of the body (pinned and cached locals, v128 values), so it saves every caller-saved
    /// general register and all sixteen xmm registers in full around the helper call, and returns to the counting
    /// point. rsp is 16-byte aligned in the body; the return address and eight pushes leave it 8 off, which the
    /// 264-byte save area rounds back.
    /// </summary>
    private void EmitHotRoutine()
    {
        if (!_hotRoutineUsed)
        {
            return;
        }
        _hotRoutineUsed = false;
        EmitSavingRoutine(_hotRoutine, RuntimeHelper.TierUp, passLoop: false);
    }

    /// <summary>
    /// A routine that calls <paramref name="helper"/> with (vmctx, defined index[, eax as the loop number]) and keeps
    /// every register of the body but rax (the helper's result).
    /// </summary>
    private void EmitSavingRoutine(Label routine, RuntimeHelper helper, bool passLoop)
    {
        _asm.Bind(routine);
        foreach (Gpr r in s_hotSaved)
        {
            _asm.Push(r);
        }
        const int XmmArea = (16 * 16) + 8;
        _asm.Sub(OperandSize.S64, Gpr.Rsp, XmmArea);
        for (int x = 0; x < 16; x++)
        {
            _asm.Movdqu(Mem.At(Gpr.Rsp, 16 * x), Xmm.FromIndex(x));
        }
        if (passLoop)
        {
            _asm.Mov(OperandSize.S32, Gpr.Rdx, Gpr.Rax);
        }
        _asm.Mov(OperandSize.S64, Gpr.Rdi, s_vmctx);
        _asm.Mov(OperandSize.S32, Gpr.Rsi, _definedIndex);
        CompiledAbi.EmitHelperCall(_asm, helper);
        for (int x = 0; x < 16; x++)
        {
            _asm.Movdqu(Xmm.FromIndex(x), Mem.At(Gpr.Rsp, 16 * x));
        }
        _asm.Add(OperandSize.S64, Gpr.Rsp, XmmArea);
        for (int i = s_hotSaved.Length - 1; i >= 0; i--)
        {
            _asm.Pop(s_hotSaved[i]);
        }
        _asm.Ret();
    }
}
