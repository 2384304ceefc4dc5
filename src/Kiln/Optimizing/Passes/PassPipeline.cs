using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Passes;

/// <summary>
/// The passes by the names filetests and tools use, and a runner that verifies the IR after each one. <c>inline</c>
/// (<see cref="Inliner"/>) needs to see other functions, so it runs only when the caller passes an
/// <see cref="IInlineSource"/>.
/// </summary>
internal static class PassPipeline
{
    private static readonly Dictionary<string, Func<IrFunction, bool>> s_passes = new(StringComparer.Ordinal)
    {
        ["fold"] = ConstantFolding.Run,
        ["dce"] = DeadCodeElimination.Run,
        ["gvn"] = GlobalValueNumbering.Run,
        ["trivial-params"] = TrivialBlockParams.Run,
        ["licm"] = LoopInvariantCodeMotion.Run,
        ["sink-compares"] = CompareSinking.Run,
    };

    /// <summary>The inliner's name: it takes an <see cref="IInlineSource"/> besides the function.</summary>
    public const string Inline = "inline";

    public static IEnumerable<string> Names => s_passes.Keys.Append(Inline);

    /// <summary>Runs the named passes in order; each leaves IR the verifier accepts, or this throws naming the pass.</summary>
    /// <exception cref="ArgumentException">An unknown pass name.</exception>
    /// <exception cref="IrVerifierException">A pass broke an invariant.</exception>
    public static void Run(IrFunction f, IEnumerable<string> passes, IInlineSource? inlining = null)
    {
        foreach (string name in passes)
        {
            RunPass(f, name, inlining);
            List<string> errors = IrVerifier.Verify(f);
            if (errors.Count > 0)
            {
                throw new IrVerifierException($"after pass {name}, function %{f.Name}:\n" + string.Join("\n", errors));
            }
        }
    }

    /// <summary>Runs the named passes in order without verifying in between (what a compiler does once the passes are trusted).</summary>
    /// <exception cref="ArgumentException">An unknown pass name.</exception>
    public static void RunUnverified(IrFunction f, IEnumerable<string> passes, IInlineSource? inlining = null)
    {
        foreach (string name in passes)
        {
            RunPass(f, name, inlining);
        }
    }

    private static void RunPass(IrFunction f, string name, IInlineSource? inlining)
    {
        if (name == Inline)
        {
            _ = Inliner.Run(f, inlining ?? throw new ArgumentException($"pass '{Inline}' needs the callees (an {nameof(IInlineSource)})"));
            return;
        }
        if (!s_passes.TryGetValue(name, out Func<IrFunction, bool>? pass))
        {
            throw new ArgumentException($"unknown pass '{name}' (known: {string.Join(", ", Names)})");
        }
        pass(f);
    }

    /// <summary>
    /// The default optimization sequence: fold, merge equal values, hoist loop invariants, clean up, then move compares
    /// next to the branches that use them.
    /// </summary>
    public static readonly string[] Default = ["fold", "gvn", "fold", "licm", "dce", "trivial-params", "dce", "sink-compares"];
}
