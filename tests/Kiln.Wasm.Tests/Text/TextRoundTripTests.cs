using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Text;
using Kiln.Wasm.Validation;

namespace Kiln.Wasm.Tests.Text;

/// <summary>
/// Every text module of the spec suite goes text → model → bytes → <see cref="ModuleReader"/> → bytes:
/// the reader must accept what <see cref="ModuleWriter"/> writes, and re-encoding its model must give
/// the same bytes. The text model is also validated: modules the scripts use must validate, modules in
/// <c>assert_invalid</c> must be rejected as invalid, so the parser resolves and encodes as the spec means.
/// </summary>
public sealed class TextRoundTripTests
{
    [SpecTheory]
    [MemberData(nameof(SpecSuite.WastFileNames), MemberType = typeof(SpecSuite))]
    public void Text_modules_round_trip_and_validate(string fileName)
    {
        WastScript script = WastParser.ParseScript(File.ReadAllBytes(SpecSuite.PathOf(fileName)), fileName);
        var failures = new List<string>();
        foreach (WastCommand command in script.Commands)
        {
            (WastModule? module, bool mustBeValid) = command switch
            {
                WastModuleCommand c => (c.Module, true),
                WastAssertUnlinkable c => (c.Module, true),
                WastAssertUninstantiable c => (c.Module, true),
                WastAssertTrap c => (c.Module, true),
                WastAssertInvalid c => (c.Module, false),
                _ => ((WastModule?)null, false),
            };
            if (module is null || module.Kind == WastModuleKind.Binary)
            {
                continue;
            }
            string where = $"{fileName}:{module.Line}";
            WasmModule model = module.ParseText();
            byte[] bytes = ModuleWriter.Write(model);
            try
            {
                byte[] again = ModuleWriter.Write(ModuleReader.Read(bytes));
                if (!again.AsSpan().SequenceEqual(bytes))
                {
                    failures.Add($"{where}: re-encoding the reader's model changed the bytes");
                }
            }
            catch (MalformedModuleException e)
            {
                failures.Add($"{where}: the reader rejects the written module: {e.Message}");
                continue;
            }
            try
            {
                ModuleValidator.Validate(model);
                if (!mustBeValid)
                {
                    failures.Add($"{where}: invalid module validates");
                }
            }
            catch (InvalidModuleException e) when (mustBeValid)
            {
                failures.Add($"{where}: {e.Message}");
            }
            catch (InvalidModuleException)
            {
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
