using Kiln.Wasm.Text;

namespace Kiln.Wasm.Tests.Text;

/// <summary>
/// Converts every text module of the spec suite: modules that must be well formed (defined, or
/// expected to be invalid, unlinkable, uninstantiable or to trap) must convert; every quoted module
/// in <c>assert_malformed</c> must fail with a <see cref="MalformedModuleException"/> whose reason
/// contains the script's expected message (or is contained in it, as runners compare loosely).
/// </summary>
public sealed class SpecModuleTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static IEnumerable<(WastModule Module, string? Malformed, int Line)> Modules(WastScript script)
    {
        foreach (WastCommand command in script.Commands)
        {
            switch (command)
            {
                case WastModuleCommand c: yield return (c.Module, null, c.Line); break;
                case WastAssertTrap { Module: { } m } c: yield return (m, null, c.Line); break;
                case WastAssertInvalid c: yield return (c.Module, null, c.Line); break;
                case WastAssertUnlinkable c: yield return (c.Module, null, c.Line); break;
                case WastAssertUninstantiable c: yield return (c.Module, null, c.Line); break;
                case WastAssertMalformed c: yield return (c.Module, c.Message, c.Line); break;
            }
        }
    }

    [SpecTheory]
    [MemberData(nameof(SpecSuite.WastFileNames), MemberType = typeof(SpecSuite))]
    public void Text_modules_convert_and_malformed_quotes_fail(string fileName)
    {
        WastScript script = WastParser.ParseScript(File.ReadAllBytes(SpecSuite.PathOf(fileName)), fileName);
        var failures = new List<string>();
        foreach ((WastModule module, string? malformed, int line) in Modules(script))
        {
            bool mustBeMalformed = malformed is not null;
            if (module.Kind == WastModuleKind.Binary)
            {
                continue;
            }
            try
            {
                module.ParseText();
                if (mustBeMalformed)
                {
                    failures.Add($"{fileName}:{line}: malformed module was accepted");
                }
            }
            catch (MalformedModuleException e)
            {
                if (!mustBeMalformed)
                {
                    failures.Add($"{fileName}:{line}: {e.Message}");
                }
                else if (!e.Reason.Contains(malformed!, StringComparison.Ordinal) && !malformed!.Contains(e.Reason, StringComparison.Ordinal))
                {
                    failures.Add($"{fileName}:{line}: expected \"{malformed}\", got \"{e.Reason}\"");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [SpecFact]
    public void Suite_totals()
    {
        int converted = 0;
        int malformedQuotes = 0;
        int binary = 0;
        foreach (string file in SpecSuite.WastFiles())
        {
            WastScript script = WastParser.ParseScript(File.ReadAllBytes(file), Path.GetFileName(file));
            foreach ((WastModule module, string? malformed, int _) in Modules(script))
            {
                if (module.Kind == WastModuleKind.Binary)
                {
                    binary++;
                }
                else if (malformed is null)
                {
                    module.ParseText();
                    converted++;
                }
                else
                {
                    Assert.Throws<MalformedModuleException>(() => module.ParseText());
                    malformedQuotes++;
                }
            }
        }
        output.WriteLine($"{converted} text modules converted, {malformedQuotes} malformed quoted modules rejected, {binary} binary modules");
        Assert.Equal(1091, malformedQuotes);
        Assert.True(converted > 3000, $"{converted} text modules");
    }
}
