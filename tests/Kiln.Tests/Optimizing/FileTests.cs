using Kiln.Optimizing.Ir;
using Kiln.Optimizing.Passes;

namespace Kiln.Tests.Optimizing;

/// <summary>
/// Cranelift-style filetests: each <c>filetests/*.ir</c> holds a <c>; passes: a b c</c> line, the input function,
/// a <c>; expected:</c> line, and the function the passes must produce. The input is parsed and verified, the passes
/// run (verified after each), and the printed result must equal the expectation; <c>KILN_BLESS=1</c> rewrites the
/// expectation after a deliberate change.
/// </summary>
public class FileTests
{
    private const string ExpectedMarker = "; expected:";

    public static TheoryData<string> Files() => OptimizingFiles.Names("filetests", "*.ir");

    [Theory]
    [MemberData(nameof(Files))]
    public void PassesProduceExpectedIr(string file)
    {
        string path = Path.Combine(OptimizingFiles.Directory("filetests"), file);
        string text = File.ReadAllText(path).ReplaceLineEndings("\n");
        int marker = text.IndexOf(ExpectedMarker + "\n", StringComparison.Ordinal);
        Assert.True(marker >= 0, $"{file}: no '{ExpectedMarker}' line");
        string input = text[..marker];
        string expected = text[(marker + ExpectedMarker.Length + 1)..];
        string passLine = input.Split('\n').FirstOrDefault(l => l.StartsWith("; passes:", StringComparison.Ordinal))
            ?? throw new InvalidDataException($"{file}: no '; passes:' line");
        string[] passes = passLine["; passes:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // With the inliner, the first function is the one transformed and the others are its callees, named %fnN
        // after the index a call uses.
        List<IrFunction> functions = passes.Contains(PassPipeline.Inline) ? IrParser.ParseAll(input) : [IrParser.Parse(input)];
        foreach (IrFunction g in functions)
        {
            IrVerifier.VerifyOrThrow(g);
        }
        IrFunction f = functions[0];
        PassPipeline.Run(f, passes, new NamedCallees(functions));
        string actual = IrPrinter.Print(f);
        if (OptimizingFiles.Bless)
        {
            File.WriteAllText(path, input + ExpectedMarker + "\n" + actual);
            return;
        }
        Assert.Equal(expected, actual);
    }

    /// <summary>Callees by name (<c>%fn3</c> for <c>call fn3</c>), never the caller itself.</summary>
    private sealed class NamedCallees(List<IrFunction> functions) : IInlineSource
    {
        public IrFunction? Callee(int functionIndex) =>
            functions.Skip(1).FirstOrDefault(g => g.Name == "fn" + functionIndex && g.Name != functions[0].Name);
    }

    [Fact]
    public void ThereAreFileTests() => Assert.True(Files().Count >= 8);
}
