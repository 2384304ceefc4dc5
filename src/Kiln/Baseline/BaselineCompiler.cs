using Kiln.Compiled;
using Kiln.FrontEnd;
using Kiln.Wasm.Validation;
using System.Runtime.CompilerServices;
using Kiln.Jit.X64;
using Kiln.Vm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Baseline;

/// <summary>
/// The baseline tier: one pass over each validated function body straight to x86-64, no IR, in the
/// manner of V8's Liftoff. An abstract value stack records where each operand lives (a constant, a
/// register, or its fixed spill slot); registers are allocated on the fly and spilled when they run
/// out; at control-flow joins every merge value is in its slot, so the state to merge is known without
/// a second pass. All functions of a batch go into one <see cref="Assembler"/> so they share the
/// out-of-line trap stubs and one constant pool.
/// </summary>
/// <remarks>
/// Partial files: this one holds the function driver and the dispatch; <c>.Stack.cs</c> the value
/// stack and register cache; <c>.Control.cs</c> blocks and branches; <c>.Numeric.cs</c> arithmetic;
/// <c>.Memory.cs</c> loads, stores, globals and tables; <c>.Calls.cs</c> calls and runtime helpers.
/// A compiler instance is used by one thread; every buffer is reused between functions, so the
/// per-instruction path does not allocate.
/// </remarks>
internal sealed unsafe partial class BaselineCompiler
{
    // ABI registers (CompiledAbi): callee vmctx, cached memory base and length.
    private static readonly Gpr s_vmctx = CompiledAbi.Vmctx;
    private static readonly Gpr s_memBase = CompiledAbi.MemoryBase;
    private static readonly Gpr s_memLength = CompiledAbi.MemoryLength;
    private static readonly Gpr s_scratch = Gpr.Rax;
    private static readonly Gpr s_scratch2 = Gpr.Rcx;

    private const int SavedVmctxOffset = CompiledAbi.SavedVmctxOffset;
    private const int FunctionIndexOffset = CompiledAbi.FunctionIndexOffset;
    private const int ScratchOffset = CompiledAbi.ScratchOffset;
    private const int ArgsOffset = CompiledAbi.ArgsOffset;
    // Frame slots (declared locals, then value-stack positions) start below the header: 8-byte slots at rbp-32, or,
    // in a function that uses v128, 16-byte slots at rbp-48 so that each slot is 16-byte aligned (rbp is) and the
    // first one does not overlap the scratch word at rbp-24.
    private const int NarrowLocalsOffset = -CompiledAbi.FrameHeaderSize - 8;
    private const int WideLocalsOffset = -((CompiledAbi.FrameHeaderSize + 15) & ~15) - WideSlotSize;
    private const int WideSlotSize = 16;

    private readonly WasmModule _module;
    private readonly VmOffsets _offsets;
    private readonly bool _fuel;
    private readonly bool _hasMemory;
    private readonly Assembler _asm;
    private readonly IndexSpaces _spaces;
    // Views of _spaces' arrays (read only).
    private readonly FuncType[] _functionTypes;
    private readonly int _importedFunctions;
    private readonly ValType[] _globalTypes;
    private readonly ValType[] _tableTypes;
    private readonly TrapStubs _traps = new();
    private uint[] _brTargets = new uint[16];
    private Label[] _brLabels = new Label[16];

    // The front end's local types of the function being compiled (parameters first); read only.
    private ValType[] _localTypes = [];
    // Byte offset of each parameter in the argument area (rbp + 16), in 8-byte slots as SlotLayout lays out a row.
    private int[] _paramOffsets = new int[16];
    // Byte offset of each result in the result area (the argument area, rbp + 16).
    private int[] _resultOffsets = new int[16];
    private int _slotSize = 8;
    private int _localsOffset = NarrowLocalsOffset;
    private int _localCount;
    private int _definedIndex;
    private int _paramCount;
    private int _declaredLocals;
    private int _maxOutgoing;
    private bool _memoryRegistersStale;
    private FuncType _signature = FuncType.Empty;

