using System.Text;
using System.Text.RegularExpressions;
using Kiln.Jit.X64;

namespace Kiln.Tests.Support;

/// <summary>
/// The golden-disassembly harness of the compiling tiers: each <c>NAME.wat</c> of a tier's golden folder is compiled
/// and every function's listing (function-relative offsets, Intel syntax as Iced decodes our bytes, absolute addresses
/// masked) is compared with <c>NAME.SUFFIX.txt</c>. A deliberate change to the generated code is accepted by running
/// the tests with <c>KILN_BLESS=1</c>, which rewrites the expected files; otherwise any difference fails. Files named
/// <c>*-guard.wat</c> compile with guard-page bounds checks, the others with explicit checks, so each listing is the
/// same whatever the platform default is.
/// </summary>
internal static partial class GoldenListing
{
    /// <summary>The names (without <c>.wat</c>) in the golden folder below the repository root, in ordinal order.</summary>
    public static TheoryData<string> Files(params string[] folder)
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(FolderPath(folder), "*.wat").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(path));
        }
        return data;
    }

    /// <summary>
    /// Compiles <c>NAME.wat</c> on <paramref name="tier"/> and compares its listing with <c>NAME.SUFFIX.txt</c> (or
    /// rewrites that under <c>KILN_BLESS=1</c>). <paramref name="checkEngine"/> asserts on the engine after compiling.
    /// </summary>
    public static void Check(string[] folder, string name, string suffix, Tier tier, Action<Engine>? checkEngine = null)
    {
        string dir = FolderPath(folder);
        BoundsCheckStrategy boundsChecks = name.EndsWith("-guard", StringComparison.Ordinal) ? BoundsCheckStrategy.GuardPages : BoundsCheckStrategy.Explicit;
        string actual = Listing(File.ReadAllText(Path.Combine(dir, name + ".wat")), tier, boundsChecks, checkEngine);
        string expectedPath = Path.Combine(dir, name + "." + suffix + ".txt");
        if (Environment.GetEnvironmentVariable("KILN_BLESS") == "1")
        {
            File.WriteAllText(expectedPath, actual);
            return;
        }
        Assert.True(File.Exists(expectedPath), $"{expectedPath} is missing: run with KILN_BLESS=1 to create it");
        string expected = File.ReadAllText(expectedPath).ReplaceLineEndings("\n");
        Assert.Equal(expected, actual);
    }

    private static string Listing(string wat, Tier tier, BoundsCheckStrategy boundsChecks, Action<Engine>? checkEngine)
    {
        using var engine = new Engine(new EngineOptions { Tier = tier, BoundsChecks = boundsChecks });
        Module module = Module.FromText(engine, wat);
        checkEngine?.Invoke(engine);
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

    private static string FolderPath(string[] folder)
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Kiln.slnx")))
            {
                return Path.Combine([d.FullName, .. folder]);
            }
        }
        throw new DirectoryNotFoundException("repository root (Kiln.slnx) not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^(?<addr>[0-9A-Fa-f]+)\s+[0-9A-Fa-f]+\+?\s+(?<text>.*)$")]
    private static partial Regex LineShape();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    // Branch targets are function-relative (small); helper entry points are absolute addresses that change from run to run.
    [GeneratedRegex(@"0x[0-9A-Fa-f]{9,}")]
    private static partial Regex Address();
}
