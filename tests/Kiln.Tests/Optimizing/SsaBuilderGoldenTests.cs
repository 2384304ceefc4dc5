using Kiln.Optimizing.Ir;

namespace Kiln.Tests.Optimizing;

/// <summary>
/// WAT in, IR out: each <c>builder/*.wat</c> is built function by function, verified, and printed; the text must
/// equal the <c>.ir</c> file beside it (<c>KILN_BLESS=1</c> rewrites it after a deliberate change). The printed IR is
/// also parsed back and printed again, so every golden file is a round-trip test of the text form too.
/// </summary>
public class SsaBuilderGoldenTests
{
    public static TheoryData<string> Files() => OptimizingFiles.Names("builder", "*.wat");

    [Theory]
    [MemberData(nameof(Files))]
    public void BuildsExpectedIr(string file)
    {
        string dir = OptimizingFiles.Directory("builder");
        var text = new System.Text.StringBuilder();
        foreach (IrFunction f in OptimizingFiles.Build(File.ReadAllText(Path.Combine(dir, file))))
        {
            string printed = IrPrinter.Print(f);
            Assert.Equal(printed, IrPrinter.Print(IrParser.Parse(printed)));
            text.Append(printed);
        }
        OptimizingFiles.Check(Path.Combine(dir, Path.ChangeExtension(file, ".ir")), text.ToString());
    }

    [Fact]
    public void ThereAreGoldenFiles() => Assert.True(Files().Count >= 5);
}
