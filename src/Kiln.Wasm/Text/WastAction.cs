namespace Kiln.Wasm.Text;

public enum WastActionKind
{
    /// <summary><c>(invoke $id? "name" const*)</c>: call an exported function.</summary>
    Invoke,
    /// <summary><c>(get $id? "name")</c>: read an exported global.</summary>
    Get,
}

/// <summary>
/// An action on a module instance: the most recently defined one when <see cref="ModuleId"/> is
/// null, otherwise the one defined (or registered) with that id. <see cref="Arguments"/> is empty for
/// <see cref="WastActionKind.Get"/>.
/// </summary>
public sealed record WastAction(int Line, WastActionKind Kind, string? ModuleId, string Name, IReadOnlyList<WastValue> Arguments);
