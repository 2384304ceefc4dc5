namespace Kiln;

/// <summary>
/// The module uses a feature this engine or tier does not implement yet (for example SIMD in the
/// interpreter). Raised at compile time, never while code runs.
/// </summary>
public sealed class UnsupportedFeatureException : Exception
{
    public UnsupportedFeatureException(string message)
        : base(message)
    {
    }
}
