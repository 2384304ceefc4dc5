using Kiln.Wasm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Validation;
using Xunit.Abstractions;

using Kiln.Tests.Support;

namespace Kiln.Tests.Differential;

/// <summary>
/// Mutation fuzzing of the whole pipeline: random valid modules from binaryen get bytes flipped,
/// inserted, deleted or overwritten with interesting values; every mutant goes through the
/// decoder and validator, and the ones that still validate are compiled and run on every tier.
/// Only Kiln's documented outcomes are allowed (a module error, an unsupported feature, a trap,
/// a result): any other exception fails the test and the mutant is kept. Mutants that run to the
/// end on the interpreter are compared with it on every other tier, like the random modules. Fuel and small memory
/// limits bound what a mutant (which lost binaryen's hang limit) can do. <c>KILN_MUTATION_MODULES</c>
/// and <c>KILN_MUTATIONS</c> scale it.
/// </summary>
public sealed class MutationFuzzTests(ITestOutputHelper output)
{
    private static readonly byte[] s_interesting = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x40, 0x0B, 0x0F, 0x10, 0x11, 0x20, 0x41, 0x6A, 0xFC];

    [ToolFact("wasm-opt")]
    public void MutatedModulesOnlyEndInKilnOutcomes()
    {
        int modules = EnvNumber("KILN_MUTATION_MODULES", 12);
        int mutations = EnvNumber("KILN_MUTATIONS", 60);
        string work = Directory.CreateTempSubdirectory("kiln-mutate-").FullName;
        Tier[] tiers = Enum.GetValues<Tier>().Where(t => TraceRecorder.IsTierAvailable(t, out _)).ToArray();
        int rejected = 0, valid = 0, runs = 0;
        var outcomes = new Dictionary<string, int>();
        var failures = new List<string>();
        try
        {
            for (int m = 0; m < modules; m++)
            {
                ulong seed = 100_000 + (ulong)m;
                byte[] original = File.ReadAllBytes(RandomModuleGenerator.Generate(seed, work, denan: false));
                var random = new Random((int)seed);
                for (int k = 0; k < mutations; k++)
                {
                    byte[] mutant = Mutate(original, random);
                    string? failure = RunMutant(mutant, tiers, outcomes, ref rejected, ref valid, ref runs);
                    if (failure is not null)
                    {
                        string kept = Path.Combine(Path.GetTempPath(), $"kiln-mutant-{seed}-{k}.wasm");
                        File.WriteAllBytes(kept, mutant);
                        failures.Add($"{kept}: {failure}");
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        output.WriteLine($"tiers: {string.Join(", ", tiers)}; mutants: {modules * mutations}, rejected: {rejected}, valid: {valid}, tier runs: {runs}");
        foreach ((string kind, int n) in outcomes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {kind}: {n}");
        }
        Assert.True(failures.Count == 0, "mutants that escaped Kiln's error types:\n" + string.Join("\n", failures));
        // The test must exercise execution, not only the decoder: some mutants have to survive validation.
        Assert.True(valid > 0, "no mutant validated, so no tier ran one");
    }

    private static string? RunMutant(byte[] mutant, Tier[] tiers, Dictionary<string, int> outcomes, ref int rejected, ref int valid, ref int runs)
    {
        WasmModule model;
        try
        {
            model = ModuleReader.Read(mutant);
            ModuleValidator.Validate(model);
        }
        catch (WasmModuleException)
        {
            rejected++;
            return null;
        }
        catch (Exception e)
        {
            return $"decoder/validator threw {e.GetType().Name}: {e.Message}";
        }
        valid++;
        CallPlan plan = CallPlan.For("mutant", model);
        List<string>? oracle = null;
        foreach (Tier tier in tiers)
        {
            var options = new EngineOptions
            {
                Tier = tier,
                ConsumeFuel = true,
                Limits = new StoreLimits { MaxMemoryPages = 256, MaxTableElements = 100_000, MaxCallDepth = 2_000 },
            };
            try
            {
                List<string> trace = TraceRecorder.Record(model, plan, options, fuel: 200_000, TimeSpan.FromSeconds(5));
                runs++;
                // Mutants are differential tests too, except where fuel or the watchdog cut a run
                // short (tiers need not meter fuel at the same instructions).
                bool cut = trace.Any(l => l is "trap OutOfFuel" or "trap Interrupted");
                if (tier == Tier.Interpreter)
                {
                    oracle = cut ? null : trace;
                }
                else if (oracle is not null && !cut && TraceComparison.Compare(oracle, trace, nanBitsMayDiffer: true) is { } difference)
                {
                    return $"{tier} differs from the interpreter: {difference}";
                }
                foreach (string line in trace.Where(l => !l.StartsWith("call ", StringComparison.Ordinal) && !l.StartsWith("mem ", StringComparison.Ordinal) && !l.StartsWith("log ", StringComparison.Ordinal)))
                {
                    string kind = line.StartsWith("result", StringComparison.Ordinal) ? "result" : string.Join(' ', line.Split(' ').Take(2));
                    outcomes[kind] = outcomes.GetValueOrDefault(kind) + 1;
                    if (kind.StartsWith("internal-error", StringComparison.Ordinal))
                    {
                        return $"{tier}: {line}";
                    }
                }
            }
            catch (Exception e)
            {
                return $"{tier} threw {e.GetType().Name}: {e.Message}";
            }
        }
        return null;
    }

    /// <summary>
    /// Usually one edit, sometimes two to four. Three in four edits overwrite bytes inside the code section, keeping every size
    /// field intact, so the mutant usually still decodes and the validator, then the compilers, see
    /// it; the rest insert or delete anywhere and mostly exercise the decoder's error paths.
    /// </summary>
    private static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = new List<byte>(original);
        (int codeStart, int codeEnd) = CodeSection(original);
        int edits = random.Next(4) == 0 ? 2 + random.Next(3) : 1;
        for (int e = 0; e < edits; e++)
        {
            bool inCode = codeEnd > codeStart && random.Next(4) != 0;
            int at = inCode ? codeStart + random.Next(codeEnd - codeStart) : 8 + random.Next(bytes.Count - 8);
            switch (inCode ? random.Next(3) : 3 + random.Next(2))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[at] = s_interesting[random.Next(s_interesting.Length)];
                    break;
                case 2:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 3:
                    bytes.Insert(at, s_interesting[random.Next(s_interesting.Length)]);
                    break;
                default:
                    bytes.RemoveAt(at);
                    break;
            }
            if (!inCode)
            {
                (codeStart, codeEnd) = CodeSection(bytes.ToArray());
            }
        }
        return bytes.ToArray();
    }

    /// <summary>The payload range of the code section (id 10), or an empty range when the section headers do not parse.</summary>
    private static (int Start, int End) CodeSection(byte[] module)
    {
        int p = 8;
        while (p < module.Length)
        {
            byte id = module[p++];
            uint size = 0;
            for (int shift = 0; ; shift += 7)
            {
                if (p >= module.Length || shift > 28)
                {
                    return (0, 0);
                }
                byte b = module[p++];
                size |= (uint)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    break;
                }
            }
            if (size > module.Length - p)
            {
                return (0, 0);
            }
            if (id == 10)
            {
                return (p, p + (int)size);
            }
            p += (int)size;
        }
        return (0, 0);
    }

    private static int EnvNumber(string name, int fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : fallback;
}
