using System.Reflection;
using System.Xml.Linq;
using Kiln.Cli.Commands;

namespace Kiln.Cli.Tests;

/// <summary>
/// The CLI uses the runtime's public API only: the kiln assembly references no compiler-layer assembly (Kiln.Jit), and
/// its project keeps Kiln.Jit off the compile references (no direct reference, transitive references disabled), so
/// code that names a Kiln.Jit type does not build.
/// </summary>
public class LayeringTests
{
    [Fact]
    public void TheKilnAssemblyDoesNotReferenceKilnJit()
    {
        Assembly cli = typeof(VersionCommand).Assembly;
        Assert.Equal("kiln", cli.GetName().Name);
        string[] references = [.. cli.GetReferencedAssemblies().Select(a => a.Name!)];

        Assert.Contains("Kiln.Runtime", references);
        Assert.DoesNotContain("Kiln.Jit", references);
    }

    [Fact]
    public void TheCliProjectKeepsKilnJitOffTheCompileReferences()
    {
        XDocument project = XDocument.Load(Path.Combine(ExternalTools.RepositoryRoot, "src", "Kiln.Cli", "Kiln.Cli.csproj"));
        string[] references = [.. project.Descendants("ProjectReference").Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))];

        Assert.Contains("Kiln", references);
        Assert.DoesNotContain("Kiln.Jit", references);
        Assert.Equal("true", project.Descendants("DisableTransitiveProjectReferences").SingleOrDefault()?.Value);
    }
}
