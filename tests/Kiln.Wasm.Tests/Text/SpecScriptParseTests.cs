using Kiln.Wasm.Text;

namespace Kiln.Wasm.Tests.Text;

/// <summary>Every script of the spec suite must parse as a script (modules are converted in <see cref="SpecModuleTests"/>).</summary>
public sealed class SpecScriptParseTests
{
    [SpecTheory]
    [MemberData(nameof(SpecSuite.WastFileNames), MemberType = typeof(SpecSuite))]
    public void Script_parses(string fileName)
    {
        string path = SpecSuite.PathOf(fileName);
        WastScript script = WastParser.ParseScript(File.ReadAllBytes(path), fileName);
        Assert.NotEmpty(script.Commands);
    }

    [SpecFact]
    public void Whole_suite_is_148_scripts_and_parses()
    {
        string[] files = SpecSuite.WastFiles().ToArray();
        Assert.Equal(148, files.Length);
        int commands = 0;
        foreach (string file in files)
        {
            commands += WastParser.ParseScript(File.ReadAllBytes(file), Path.GetFileName(file)).Commands.Count;
        }
        Assert.True(commands > 50_000, $"only {commands} commands");
    }
}
