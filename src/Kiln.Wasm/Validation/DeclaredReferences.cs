using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Wasm.Validation;

/// <summary>
/// Spec 3.4.10 (C.refs): the functions a body may take a reference to with <c>ref.func</c> are
/// those named outside the bodies: in global initializers, element segments, data offsets and
/// function exports. Collected once per module into a flag per function.
/// </summary>
internal static class DeclaredReferences
{
    public static void Collect(WasmModule module, bool[] declared)
    {
        foreach (Global global in module.Globals)
        {
            Scan(global.Init, declared);
        }
        foreach (ElementSegment segment in module.Elements)
        {
            if (segment.Offset is { } offset)
            {
                Scan(offset, declared);
            }
            foreach (ConstExpr item in segment.Items)
            {
                Scan(item, declared);
            }
        }
        foreach (DataSegment segment in module.Data)
        {
            if (segment.Offset is { } offset)
            {
                Scan(offset, declared);
            }
        }
        foreach (Export export in module.Exports)
        {
            if (export.Kind == ExternKind.Function)
            {
                Mark(export.Index, declared);
            }
        }
    }

    private static void Scan(ConstExpr expr, bool[] declared)
    {
        var reader = new InstructionReader(expr.Code.Span, expr.Offset);
        while (!reader.AtEnd)
        {
            Instruction ins = reader.Read();
            if (ins.Opcode == Opcode.RefFunc)
            {
                Mark(ins.Index, declared);
            }
        }
    }

    private static void Mark(uint index, bool[] declared)
    {
        // An unknown index is reported where it is used; here it simply declares nothing.
        if (index < (uint)declared.Length)
        {
            declared[index] = true;
        }
    }
}
