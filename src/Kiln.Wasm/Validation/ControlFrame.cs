using Kiln.Wasm.Model;

namespace Kiln.Wasm.Validation;

/// <summary>A frame of the control stack (spec appendix: ctrl_frame).</summary>
public struct ControlFrame
{
    public ControlFrame(Opcode opcode, ValType[] startTypes, ValType[] endTypes, int height)
    {
        Opcode = opcode;
        StartTypes = startTypes;
        EndTypes = endTypes;
        Height = height;
    }

    /// <summary><c>block</c> (also for the function's own frame), <c>loop</c>, <c>if</c> or <c>else</c>.</summary>
    public Opcode Opcode;

    public ValType[] StartTypes;

    public ValType[] EndTypes;

    /// <summary>Operand stack height when the frame was entered.</summary>
    public int Height;

    public bool Unreachable;
}
