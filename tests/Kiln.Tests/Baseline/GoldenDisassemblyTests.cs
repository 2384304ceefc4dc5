using Kiln.Tests.Support;

namespace Kiln.Tests.Baseline;

/// <summary>
/// Golden disassembly of the baseline tier: each <c>Golden/NAME.wat</c> is compiled by the baseline compiler and
/// compared with <c>Golden/NAME.baseline.txt</c> (<see cref="GoldenListing"/>; <c>KILN_BLESS=1</c> rewrites).
/// </summary>
public class GoldenDisassemblyTests
{
    private static readonly string[] s_folder = ["tests", "Kiln.Tests", "Baseline", "Golden"];

    public static TheoryData<string> Files() => GoldenListing.Files(s_folder);

    [Theory]
    [MemberData(nameof(Files))]
    public void ListingMatches(string name) => GoldenListing.Check(s_folder, name, "baseline", Tier.Baseline);

    [Fact]
    public void ThereAreGoldenFiles() => Assert.True(Files().Count >= 4);
}
