using Kiln.Jit.X64;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Baseline;

internal sealed unsafe partial class BaselineCompiler
{
    private bool SimdArithmetic(in Instruction ins)
    {
        return false;
    }
}
