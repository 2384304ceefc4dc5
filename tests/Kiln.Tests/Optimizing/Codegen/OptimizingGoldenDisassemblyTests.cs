using Kiln.Tests.Support;

namespace Kiln.Tests.Optimizing.Codegen;

/// <summary>
/// Golden disassembly of the optimizing tier: each <c>Golden/NAME.wat</c> is compiled with <see cref="Tier.Optimizing"/>
/// and compared with <c>Golden/NAME.opt.txt</c> (<see cref="GoldenListing"/>; <c>KILN_BLESS=1</c> rewrites). Every
/// function of these files must be optimized (none may fall back to the baseline compiler).
/// </summary>
public class OptimizingGoldenDisassemblyTests
{
    private static readonly string[] s_folder = ["tests", "Kiln.Tests", "Optimizing", "Codegen", "Golden"];

    public static TheoryData<string> Files() => GoldenListing.Files(s_folder);

    [Theory]
    [MemberData(nameof(Files))]
    public void ListingMatches(string name) =>
        GoldenListing.Check(s_folder, name, "opt", Tier.Optimizing, engine => Assert.Equal(0, engine.OptimizingStatistics!.FellBack));

    [Fact]
    public void ThereAreGoldenFiles() => Assert.True(Files().Count >= 3);
}
