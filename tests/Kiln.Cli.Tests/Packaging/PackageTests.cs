using System.IO.Compression;
using System.Xml.Linq;

namespace Kiln.Cli.Tests.Packaging;

/// <summary>
/// <c>dotnet pack</c> of the solution yields the five library packages (XML docs and readme inside, the runtime
/// depending on the layers below it) and the <c>kiln</c> .NET tool, and the tool installs from the package folder
/// into an empty directory and runs an example, as a user's <c>dotnet tool install</c> would.
/// </summary>
public class PackageTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(10);

    [Fact]
    public void PackagesBuildAndTheToolInstallsAndRunsAnExample()
    {
        string root = ExternalTools.RepositoryRoot;
        string work = Path.Combine(Path.GetTempPath(), $"kiln-pack-{Environment.ProcessId}-{Guid.NewGuid():N}");
        string feed = Path.Combine(work, "feed");
        string tools = Path.Combine(work, "tools");
        try
        {
            ProcessResult pack = ExternalTools.Run(ExternalTools.DotnetHost, ["pack", Path.Combine(root, "Kiln.slnx"), "-c", "Release", "-o", feed, "--nologo"], s_timeout);
            Assert.True(pack.ExitCode == 0, $"dotnet pack failed:\n{pack.Stdout}\n{pack.Stderr}");

            foreach ((string id, string assembly) in new[] { ("Kiln.Jit", "Kiln.Jit"), ("Kiln.Wasm", "Kiln.Wasm"), ("Kiln", "Kiln.Runtime"), ("Kiln.Wasi", "Kiln.Wasi"), ("Kiln.Isolation", "Kiln.Isolation") })
            {
                using ZipArchive package = ZipFile.OpenRead(PackagePath(feed, id));
                string[] entries = [.. package.Entries.Select(e => e.FullName)];
                Assert.Contains($"lib/net10.0/{assembly}.dll", entries);
                Assert.Contains($"lib/net10.0/{assembly}.xml", entries);
                Assert.Contains("README.md", entries);
            }
            using (ZipArchive runtime = ZipFile.OpenRead(PackagePath(feed, "Kiln")))
            {
                string[] dependencies = [.. Nuspec(runtime).Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!)];
                Assert.Contains("Kiln.Jit", dependencies);
                Assert.Contains("Kiln.Wasm", dependencies);
            }
            using (ZipArchive tool = ZipFile.OpenRead(PackagePath(feed, "Kiln.Cli")))
            {
                string[] entries = [.. tool.Entries.Select(e => e.FullName)];
                Assert.Contains("tools/net10.0/any/DotnetToolSettings.xml", entries);
                Assert.Contains("tools/net10.0/any/kiln.dll", entries);
                Assert.Contains("tools/net10.0/any/Kiln.Jit.dll", entries);
                Assert.Contains("tools/net10.0/any/Kiln.Isolation.dll", entries);
                Assert.Contains(Nuspec(tool).Descendants(), e => e.Name.LocalName == "packageType" && (string?)e.Attribute("name") == "DotnetTool");
            }

            // A package cache of its own: the user's cache keeps the first Kiln.Cli 0.1.0 it saw, and would hand an
            // older build to the install.
            var isolated = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(work, "packages") };
            ProcessResult install = ExternalTools.Run(ExternalTools.DotnetHost, ["tool", "install", "--tool-path", tools, "--add-source", feed, "Kiln.Cli", "--version", PackageVersion(feed, "Kiln.Cli")], s_timeout, isolated);
            Assert.True(install.ExitCode == 0, $"dotnet tool install failed:\n{install.Stdout}\n{install.Stderr}");
            ProcessResult run = ExternalTools.Run(Path.Combine(tools, "kiln"), ["run", Path.Combine(root, "examples", "hello.wat")], TimeSpan.FromMinutes(2));
            Assert.True(run.ExitCode == 0, $"the installed kiln failed:\n{run.Stdout}\n{run.Stderr}");
            Assert.Equal("Hello from Kiln!", run.Stdout.Trim());
            // The installed tool starts itself again as the isolated child.
            ProcessResult isolatedRun = ExternalTools.Run(Path.Combine(tools, "kiln"), ["run", "--isolate", Path.Combine(root, "examples", "hello.wat")], TimeSpan.FromMinutes(2));
            Assert.True(isolatedRun.ExitCode == 0, $"the installed kiln failed under --isolate:\n{isolatedRun.Stdout}\n{isolatedRun.Stderr}");
            Assert.Equal("Hello from Kiln!", isolatedRun.Stdout.Trim());
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private static string PackagePath(string feed, string id)
    {
        // Kiln.0.1.0.nupkg, not Kiln.Jit.0.1.0.nupkg: the id is followed by the version's first digit.
        string[] matches = [.. Directory.GetFiles(feed, $"{id}.*.nupkg").Where(p => char.IsDigit(Path.GetFileName(p)[id.Length + 1]))];
        Assert.True(matches.Length == 1, $"expected one {id} package in {feed}, found: {string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName))}");
        return matches[0];
    }

    private static string PackageVersion(string feed, string id) =>
        Path.GetFileNameWithoutExtension(PackagePath(feed, id))[(id.Length + 1)..];

    private static XDocument Nuspec(ZipArchive package)
    {
        ZipArchiveEntry entry = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using Stream stream = entry.Open();
        return XDocument.Load(stream);
    }
}
