using System.Runtime.CompilerServices;
using Kiln.Vm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.FrontEnd;

/// <summary>
/// The function-body front end every tier walks a validated body with, in the manner of the decoder that V8's
/// Liftoff and TurboFan share: it decodes the instructions, runs the <see cref="ImmediateChecks"/> on each one a
/// tier compiles, keeps the <see cref="ControlStack{TTierData}"/> with the tier's per-frame data, and skips dead
/// code, so a tier holds only its code generation. One instance per tier instance, reused for every function.
/// </summary>
/// <remarks>
/// Dead code: after br, br_table, return or unreachable the rest of the frame cannot run (spec 3.3.8 types it
/// stack-polymorphically). <see cref="Next"/> decodes it but hands the tier only what closes it: the frame's own
/// else or end, with <see cref="ControlFrame{TTierData}.Unreachable"/> set. Blocks opened inside dead code are
/// followed by nesting count alone and never reach the tier. The generic type makes every call direct and
/// inlinable for the tier's struct.
/// </remarks>
internal sealed class BodyDecoder<TTierData>
    where TTierData : struct
{
    private ValType[] _localTypes = new ValType[16];
    private int _deadNesting;

    /// <summary>The instruction last handed out ends the reachable part of its frame.</summary>
    private bool _endsReachable;

    public BodyDecoder(IndexSpaces spaces)
    {
        Spaces = spaces;
    }

    public IndexSpaces Spaces { get; }

    public ControlStack<TTierData> Controls { get; } = new();

    /// <summary>The signature of the function being walked.</summary>
    public FuncType Signature { get; private set; } = FuncType.Empty;

    public FunctionBody Body { get; private set; } = null!;

    /// <summary>The function's index in the function index space (imports first).</summary>
    public uint FunctionIndex { get; private set; }

    /// <summary>The type of every local, parameters first; valid up to <see cref="LocalCount"/>. Read only; replaced when a larger function needs more room.</summary>
    public ValType[] LocalTypes => _localTypes;

    /// <summary>Parameters plus declared locals.</summary>
    public int LocalCount { get; private set; }

    /// <summary>
    /// Starts on defined function <paramref name="definedIndex"/>: resolves its locals and opens the function's frame
    /// (no parameters on the value stack; branches to it carry the results). The tier checks
    /// <see cref="IndexSpaces.LocalCount"/> against its own limit first. Returns the reader over the body.
    /// </summary>
    public InstructionReader Begin(int definedIndex)
    {
        FunctionIndex = (uint)(Spaces.ImportedFunctionCount + definedIndex);
        Signature = Spaces.DefinedFunctionType(definedIndex);
        Body = Spaces.Module.Bodies[definedIndex];
        LocalCount = Spaces.LocalTypes(definedIndex, ref _localTypes);
        _deadNesting = 0;
        _endsReachable = false;
        Controls.Clear();
        Controls.Push(FrameKind.Function, 0, [], Signature.Results.ReadOnlyArray());
        return new InstructionReader(Body.Code.Span, Body.CodeOffset, FunctionIndex);
    }

    /// <summary>
    /// The next instruction the tier compiles, or false once the function's end has been handled. Dead instructions
    /// are skipped here; a frame's else or end is handed out also when the frame is unreachable, so the tier closes it.
    /// </summary>
    /// <exception cref="InternalErrorException">The body ends inside a frame, or an immediate is out of range: the validator should have refused it.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Next(ref InstructionReader reader, out Instruction ins)
    {
        if (_endsReachable)
        {
            _endsReachable = false;
            Controls.MarkUnreachable();
        }
        while (Controls.Count > 0)
        {
            if (reader.AtEnd)
            {
                throw new InternalErrorException($"function {FunctionIndex}: code ends inside a block (the validator should have refused it)");
            }
            ins = reader.Read();
            if (Controls.Top.Unreachable && SkipDead(ins.Opcode))
            {
                continue;
            }
            // SECURITY: one place for every tier, before immediates become array indices, cell offsets or code.
            ImmediateChecks.Check(in ins, Spaces.Context, LocalCount);
            _endsReachable = ins.Opcode is Opcode.Br or Opcode.BrTable or Opcode.Return or Opcode.Unreachable;
            return true;
        }
        ins = default;
        return false;
    }

    /// <summary>Inside an unreachable frame: follows block structure; false for the frame's own else or end.</summary>
    private bool SkipDead(Opcode op)
    {
        switch (op)
        {
            case Opcode.Block:
            case Opcode.Loop:
            case Opcode.If:
                _deadNesting++;
                return true;
            case Opcode.Else:
                return _deadNesting != 0;
            case Opcode.End:
                if (_deadNesting == 0)
                {
                    return false;
                }
                _deadNesting--;
                return true;
            default:
                return true;
        }
    }
}