    public BaselineCompiler(IndexSpaces spaces, bool consumeFuel, CpuFeatures features)
    {
        WasmModule module = spaces.Module;
        _module = module;
        _fuel = consumeFuel;
        _offsets = VmOffsets.For(module);
        _asm = new Assembler(features, 1 << 16);
        // Index spaces resolved once per module (the shared front end's), so the per-instruction path never walks the imports.
        _spaces = spaces;
        _functionTypes = _spaces.FunctionTypes;
        _importedFunctions = _spaces.ImportedFunctionCount;
        _hasMemory = _spaces.HasMemory;
        _globalTypes = _spaces.GlobalTypes;
        _tableTypes = _spaces.TableElementTypes;
        _decoder = new BodyDecoder<Frame>(_spaces);
        _controls = _decoder.Controls;
    }

    /// <summary>A baseline compiler shaped by the engine's <paramref name="setup"/> (the one place that maps it).</summary>
    public static BaselineCompiler Create(CompilerSetup setup, CpuFeatures features, bool hotnessCounters = false, int osr = -1) =>
        new(setup.Spaces, setup.ConsumeFuel, features)
        {
            RecordsLines = setup.RecordsLines,
            GuardPages = setup.GuardPages,
            Interpreted = setup.Interpreted,
            InterruptChecks = setup.InterruptChecks,
            HotnessCounters = hotnessCounters,
            CallSiteProfiles = hotnessCounters ? setup.Profiles : null,
            Osr = osr,
        };

    public Assembler Assembler => _asm;

    /// <summary>Check the store's interrupt flag at function entries and loop headers (<see cref="EngineOptions.InterruptChecks"/>).</summary>
    public bool InterruptChecks { get; init; } = true;

    /// <summary>Starts a batch: forgets the previous code and trap stubs.</summary>
    public void BeginBatch()
    {
        _asm.Reset();
        _traps.Begin(_asm);
    }

    /// <summary>
    /// Emits the batch's shared trap stubs: each puts its trap code in ecx and all end in the one trap exit
    /// (<see cref="CompiledAbi.EmitTrapExit"/>: record the code and the backtrace, unwind to the entry trampoline).
    /// No .NET exception is involved.
    /// </summary>
    public void EndBatch()
    {
        _traps.Emit(_asm);
        _asm.Finish();
    }

    /// <summary>
    /// Compiles defined function <paramref name="definedIndex"/> at the current position (16-byte
    /// aligned). Returns the code offset of its entry; <paramref name="framePatch"/> is where the
    /// frame size must be written (as an int32) once the code is copied into code memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int CompileFunction(int definedIndex, out int framePatch, out int frameSize)
    {
        long locals = _spaces.LocalCount(definedIndex);
        if (locals > 50_000)
        {
            // Keeps every frame displacement far inside int32 range.
            throw new UnsupportedFeatureException($"a function with {locals} locals exceeds the baseline compiler's limit of 50000");
        }
        InstructionReader reader = _decoder.Begin(definedIndex);
        FunctionBody body = _decoder.Body;
        _signature = _decoder.Signature;
        SetUpLocals(body);
        ChoosePinnedLocals(body);
        ResetFunctionState();
        _profileStubs.Clear();
        _asm.Align(16);
        int start = _asm.Position;
        _functionStart = start;
        _lineCount = 0;
        // Bodies parsed from text or built in code have no module offsets (their code offset is 0; a binary body
        // starts after the header), so there is no bytecode position to name.
        bool lines = RecordsLines && body.CodeOffset > 0;
        _linesRecorded = lines;
        if (lines)
        {
            // The prologue belongs to the function as a whole: its body's first byte, as Wasmtime maps it.
            RecordLine(body.CodeOffset);
        }
        _definedIndex = definedIndex;
        framePatch = EmitPrologue(_importedFunctions + definedIndex);

        _controls[0].Data.Label = _asm.CreateLabel();
        // The front end hands out only what is compiled: dead code is skipped there, immediates are checked there.
        BodyDecoder<Frame> decoder = _decoder;
        while (decoder.Next(ref reader, out Instruction ins))
        {
            if (lines)
            {
                // Dead code emits nothing, so its lines would be replaced by the next instruction's anyway.
                RecordLine(ins.Offset);
            }
            if (_condPending && !ConsumesCondition(ins.Opcode))
            {
                MaterializeCondition();
            }
            Emit(in ins, ref reader);
        }
        EmitOsrPaths();
        EmitHotRoutine();
        EmitProfileStubs();
        int frame = -_localsOffset - _slotSize + (_slotSize * (_declaredLocals + _maxHeight)) + (8 * _maxOutgoing);
        frameSize = (frame + 15) & ~15;
        return start;
    }

