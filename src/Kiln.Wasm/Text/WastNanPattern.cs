namespace Kiln.Wasm.Text;

/// <summary>Spec 4.3.3 NaN classes that results may be checked against.</summary>
public enum WastNanPattern
{
    None,
    /// <summary><c>nan:canonical</c>: payload exactly the canonical one (only the top significand bit set), either sign.</summary>
    Canonical,
    /// <summary><c>nan:arithmetic</c>: top significand bit set, any other payload bits, either sign.</summary>
    Arithmetic,
}
