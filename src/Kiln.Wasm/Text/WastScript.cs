namespace Kiln.Wasm.Text;

/// <summary>
/// A parsed WebAssembly spec test script (.wast): its commands in source order. Produced by
/// <see cref="WastParser.ParseScript(string, string)"/>; a runner walks <see cref="Commands"/>,
/// switching on the command type. Modules inside are kept unconverted until the runner asks
/// (<see cref="WastModule"/>), so one malformed module does not stop the script.
/// </summary>
public sealed class WastScript
{
    public WastScript(string fileName, IReadOnlyList<WastCommand> commands)
    {
        FileName = fileName;
        Commands = commands;
    }

    public string FileName { get; }

    public IReadOnlyList<WastCommand> Commands { get; }
}
