namespace Kiln.Wasm.Text;

/// <summary>The two script actions.</summary>
public enum WastActionKind
{
    /// <summary><c>(invoke $id? "name" const*)</c>: call an exported function.</summary>
    Invoke,
    /// <summary><c>(get $id? "name")</c>: read an exported global.</summary>
    Get,
}
