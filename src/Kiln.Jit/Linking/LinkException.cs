namespace Kiln.Jit.Linking;

/// <summary>
/// A link error: a relocation names a symbol with no address, a function the batch does not have, or
/// a rel32 whose target is more than 2 GiB away. Raised before any code is sealed, so nothing runs
/// with a wrong address.
/// </summary>
public sealed class LinkException : Exception
{
    public LinkException(string message) : base(message)
    {
    }
}
