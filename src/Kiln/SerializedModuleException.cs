namespace Kiln;

/// <summary>
/// A serialized module (<see cref="Module.Deserialize(Engine, ReadOnlySpan{byte}, string?)"/>) was refused before any of
/// its code was installed: the bytes are not such a file, are truncated or corrupted, or were written for another Kiln,
/// tier, CPU or code-shaping engine option. <see cref="Error"/> says which; the message names the file's and the
/// engine's values. Compiling the module again from its Wasm bytes is always the way out.
/// </summary>
public sealed class SerializedModuleException : Exception
{
    public SerializedModuleException(SerializedModuleError error, string message, Exception? inner = null)
        : base(message, inner)
    {
        Error = error;
    }

    /// <summary>Why the file was refused.</summary>
    public SerializedModuleError Error { get; }
}
