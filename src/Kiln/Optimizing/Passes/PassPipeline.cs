using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Passes;

/// <summary>The passes by the names filetests and tools use, and a runner that verifies the IR after each one.</summary>
internal static class PassPipeline
{
    private static readonly Dictionary<string, Func<IrFunction, bool>> s_passes = new(StringComparer.Ordinal)
    {
        ["fold"] = ConstantFolding.Run,
        ["dce"] = DeadCodeElimination.Run,
        ["gvn"] = GlobalValueNumbering.Run,
        ["trivial-params"] = TrivialBlockParams.Run,
        ["licm"] = LoopInvariantCodeMotion.Run,
    };

    public static IEnumerable<string> Names => s_passes.Keys;

    /// <summary>Runs the named passes in order; each leaves IR the verifier accepts, or this throws naming the pass.</summary>
    /// <exception cref="ArgumentException">An unknown pass name.</exception>
    /// <exception cref="IrVerifierException">A pass broke an invariant.</exception>
    public static void Run(IrFunction f, IEnumerable<string> passes)
    {
        foreach (string name in passes)
        {
            if (!s_passes.TryGetValue(name, out Func<IrFunction, bool>? pass))
            {
                throw new ArgumentException($"unknown pass '{name}' (known: {string.Join(", ", s_passes.Keys)})");
            }
            pass(f);
            List<string> errors = IrVerifier.Verify(f);
            if (errors.Count > 0)
            {
                throw new IrVerifierException($"after pass {name}, function %{f.Name}:\n" + string.Join("\n", errors));
            }
        }
    }

    /// <summary>Runs the named passes in order without verifying between them (the compiler's path; tests verify).</summary>
    /// <exception cref="ArgumentException">An unknown pass name.</exception>
    public static void RunUnverified(IrFunction f, IEnumerable<string> passes)
    {
        foreach (string name in passes)
        {
            if (!s_passes.TryGetValue(name, out Func<IrFunction, bool>? pass))
            {
                throw new ArgumentException($"unknown pass '{name}' (known: {string.Join(", ", s_passes.Keys)})");
            }
            pass(f);
        }
    }

    /// <summary>The default optimization sequence: fold, merge equal values, hoist loop invariants, then clean up.</summary>
    public static readonly string[] Default = ["fold", "gvn", "fold", "licm", "dce", "trivial-params", "dce"];
}
