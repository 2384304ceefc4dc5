using Kiln.Tests.Support;

namespace Kiln.Tests.Differential;

/// <summary>
/// Turns a seed into a random valid module with binaryen's <c>wasm-opt --translate-to-fuzz</c>,
/// which reads arbitrary bytes as choices and emits a module importing <c>fuzzing-support</c>
/// log functions and exporting functions to call. The bytes come from a SplitMix64 stream of the
/// seed, so a seed names the same module on every machine with the same wasm-opt version.
/// </summary>
internal static class RandomModuleGenerator
{
    /// <summary>
    /// WebAssembly 2.0 without SIMD, the features every Kiln tier runs. Reference types are
    /// left out: binaryen 108 treats funcref as a subtype of externref (the pre-standard
    /// anyref), so its modules would not validate under the final specification.
    /// </summary>
    public static readonly string[] Features =
    [
        "--mvp-features", "--enable-sign-ext", "--enable-mutable-globals",
        "--enable-nontrapping-float-to-int", "--enable-bulk-memory", "--enable-multivalue",
    ];

    /// <summary>The fixed-width SIMD proposal of WebAssembly 2.0, on top of <see cref="Features"/>.</summary>
    public static readonly string[] SimdFeatures = [.. Features, "--enable-simd"];

    /// <summary>Writes the module of <paramref name="seed"/> into <paramref name="directory"/> and returns its path.</summary>
    /// <param name="denan">Instrument the module to turn NaNs into 0 (binaryen's <c>--denan</c>), so memory contents are bit-exact across engines.</param>
    /// <param name="optimize">Run binaryen's -O2 over the generated module: optimized code has other shapes (fewer blocks, more locals, br_table, select) than the generator's.</param>
    /// <param name="simd">Let the module use v128 and the SIMD instructions (<see cref="SimdFeatures"/>).</param>
    public static string Generate(ulong seed, string directory, bool denan, bool optimize = false, bool simd = false)
    {
        string wasmOpt = ExternalTools.Require(ExternalTools.WasmOpt, "wasm-opt");
        Directory.CreateDirectory(directory);
        string input = Path.Combine(directory, $"seed-{seed}.bin");
        string output = Path.Combine(directory, $"seed-{seed}.wasm");
        File.WriteAllBytes(input, RandomBytes(seed));
        List<string> args = [input, "--translate-to-fuzz", .. simd ? SimdFeatures : Features, "-o", output];
        if (denan)
        {
            args.Add("--denan");
        }
        if (optimize)
        {
            args.Add("-O2");
        }
        (int code, _, string stderr) = ExternalTools.Run(wasmOpt, args, TimeSpan.FromSeconds(60));
        File.Delete(input);
        if (code != 0)
        {
            throw new InvalidOperationException($"wasm-opt failed on seed {seed}: {stderr}");
        }
        return output;
    }

    /// <summary>1 to 16 KiB of SplitMix64 output; larger inputs give binaryen more choices, so larger modules.</summary>
    public static byte[] RandomBytes(ulong seed)
    {
        ulong state = seed * 0x9E3779B97F4A7C15UL + 0x2545F4914F6CDD1DUL;
        int length = 1024 + (int)(Next(ref state) % (15 * 1024));
        var bytes = new byte[length];
        for (int i = 0; i < length; i += 8)
        {
            ulong word = Next(ref state);
            for (int j = 0; j < 8 && i + j < length; j++)
            {
                bytes[i + j] = (byte)(word >> (8 * j));
            }
        }
        return bytes;
    }

    private static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