    private void SetUpLocals(FunctionBody body)
    {
        _paramCount = _signature.Params.Length;
        _localCount = _decoder.LocalCount;
        _localTypes = _decoder.LocalTypes;
        _declaredLocals = _localCount - _paramCount;
        _paramOffsets = RowOffsets(_signature.Params.AsSpan(), _paramOffsets);
        _resultOffsets = RowOffsets(_signature.Results.AsSpan(), _resultOffsets);
        // A body that was never validated has no record of its types: it gets wide slots to be safe.
        bool wide = body.UsesV128 || body.HotLocals is null;
        if (body.UsesV128 && !_asm.Features.Has(CpuFeature.Ssse3 | CpuFeature.Sse41))
        {
            // Refused up front with a clear reason rather than at the first form the assembler cannot encode.
            throw new UnsupportedFeatureException("SIMD in the baseline compiler needs a CPU with SSSE3 and SSE4.1");
        }
        _slotSize = wide ? WideSlotSize : 8;
        _localsOffset = wide ? WideLocalsOffset : NarrowLocalsOffset;
    }

    /// <summary>The byte offset of each value of a row in a call's argument/result area (<see cref="SlotLayout"/>).</summary>
    private static int[] RowOffsets(ReadOnlySpan<ValType> types, int[] offsets)
    {
        if (offsets.Length < types.Length)
        {
            offsets = new int[Math.Max(types.Length, offsets.Length * 2)];
        }
        int at = 0;
        for (int i = 0; i < types.Length; i++)
        {
            offsets[i] = 8 * at;
            at += SlotLayout.SlotCount(types[i]);
        }
        return offsets;
    }

    /// <summary>
    /// push rbp; mov rbp, rsp; save vmctx and the function index; sub rsp, frame (patched later); check the stack limit,
    /// the interrupt word and fuel; zero the declared locals; load the pinned locals and the memory registers.
    /// </summary>
    private int EmitPrologue(int functionIndex)
    {
        // Frame header for backtraces: [rbp-8] = vmctx, [rbp-16] = function index (docs/ARCHITECTURE.md).
        FrameSequences.FrameHeader(_asm, functionIndex);
        // sub rsp, imm32 is REX.W 81 /5 id: the immediate is the last 4 bytes.
        _asm.Sub(OperandSize.S64, Gpr.Rsp, 0x7FFF_FFF0);
        int patch = _asm.Position - 4;
        FrameSequences.StackLimitCheck(_asm, TrapLabel(TrapCode.CallStackExhausted));
        EmitInterruptCheck(loadContext: false);
        EmitHotnessCount(_definedIndex, 1);
        ZeroDeclaredLocals();
        LoadPinnedLocalsOnEntry();
        _memoryRegistersStale = _hasMemory;
        return patch;
    }

    /// <summary>Function entries and loop headers: trap when the interrupt word is set (unless interrupt checks are off) or fuel runs out.</summary>
    private void EmitInterruptCheck(bool loadContext)
    {
        Label interrupted = InterruptChecks ? TrapLabel(TrapCode.Interrupted) : default;
        Label outOfFuel = _fuel ? TrapLabel(TrapCode.OutOfFuel) : default;
        FrameSequences.InterruptCheck(_asm, loadContext, interrupted, outOfFuel);
    }

    /// <summary>
    /// r14 = memory base, r13 = memory length (explicit checks only: guard pages need no length), loaded on first use
    /// after the prologue and after every call (a callee may grow memory): a function or path that ends without
    /// touching memory never loads them. Joins load them (<see cref="LoadForJoin"/>), so they are current on every
    /// path into a label.
    /// </summary>
    private void EnsureMemoryRegisters()
    {
        if (_memoryRegistersStale)
        {
            ReloadMemoryRegisters();
            _memoryRegistersStale = false;
        }
    }

