using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Kiln.Vm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Validation;

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
/// else or end, with <see cref="ControlStack{TTierData}.Unreachable"/> set. Blocks opened inside dead code are
/// followed by nesting count alone and never reach the tier, and nothing of it is checked or compiled. The generic
/// type makes every call direct and inlinable for the tier's struct.
/// </remarks>
internal sealed class BodyDecoder<TTierData>
    where TTierData : struct
{
    private readonly ControlStack<TTierData> _controls = new();
    private readonly ValidationContext _context;
    private ValType[] _localTypes = new ValType[16];
    private bool _localTypesResolved;
    private int _definedIndex;

    public BodyDecoder(IndexSpaces spaces)
    {
        Spaces = spaces;
        _context = spaces.Context;
    }

    public IndexSpaces Spaces { get; }

    public ControlStack<TTierData> Controls => _controls;

    /// <summary>The signature of the function being walked.</summary>
    public FuncType Signature { get; private set; } = FuncType.Empty;

    public FunctionBody Body { get; private set; } = null!;

    /// <summary>The function's index in the function index space (imports first).</summary>
    public uint FunctionIndex { get; private set; }

    /// <summary>
    /// The type of every local, parameters first; valid up to <see cref="LocalCount"/>. Read only; replaced when a
    /// larger function needs more room. Resolved on first use per function (a tier that lays out locals from the
    /// body's groups does not pay for it).
    /// </summary>
    public ValType[] LocalTypes
    {
        get
        {
            if (!_localTypesResolved)
            {
                Spaces.LocalTypes(_definedIndex, ref _localTypes);
                _localTypesResolved = true;
            }
            return _localTypes;
        }
    }

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
        long locals = Spaces.LocalCount(definedIndex);
        if (locals > Array.MaxLength)
        {
            throw new InternalErrorException($"function {FunctionIndex} has {locals} locals");
        }
        LocalCount = (int)locals;
        _definedIndex = definedIndex;
        _localTypesResolved = false;
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
        // The common case stays small enough to inline into each tier's loop: reachable code, one instruction.
        if (_controls.Unreachable)
        {
            if (_controls.Count == 0)
            {
                ins = default;
                return false;
            }
            ins = SkipDead(ref reader);
        }
        else
        {
            if (reader.AtEnd)
            {
                ThrowEndedInsideBlock();
            }
            ins = reader.Read();
            if (EndsReachable(ins.Opcode))
            {
                // Marked as it is handed out: the tier's branch does not look at the flag, what follows does.
                _controls.MarkUnreachable();
            }
        }
        // SECURITY: one place for every tier, before immediates become array indices, cell offsets or code.
        ImmediateChecks.Check(in ins, _context, LocalCount);
        return true;
    }

    /// <summary>br, br_table, return and unreachable: the rest of the frame cannot be reached.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool EndsReachable(Opcode op)
    {
        const uint mask = (1u << (int)Opcode.Unreachable) | (1u << (int)Opcode.Br) | (1u << (int)Opcode.BrTable) | (1u << (int)Opcode.Return);
        return (uint)op < 32 && ((mask >> (int)op) & 1) != 0;
    }

    /// <summary>
    /// Inside an unreachable frame: decodes and drops instructions, following block structure by nesting count alone,
    /// up to the frame's own else or end, which it returns.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Instruction SkipDead(ref InstructionReader reader)
    {
        int nesting = 0;
        while (true)
        {
            if (reader.AtEnd)
            {
                ThrowEndedInsideBlock();
            }
            Instruction ins = reader.Read();
            switch (ins.Opcode)
            {
                case Opcode.Block:
                case Opcode.Loop:
                case Opcode.If:
                    nesting++;
                    break;
                case Opcode.Else:
                    if (nesting == 0)
                    {
                        return ins;
                    }
                    break;
                case Opcode.End:
                    if (nesting == 0)
                    {
                        return ins;
                    }
                    nesting--;
                    break;
            }
        }
    }

    [DoesNotReturn]
    private void ThrowEndedInsideBlock() =>
        throw new InternalErrorException($"function {FunctionIndex}: code ends inside a block (the validator should have refused it)");
}
