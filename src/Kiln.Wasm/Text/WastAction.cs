namespace Kiln.Wasm.Text;

/// <summary>
/// An action on a module instance: the most recently defined one when <see cref="ModuleId"/> is
/// null, otherwise the one defined (or registered) with that id. <see cref="Arguments"/> is empty for
/// <see cref="WastActionKind.Get"/>.
/// </summary>
public sealed record WastAction(int Line, WastActionKind Kind, string? ModuleId, string Name, IReadOnlyList<WastValue> Arguments);
