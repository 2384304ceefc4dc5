using System.Text;
using System.Text.RegularExpressions;
using Kiln.Jit.X64;

namespace Kiln.Tests.Optimizing.Codegen;

/// <summary>
/// Golden disassembly of the optimizing tier: each <c>Golden/NAME.wat</c> is compiled with <see cref="Tier.Optimizing"/>
/// and every function's listing (function-relative offsets, Intel syntax as Iced decodes our bytes, absolute
/// addresses masked) is compared with <c>Golden/NAME.opt.txt</c>; <c>KILN_BLESS=1</c> rewrites the expectations after
/// a deliberate change. Files named <c>*-guard.wat</c> compile with guard pages, the others with explicit bounds checks.
/// Every function of these files must be optimized (none may fall back to the baseline compiler).
/// </summary>
public partial class OptimizingGoldenDisassemblyTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(GoldenDirectory(), "*.wat").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(path));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void ListingMatches(string name)
    {
        string dir = GoldenDirectory();
        BoundsCheckStrategy boundsChecks = name.EndsWith("-guard", StringComparison.Ordinal) ? BoundsCheckStrategy.GuardPages : BoundsCheckStrategy.Explicit;
        string actual = Listing(File.ReadAllText(Path.Combine(dir, name + ".wat")), boundsChecks);
        string expectedPath = Path.Combine(dir, name + ".opt.txt");
        if (Environment.GetEnvironmentVariable("KILN_BLESS") == "1")
        {
            File.WriteAllText(expectedPath, actual);
            return;
        }
        Assert.True(File.Exists(expectedPath), $"{expectedPath} is missing: run with KILN_BLESS=1 to create it");
        string expected = File.ReadAllText(expectedPath).ReplaceLineEndings("\n");
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void ThereAreGoldenFiles() => Assert.True(Files().Count >= 3);

    private static string Listing(string wat, BoundsCheckStrategy boundsChecks)
    {
        using var engine = new Engine(new EngineOptions { Tier = Tier.Optimizing, BoundsChecks = boundsChecks });
        Module module = Module.FromText(engine, wat);
        Assert.Equal(0, engine.OptimizingStatistics!.FellBack);
        var sb = new StringBuilder();
        foreach (CodeSymbol f in module.CompiledFunctions)
        {
            sb.Append(";; ").Append(f.Name).Append('\n');
            foreach (string line in Disassembler.Disassemble(module.GetMachineCode(f), 0))
            {
                Match m = LineShape().Match(line);
                Assert.True(m.Success, $"unexpected disassembler line: {line}");
                string text = Spaces().Replace(m.Groups["text"].Value.Trim(), " ");
                text = Address().Replace(text, m => ulong.Parse(m.Value.AsSpan(2), System.Globalization.NumberStyles.HexNumber) is var v && v <= uint.MaxValue ? $"0x{v:x}" : "<address>");
                sb.Append(Convert.ToInt32(m.Groups["addr"].Value, 16).ToString("x4")).Append("  ").Append(text).Append('\n');
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static string GoldenDirectory()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Kiln.slnx")))
            {
                return Path.Combine(d.FullName, "tests", "Kiln.Tests", "Optimizing", "Codegen", "Golden");
            }
        }
        throw new DirectoryNotFoundException("repository root (Kiln.slnx) not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^(?<addr>[0-9A-Fa-f]+)\s+[0-9A-Fa-f]+\+?\s+(?<text>.*)$")]
    private static partial Regex LineShape();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"0x[0-9A-Fa-f]{9,}")]
    private static partial Regex Address();
}
