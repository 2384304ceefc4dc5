using Kiln.Wasm.Model;

namespace Kiln;

/// <summary>Stand-ins for imports the embedder does not provide (Wasmtime's <c>define_unknown_imports_as_traps</c>).</summary>
public sealed partial class Linker
{
    /// <summary>
    /// Defines every function import of <paramref name="module"/> that has no definition yet as a host function of the
    /// import's type that traps when called (a <see cref="TrapCode.HostError"/> trap naming the import). For modules
    /// built for a richer host (CRuby's JavaScript bridge, say) run where that part is never called; a call is a trap,
    /// never a silent default.
    /// </summary>
    public Linker DefineUnknownImportsAsTraps(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        foreach (Import import in module.Imports)
        {
            if (import.Kind != ExternKind.Function || _definitions.ContainsKey((import.Module, import.Name)))
            {
                continue;
            }
            string name = $"{import.Module}::{import.Name}";
            DefineFunction(import.Module, import.Name, module.Model.Types[(int)import.FunctionTypeIndex], (_, _, _) =>
                throw new InvalidOperationException($"unknown import {name} was called (defined as a trap)"));
        }
        return this;
    }
}
