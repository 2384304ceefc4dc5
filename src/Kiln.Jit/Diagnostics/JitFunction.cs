namespace Kiln.Jit.Diagnostics;

/// <summary>
/// What the diagnostics need to know about one piece of generated code (a compiled function, a trampoline, a
/// stub): its name as profilers and debuggers will show it, where it is (a <see cref="CodeItem"/> of a batch, or an
/// absolute address and size inside sealed code), how its frame is laid out for unwinders, and optionally which
/// source lines its instructions come from.
/// </summary>
public sealed class JitFunction
{
    /// <summary>Describes <paramref name="item"/> (a function of a batch) under <paramref name="name"/>.</summary>
    public JitFunction(string name, CodeItem item, FrameLayout frame, IReadOnlyList<SourceLocation>? lines = null)
        : this(name, 0, item.Length, frame, lines)
    {
        if (item.Kind != CodeItemKind.Function)
        {
            throw new ArgumentException("Only functions are described to profilers and debuggers, not read-only data.", nameof(item));
        }
        Item = item;
    }

    /// <summary>
    /// Describes <paramref name="size"/> bytes of sealed code at <paramref name="address"/> (for code generators that
    /// place several functions in one code item), registered with <see cref="JitDiagnostics.Register(IReadOnlyList{JitFunction})"/>.
    /// </summary>
    public JitFunction(string name, nint address, int size, FrameLayout frame, IReadOnlyList<SourceLocation>? lines = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        if (frame.LastOffset > size)
        {
            throw new ArgumentException($"The frame layout refers to offset {frame.LastOffset}, past the end of the {size}-byte function '{name}'.", nameof(frame));
        }
        if (lines is not null)
        {
            int previous = -1;
            foreach (SourceLocation line in lines)
            {
                if (line.CodeOffset < previous || line.CodeOffset >= size || line.Line <= 0 || string.IsNullOrEmpty(line.File))
                {
                    throw new ArgumentException(
                        $"Line table of '{name}': entries need increasing code offsets inside the function (0..{size - 1}), a file and a line from 1; got {line}.",
                        nameof(lines));
                }
                previous = line.CodeOffset;
            }
        }
        Name = name;
        Address = address;
        Size = size;
        Frame = frame;
        Lines = lines ?? [];
    }

    /// <summary>The symbol name, e.g. <c>module!function</c>.</summary>
    public string Name { get; }

    /// <summary>The batch item, when the function was described by one.</summary>
    public CodeItem? Item { get; }

    /// <summary>The absolute address, when the function was described by one (0 for an item).</summary>
    public nint Address { get; }

    /// <summary>Bytes of code.</summary>
    public int Size { get; }

    public FrameLayout Frame { get; }

    /// <summary>The line table, sorted by code offset; empty when the compiler has none.</summary>
    public IReadOnlyList<SourceLocation> Lines { get; }
}
