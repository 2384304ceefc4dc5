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

        IrFunction f = IrParser.Parse(input);
        IrVerifier.VerifyOrThrow(f);
        PassPipeline.Run(f, passes);
        string actual = IrPrinter.Print(f);
        if (OptimizingFiles.Bless)
        {
            File.WriteAllText(path, input + ExpectedMarker + "\n" + actual);
            return;
        }
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void ThereAreFileTests() => Assert.True(Files().Count >= 8);
}
