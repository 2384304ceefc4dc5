using Kiln.Wasm.Model;

namespace Kiln.Interpreter;

/// <summary>
/// One function translated for the interpreter: its code stream and frame shape. The code is a
/// pinned int array (the loop walks it with a raw pointer) and is shared by every instance of the
/// module, since it refers to functions, globals and tables by index, never by address.
/// </summary>
internal sealed unsafe class InterpretedFunction
{
    private readonly int[] _code;

    public InterpretedFunction(FuncIndex index, string name, FuncType type, int paramSlots, int localSlots, int frameSize, int[] pinnedCode)
    {
        Index = index;
        Name = name;
        Type = type;
        ParamSlots = paramSlots;
        LocalSlots = localSlots;
        FrameSize = frameSize;
        _code = pinnedCode;
        // The array lives on the pinned object heap, so its address is stable for its lifetime,
        // and this object keeps it alive.
        fixed (int* p = pinnedCode)
        {
            Code = p;
        }
    }

    public FuncIndex Index { get; }

    public string Name { get; }

    public FuncType Type { get; }

    /// <summary>Slots the parameters take (<see cref="Vm.SlotLayout"/>: a v128 takes two).</summary>
    public int ParamSlots { get; }

    /// <summary>Slots parameters plus declared locals take; the operand slots follow.</summary>
    public int LocalSlots { get; }

    /// <summary>Slots the frame needs: locals plus the deepest operand stack.</summary>
    public int FrameSize { get; }

    public int* Code { get; }

    public int CodeLength => _code.Length;

    internal ReadOnlySpan<int> CodeSpan => _code;
}
