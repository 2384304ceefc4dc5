namespace Kiln;

/// <summary>
/// A tier met input it cannot handle although a valid module would never contain it: a bug in
/// Kiln or an unvalidated module. Reported as an error instead of crashing the process.
/// </summary>
public sealed class InternalErrorException : Exception
{
    public InternalErrorException(string message)
        : base("internal error: " + message)
    {
    }
}