    private void ReloadMemoryRegisters()
    {
        if (!_hasMemory)
        {
            return;
        }
        MemorySequences.ReloadRegisters(_asm, GuardPages);
    }

    /// <summary>Before control reaches a label (a jump or falling through into it): what is loaded lazily is loaded.</summary>
    private void LoadForJoin()
    {
        EnsureMemoryRegisters();
        LoadUnloadedPinnedLocals();
    }

    private Label TrapLabel(TrapCode code) => _traps.For(_asm, code);

    private Mem LocalMem(int index) => index < _paramCount
        ? Mem.At(Gpr.Rbp, ArgsOffset + _paramOffsets[index])
        : Mem.At(Gpr.Rbp, _localsOffset - (_slotSize * (index - _paramCount)));

    private Mem SlotMem(int position) => Mem.At(Gpr.Rbp, _localsOffset - (_slotSize * (_declaredLocals + position)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ConsumesCondition(Opcode op) => op is Opcode.BrIf or Opcode.If or Opcode.Select or Opcode.SelectTyped or Opcode.I32Eqz;

    private static bool IsFloat(ValType t) => t is ValType.F32 or ValType.F64;

    /// <summary>Values that live in xmm registers: floats and v128.</summary>
    private static bool IsXmm(ValType t) => t is ValType.F32 or ValType.F64 or ValType.V128;

    private static OperandSize SizeOf(ValType t) => t is ValType.I32 or ValType.F32 ? OperandSize.S32 : OperandSize.S64;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Emit(in Instruction ins, ref InstructionReader reader)
    {
        if (((_xmmCached | _gprCached) != 0 || _constLocalStaleCount != 0) && ins.Opcode is Opcode.Unreachable or Opcode.Block
            or Opcode.Loop or Opcode.If or Opcode.Else or Opcode.End or Opcode.Br or Opcode.BrIf or Opcode.BrTable or Opcode.Return
            or Opcode.Call or Opcode.CallIndirect)
        {
            // Labels and calls: a local is only known to be in a register on straight-line code; every label expects
            // the locals in their slots (constants too; calls keep them: a callee cannot see the caller's locals).
            // Return, unreachable and the function's end leave the frame: the locals are dead.
            bool dead = ins.Opcode is Opcode.Return or Opcode.Unreachable
                || (ins.Opcode == Opcode.End && _controls.Top.Kind == FrameKind.Function);
            ForgetCachedLocals(writeBack: !dead);
            if (dead)
            {
                DropConstLocals();
            }
            else if (ins.Opcode is not (Opcode.Call or Opcode.CallIndirect))
            {
                WriteBackConstLocals();
            }
        }
        switch (ins.Opcode)
        {
            case Opcode.Unreachable:
                _asm.Jmp(TrapLabel(TrapCode.Unreachable));
                LeaveReachableCode();
                return;
            case Opcode.Nop:
                return;
            case Opcode.Block:
            case Opcode.Loop:
            case Opcode.If:
                EnterBlock(in ins);
                return;
            case Opcode.Else:
                Else();
                return;
            case Opcode.End:
                End();
                return;
            case Opcode.Br:
                Br(ins.Index);
                return;
            case Opcode.BrIf:
                BrIf(ins.Index);
                return;
            case Opcode.BrTable:
                BrTable(in ins, ref reader);
                return;
            case Opcode.Return:
                Br((uint)(_controls.Count - 1));
                return;
            case Opcode.Call:
                CallDirect(ins.Index);
                return;
            case Opcode.CallIndirect:
                CallIndirect(ins.Index, ins.Index2, ins.Offset);
                return;
            case Opcode.Drop:
                Drop();
                return;
            case Opcode.Select:
            case Opcode.SelectTyped:
                Select();
                return;
            case Opcode.LocalGet:
                LocalGet((int)ins.Index);
                return;
            case Opcode.LocalSet:
                LocalSet((int)ins.Index, tee: false);
                return;
            case Opcode.LocalTee:
                LocalSet((int)ins.Index, tee: true);
                return;
            case Opcode.GlobalGet:
                GlobalGet((int)ins.Index);
                return;
            case Opcode.GlobalSet:
                GlobalSet((int)ins.Index);
                return;
            case Opcode.TableGet:
                TableGet((int)ins.Index);
                return;
            case Opcode.TableSet:
                TableSet((int)ins.Index);
                return;
            case Opcode.I32Const:
                PushConst(ValType.I32, (uint)ins.I32);
                return;
            case Opcode.I64Const:
                PushConst(ValType.I64, ins.Value);
                return;
            case Opcode.F32Const:
                PushConst(ValType.F32, ins.F32Bits);
                return;
            case Opcode.F64Const:
                PushConst(ValType.F64, ins.F64Bits);
                return;
            case Opcode.RefNull:
                PushConst(ins.Type, 0);
                return;
            case Opcode.RefIsNull:
            {
                Gpr r = PopGpr();
                _asm.Test(OperandSize.S64, r, r);
                FreeGpr(r);
                PushCondition(Condition.Equal);
                return;
            }
            case Opcode.RefFunc:
            {
                Gpr r = AllocGpr();
                _asm.Mov(OperandSize.S64, r, Mem.At(s_vmctx, _offsets.FuncRef((int)ins.Index)));
                PushReg(ValType.FuncRef, r.Index);
                return;
            }
            case Opcode.MemorySize:
            {
                EnsureMemoryRegisters();
                Gpr r = AllocGpr();
                MemorySequences.SizeInPages(_asm, r, GuardPages);
                PushReg(ValType.I32, r.Index);
                return;
            }
            case Opcode.MemoryGrow:
                CallHelper(RuntimeHelper.MemoryGrow, 0, 0, 0, 1, HelperResult.I32);
                return;
            case Opcode.MemoryFill:
                CallHelper(RuntimeHelper.MemoryFill, 0, 0, 0, 3, HelperResult.Status);
                return;
            case Opcode.MemoryCopy:
                CallHelper(RuntimeHelper.MemoryCopy, 0, 0, 0, 3, HelperResult.Status);
                return;
            case Opcode.MemoryInit:
                CallHelper(RuntimeHelper.MemoryInit, 1, ins.Index, 0, 3, HelperResult.Status);
                return;
            case Opcode.DataDrop:
                CallHelper(RuntimeHelper.DataDrop, 1, ins.Index, 0, 0, HelperResult.None);
                return;
            case Opcode.TableInit:
                CallHelper(RuntimeHelper.TableInit, 2, ins.Index2, ins.Index, 3, HelperResult.Status);
                return;
            case Opcode.ElemDrop:
                CallHelper(RuntimeHelper.ElemDrop, 1, ins.Index, 0, 0, HelperResult.None);
                return;
            case Opcode.TableCopy:
                CallHelper(RuntimeHelper.TableCopy, 2, ins.Index, ins.Index2, 3, HelperResult.Status);
                return;
            case Opcode.TableGrow:
                CallHelper(RuntimeHelper.TableGrow, 1, ins.Index, 0, 2, HelperResult.I32);
                return;
            case Opcode.TableSize:
            {
                Gpr r = AllocGpr();
                _asm.Mov(OperandSize.S64, s_scratch, Mem.At(s_vmctx, _offsets.Table((int)ins.Index)));
                _asm.Mov(OperandSize.S32, r, Mem.At(s_scratch, VmOffsets.TableDefinitionLength));
                PushReg(ValType.I32, r.Index);
                return;
            }
            case Opcode.TableFill:
                CallHelper(RuntimeHelper.TableFill, 1, ins.Index, 0, 3, HelperResult.Status);
                return;
            default:
                _nextSetLocal = _pinnedCount != 0 && reader.PeekLocalSet(out uint next) && _pinnedReg[next] != NotPinned ? (int)next : -1;
                if (ins.Opcode is >= Opcode.I32Load and <= Opcode.I64Store32)
                {
                    MemoryAccess(in ins);
                    return;
                }
                if ((ushort)ins.Opcode >= 0xFD00)
                {
                    Simd(in ins);
                    return;
                }
                Numeric(ins.Opcode);
                return;
        }
    }
}
