namespace Kiln;

/// <summary>
/// Instantiation failed to resolve an import. <see cref="Reason"/> uses the spec suite's words
/// ("unknown import", "incompatible import type"); the message adds which import.
/// </summary>
public sealed class LinkException : Exception
{
    public LinkException(string reason, string module, string name, string? detail = null)
        : base(detail is null ? $"{reason}: \"{module}\" \"{name}\"" : $"{reason}: \"{module}\" \"{name}\": {detail}")
    {
        Reason = reason;
        ImportModule = module;
        ImportName = name;
    }

    public string Reason { get; }

    public string ImportModule { get; }

    public string ImportName { get; }

    internal static LinkException Unknown(string module, string name) => new("unknown import", module, name);

    internal static LinkException Incompatible(string module, string name, string detail) =>
        new("incompatible import type", module, name, detail);
}
