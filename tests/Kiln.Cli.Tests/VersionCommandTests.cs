namespace Kiln.Cli.Tests;

public class VersionCommandTests
{
    [Fact]
    public void VersionPrintsVersionAndPlatform()
    {
        var (exit, output) = CliRunner.Run("version");
        Assert.Equal(0, exit);
        Assert.Matches(@"^kiln \d+\.\d+\.\d+", output);
        Assert.Contains("platform:", output);
        Assert.Matches(@"w\^x: (mprotect|dual-mapping)", output);
        Assert.Matches(@"bounds checks: (GuardPages|Explicit) \(", output);
    }
}
