namespace Kiln.Wasm.Model;

/// <summary>A global defined by the module: its type and its initializer.</summary>
public sealed record Global(GlobalType Type, ConstExpr Init);
