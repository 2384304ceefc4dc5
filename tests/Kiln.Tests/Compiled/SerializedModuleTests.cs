using Kiln.Compiled;
using Kiln.Jit.X64;
using Kiln.Wasi;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Text;

namespace Kiln.Tests.Compiled;

/// <summary>
/// The code cache: a serialized module runs exactly as the module it was written from (results, traps and their
/// backtraces, WASI output, the machine code itself), and every way a file can be wrong is refused with its own
/// <see cref="SerializedModuleError"/> before anything is installed.
/// </summary>
public class SerializedModuleTests
{
    // Direct and indirect calls, memory with a data segment and guard-page accesses (trap sites), a global, a constant
    // from the read-only data, and a chain of calls that traps, for the backtrace.
    private const string Wat = """
        (module $cached
          (type $ii (func (param i32) (result i32)))
          (memory (export "memory") 1 4)
          (global $g (mut i32) (i32.const 5))
          (table 2 funcref)
          (elem (i32.const 0) $inc $dbl)
          (data (i32.const 16) "\2a\00\00\00")
          (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
          (func $dbl (type $ii) (i32.mul (local.get 0) (i32.const 2)))
          (func $fib (export "fib") (param i32) (result i32)
            (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
              (then (local.get 0))
              (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
          (func (export "indirect") (param i32 i32) (result i32) (call_indirect (type $ii) (local.get 1) (local.get 0)))
          (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
          (func (export "bump") (result i32) (global.set $g (i32.add (global.get $g) (call $inc (i32.const 0)))) (global.get $g))
          (func (export "float") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 1.5)))
          (func $inner (param i32) (result i32) (i32.load (i32.add (local.get 0) (i32.const 0x7fff0000))))
          (func $outer (export "oob") (param i32) (result i32) (call $inner (local.get 0)))
          (func $divide (export "divide") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))))
        """;

    private static readonly EngineOptions s_options = new() { Tier = Tier.Baseline, CompilationThreads = 1 };

    /// <summary>The module as a binary, so it keeps its bytes (and line tables name their offsets).</summary>
    private static byte[] Binary(string wat = Wat) => ModuleWriter.Write(TextParser.ParseModule(wat));

    private static byte[] SerializedBytes(EngineOptions? options = null, string wat = Wat)
    {
        using var engine = new Engine(options ?? s_options);
        return Module.FromBinary(engine, Binary(wat)).Serialize();
    }

    private static SerializedModuleException Refused(byte[] file, EngineOptions? options = null, CpuFeature? host = null)
    {
        using var engine = new Engine(options ?? s_options);
        return Assert.Throws<SerializedModuleException>(() => Module.Deserialize(engine, file, null, host ?? CpuFeatures.Host.Flags));
    }

    /// <summary>Rewrites a valid file with changed contents and a correct hash: what another Kiln, or a crafted file, looks like.</summary>
    private static byte[] Rewritten(byte[] file, Func<SerializedModule.Contents, SerializedModule.Contents> change)
    {
        using var engine = new Engine(s_options);
        SerializedModule.Contents contents = SerializedModule.Read(file, engine, CpuFeatures.Host.Flags);
        return SerializedModule.Write(change(contents), null);
    }

    private static Instance Instantiate(Module module, Store store) => new Linker(module.Engine).Instantiate(store, module);

    [Fact]
    public void ARoundTripRunsLikeTheCompiledModuleWithTheSameMachineCode()
    {
        using var engine = new Engine(s_options);
        Module compiled = Module.FromBinary(engine, Binary());
        byte[] file = compiled.Serialize();
        using var other = new Engine(s_options);
        Module loaded = Module.Deserialize(other, file);

        Assert.Equal("cached", loaded.Name);
        Assert.Equal(TimeSpan.Zero, loaded.CompileTime);
        Assert.Equal(compiled.CompiledFunctions.Select(f => f.Name), loaded.CompiledFunctions.Select(f => f.Name));
        for (int i = 0; i < compiled.CompiledFunctions.Count; i++)
        {
            Assert.Equal(compiled.GetMachineCode(compiled.CompiledFunctions[i]), loaded.GetMachineCode(loaded.CompiledFunctions[i]));
        }
        Assert.Equal(compiled.Code!.GetTrapSiteAddresses().Count, loaded.Code!.GetTrapSiteAddresses().Count);
        Assert.NotEmpty(loaded.Code.GetTrapSiteAddresses());

        using var store1 = new Store(engine);
        using var store2 = new Store(other);
        Instance a = Instantiate(compiled, store1);
        Instance b = Instantiate(loaded, store2);
        foreach (Instance instance in new[] { a, b })
        {
            Assert.Equal(6765, instance.GetFunction<int, int>("fib").Invoke(20));
            Assert.Equal(8, instance.GetFunction<int, int, int>("indirect").Invoke(1, 4));
            Assert.Equal(5, instance.GetFunction<int, int, int>("indirect").Invoke(0, 4));
            Assert.Equal(42, instance.GetFunction<int, int>("load").Invoke(16));
            Assert.Equal(6, instance.GetFunction<int>("bump").Invoke());
            Assert.Equal(7, instance.GetFunction<int>("bump").Invoke());
            Assert.Equal(3.75, instance.GetFunction<double, double>("float").Invoke(2.5));
        }
    }

    [Fact]
    public void AnObserverOfALoadedModuleGetsTheSameSymbolsLineTablesAndFrames()
    {
        var compiledObserver = new Observer();
        var loadedObserver = new Observer();
        using var engine = new Engine(s_options with { CodeObserver = compiledObserver });
        Module.FromBinary(engine, Binary());
        using var other = new Engine(s_options with { CodeObserver = loadedObserver });
        Module.Deserialize(other, SerializedBytes());

        CodeSymbol[] expected = [.. compiledObserver.Symbols.Where(s => s.Lines is not null)];
        CodeSymbol[] actual = [.. loadedObserver.Symbols.Where(s => s.Lines is not null)];
        Assert.Equal(10, expected.Length);
        Assert.Equal(expected.Select(s => s.Name), actual.Select(s => s.Name));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Size, actual[i].Size);
            Assert.Equal(expected[i].Frame, actual[i].Frame);
            Assert.Equal(expected[i].Lines!.File, actual[i].Lines!.File);
            Assert.Equal(expected[i].Lines!.Entries, actual[i].Lines!.Entries);
        }
        Assert.Contains(loadedObserver.Symbols, s => s.Name.Contains("entry_trampoline"));
    }

    private sealed class Observer : ICodeObserver
    {
        public List<CodeSymbol> Symbols { get; } = [];

        public void OnCodeSealed(IReadOnlyList<CodeSymbol> symbols) => Symbols.AddRange(symbols);
    }

    [Fact]
    public void ALoadedModuleSerializesToTheSameFile()
    {
        byte[] file = SerializedBytes();
        using var engine = new Engine(s_options);
        Module loaded = Module.Deserialize(engine, file);
        // The compiled functions' bodies were not validated on load; serializing compiles them, so validates them first.
        Assert.Equal(file, loaded.Serialize());
    }

    [Fact]
    public void TrapsOfALoadedModuleHaveTheSameCodesAndBacktraces()
    {
        using var engine = new Engine(s_options);
        Module compiled = Module.FromBinary(engine, Binary());
        using var other = new Engine(s_options);
        Module loaded = Module.Deserialize(other, compiled.Serialize());
        using var store1 = new Store(engine);
        using var store2 = new Store(other);
        Instance a = Instantiate(compiled, store1);
        Instance b = Instantiate(loaded, store2);

        foreach ((string export, int x, int y) in new[] { ("oob", 0x10000, 0), ("divide", 1, 0), ("divide", int.MinValue, -1) })
        {
            TrapException expected = Assert.Throws<TrapException>(() => Call(a, export, x, y));
            TrapException actual = Assert.Throws<TrapException>(() => Call(b, export, x, y));
            Assert.Equal(expected.Code, actual.Code);
            Assert.Equal(expected.Message, actual.Message);
            Assert.Equal(expected.Backtrace.Select(f => f.ToString()), actual.Backtrace.Select(f => f.ToString()));
        }
        // The guard-page trap came through the loaded trap sites, from $inner called by $outer.
        TrapException oob = Assert.Throws<TrapException>(() => Call(b, "oob", 0x10000, 0));
        Assert.Equal(TrapCode.MemoryOutOfBounds, oob.Code);
        Assert.Equal(["cached!inner", "cached!outer"], oob.Backtrace.Select(f => f.ToString()));
    }

    private static int Call(Instance instance, string export, int x, int y) => export == "oob"
        ? instance.GetFunction<int, int>(export).Invoke(x)
        : instance.GetFunction<int, int, int>(export).Invoke(x, y);

    [Fact]
    public void AWasiHelloRunsFromTheCache()
    {
        string hello = File.ReadAllText(Path.Combine(Kiln.TestSupport.ExternalTools.RepositoryRoot, "examples", "hello.wat"));
        byte[] file = SerializedBytes(wat: hello);
        using var engine = new Engine(s_options);
        Module module = Module.Deserialize(engine, file);
        using var store = new Store(engine);
        using var stdout = new MemoryStream();
        using WasiContext wasi = new WasiConfiguration().WithArguments("hello").WithStdout(stdout).Build();
        var linker = new Linker(engine);
        wasi.AddToLinker(linker);
        linker.Instantiate(store, module).GetFunction("_start")!.Invoke();
        wasi.FlushStreams();
        Assert.Equal("Hello from Kiln!\n", System.Text.Encoding.UTF8.GetString(stdout.ToArray()));
    }

    [Fact]
    public void ALazyModuleSerializesEveryFunctionAndLoadsWithoutStubs()
    {
        using var lazy = new Engine(s_options with { Compilation = CompilationMode.Lazy });
        Module module = Module.FromBinary(lazy, Binary());
        Assert.Empty(module.CompiledFunctions);
        byte[] file = module.Serialize();
        Assert.Equal(SerializedBytes(), file);

        Module loaded = Module.Deserialize(lazy, file);
        Assert.Equal(10, loaded.CompiledFunctions.Count);
        using var store = new Store(lazy);
        Assert.Equal(55, Instantiate(loaded, store).GetFunction<int, int>("fib").Invoke(10));
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(0, loaded.Code!.GetLazyStubEntries(i));
        }
    }

    [Fact]
    public void AModuleFromTextIsEmbeddedReencodedAndKeepsInterpretedFunctionsOnTheInterpreter()
    {
        // Even function indices on the interpreter: the file says which, and an engine that would compile them refuses it.
        EngineOptions mixed = s_options with { InterpretFunction = i => i % 2 == 0 };
        using var engine = new Engine(mixed);
        Module text = Module.FromText(engine, Wat);
        byte[] file = text.Serialize();
        Module loaded = Module.Deserialize(engine, file);
        Assert.Equal(5, loaded.CompiledFunctions.Count);
        using var store = new Store(engine);
        Assert.Equal(6765, Instantiate(loaded, store).GetFunction<int, int>("fib").Invoke(20));
        Assert.Equal(SerializedModuleError.EngineOptions, Refused(file).Error);
    }

    [Fact]
    public void ExplicitBoundsChecksRoundTripThroughAStreamAndAFile()
    {
        EngineOptions explicitChecks = s_options with { BoundsChecks = BoundsCheckStrategy.Explicit };
        using var engine = new Engine(explicitChecks);
        var stream = new MemoryStream();
        Module.FromBinary(engine, Binary()).Serialize(stream);
        string path = Path.Combine(Path.GetTempPath(), $"kiln-cache-{Guid.NewGuid():N}.kiln");
        File.WriteAllBytes(path, stream.ToArray());
        try
        {
            Module loaded = Module.DeserializeFile(engine, path);
            Assert.Empty(loaded.Code!.GetTrapSiteAddresses());
            using var store = new Store(engine);
            Instance instance = Instantiate(loaded, store);
            Assert.Equal(42, instance.GetFunction<int, int>("load").Invoke(16));
            TrapException trap = Assert.Throws<TrapException>(() => instance.GetFunction<int, int>("oob").Invoke(0x10000));
            Assert.Equal(TrapCode.MemoryOutOfBounds, trap.Code);
            Assert.Equal(["cached!inner", "cached!outer"], trap.Backtrace.Select(f => f.ToString()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SerializingAnInterpretedModuleIsAnError()
    {
        using var engine = new Engine(new EngineOptions { Tier = Tier.Interpreter });
        Assert.Throws<InvalidOperationException>(() => Module.FromBinary(engine, Binary()).Serialize());
    }

    [Fact]
    public void ATruncatedFileIsRefusedAtEveryCutPoint()
    {
        byte[] file = SerializedBytes();
        foreach (int cut in new[] { 1, 7, 8, 12, 23, 24, 40, file.Length / 2, file.Length - 33, file.Length - 32, file.Length - 1 })
        {
            SerializedModuleException e = Refused(file[..cut]);
            Assert.Equal(SerializedModuleError.Truncated, e.Error);
            Assert.Contains("truncated", e.Message);
        }
        Assert.Equal(SerializedModuleError.Truncated, Refused([.. file, 0]).Error);
    }

    [Fact]
    public void OneFlippedByteInTheHeaderCodeDataOrWasmFailsTheIntegrityCheck()
    {
        byte[] file = SerializedBytes();
        using var engine = new Engine(s_options);
        SerializedModule.Contents contents = SerializedModule.Read(file, engine, CpuFeatures.Host.Flags);
        CompiledChunk chunk = contents.Chunks.First(c => c.ReadOnlyData.Length > 0);
        int code = contents.Layout.CodeOffsets[contents.Chunks.ToList().IndexOf(chunk)];
        int data = code + chunk.Code.Length + 4;
        Assert.Equal(chunk.ReadOnlyData, file.AsSpan(data, chunk.ReadOnlyData.Length).ToArray());
        var places = new Dictionary<string, int>
        {
            ["header (Kiln version)"] = 26,
            ["header (Wasm SHA-256)"] = contents.Layout.HeaderEnd - 40,
            ["code"] = code + 10,
            ["read-only data"] = data,
            ["wasm"] = contents.Layout.WasmOffset + 20,
            ["hash"] = file.Length - 1,
        };
        foreach ((string where, int offset) in places)
        {
            byte[] flipped = (byte[])file.Clone();
            flipped[offset] ^= 0x10;
            SerializedModuleException e = Refused(flipped);
            Assert.True(e.Error == SerializedModuleError.IntegrityCheck, $"{where}: {e.Error}: {e.Message}");
            Assert.Contains("integrity check failed", e.Message);
        }
    }

    [Fact]
    public void WrongMagicAndWrongFormatVersionAreRefused()
    {
        byte[] wasm = Binary();
        Assert.Equal(SerializedModuleError.NotSerializedModule, Refused(wasm).Error);
        Assert.Contains("Wasm module", Refused(wasm).Message);
        Assert.Equal(SerializedModuleError.NotSerializedModule, Refused("hello, world"u8.ToArray()).Error);
        Assert.Equal(SerializedModuleError.NotSerializedModule, Refused([]).Error);
        Assert.False(Module.IsSerializedModule(wasm));

        byte[] file = SerializedBytes();
        Assert.True(Module.IsSerializedModule(file));
        // The header names the tier (what kiln run takes without --tier); anything else has none.
        Assert.Equal(Tier.Baseline, Module.SerializedTier(file));
        Assert.Null(Module.SerializedTier(wasm));
        Assert.Null(Module.SerializedTier(file.AsSpan(0, 30)));
        byte[] future = (byte[])file.Clone();
        future[8] = 2;
        Assert.Null(Module.SerializedTier(future));
        SerializedModuleException e = Refused(future);
        Assert.Equal(SerializedModuleError.FormatVersion, e.Error);
        Assert.Contains("format version 2", e.Message);
    }

    [Fact]
    public void AnotherKilnVersionIsRefused()
    {
        byte[] file = Rewritten(SerializedBytes(), c => c with { KilnVersion = "0.0.1+0123456789abcdef" });
        SerializedModuleException e = Refused(file);
        Assert.Equal(SerializedModuleError.KilnVersion, e.Error);
        Assert.Contains("0.0.1+0123456789abcdef", e.Message);
        Assert.Contains(SerializedModule.KilnVersion, e.Message);
    }

    [Fact]
    public void AMissingCpuFeatureIsRefused()
    {
        byte[] file = Rewritten(SerializedBytes(), c => c with { Features = CpuFeature.Sse41 | CpuFeature.Avx2 });
        SerializedModuleException e = Refused(file, host: CpuFeature.Sse41 | CpuFeature.Popcnt);
        Assert.Equal(SerializedModuleError.CpuFeatures, e.Error);
        Assert.Contains("lacks Avx2", e.Message);
        // The same file loads where the features are there.
        using var engine = new Engine(s_options);
        Module.Deserialize(engine, file, null, CpuFeature.Sse41 | CpuFeature.Avx2);
        // A feature no processor has (a bit this Kiln does not know) is refused through the public entry too.
        byte[] unknown = Rewritten(SerializedBytes(), c => c with { Features = (CpuFeature)(1 << 30) });
        Assert.Equal(SerializedModuleError.CpuFeatures, Assert.Throws<SerializedModuleException>(() => Module.Deserialize(engine, unknown)).Error);
    }

    [Fact]
    public void AnEngineWithOtherCodeShapingOptionsOrTierRefusesTheFile()
    {
        byte[] file = SerializedBytes();
        SerializedModuleException fuel = Refused(file, s_options with { ConsumeFuel = true });
        Assert.Equal(SerializedModuleError.EngineOptions, fuel.Error);
        Assert.Contains("fuel off", fuel.Message);
        SerializedModuleException bounds = Refused(file, s_options with { BoundsChecks = BoundsCheckStrategy.Explicit });
        Assert.Equal(SerializedModuleError.EngineOptions, bounds.Error);
        Assert.Contains("explicit compares", bounds.Message);
        SerializedModuleException interrupts = Refused(file, s_options with { InterruptChecks = false });
        Assert.Equal(SerializedModuleError.EngineOptions, interrupts.Error);
        Assert.Contains("interrupt checks on", interrupts.Message);
        // Options that do not shape code may differ: compilation mode, threads, limits.
        using (var engine = new Engine(s_options with { Compilation = CompilationMode.Lazy, CompilationThreads = 2, Limits = new StoreLimits { MaxCallDepth = 100 } }))
        {
            Module.Deserialize(engine, file);
        }
        // A file written with fuel loads into a fuel engine and meters.
        byte[] fueled = SerializedBytes(s_options with { ConsumeFuel = true });
        using (var engine = new Engine(s_options with { ConsumeFuel = true }))
        {
            Module module = Module.Deserialize(engine, fueled);
            using var store = new Store(engine);
            store.SetFuel(10);
            Assert.Equal(TrapCode.OutOfFuel, Assert.Throws<TrapException>(() => Instantiate(module, store).GetFunction<int, int>("fib").Invoke(20)).Code);
        }

        SerializedModuleException tier = Refused(file, new EngineOptions { Tier = Tier.Interpreter });
        Assert.Equal(SerializedModuleError.Tier, tier.Error);
        Assert.Contains("tier Baseline", tier.Message);
        byte[] otherTier = Rewritten(file, c => c with { Tier = (Tier)7 });
        Assert.Equal(SerializedModuleError.Tier, Refused(otherTier).Error);
    }

    [Fact]
    public void AKeyedFileLoadsOnlyWithTheSameKey()
    {
        byte[] key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
        EngineOptions keyed = s_options with { CodeCacheKey = key };
        byte[] file = SerializedBytes(keyed);
        // The options hold their own copy: changing the caller's array changes nothing.
        key.AsSpan().Clear();
        Assert.NotEqual(key, keyed.CodeCacheKey);
        key = keyed.CodeCacheKey!;
        using (var engine = new Engine(keyed))
        {
            Module.Deserialize(engine, file);
        }
        Assert.Equal(SerializedModuleError.IntegrityCheck, Refused(file).Error);
        Assert.Contains("no CodeCacheKey", Refused(file).Message);
        byte[] otherKey = (byte[])key.Clone();
        otherKey[0] ^= 1;
        Assert.Contains("another key", Refused(file, s_options with { CodeCacheKey = otherKey }).Message);
        Assert.Equal(SerializedModuleError.IntegrityCheck, Refused(SerializedBytes(), keyed).Error);
        // A plain hash recomputed over a changed keyed file does not pass the HMAC.
        byte[] resealed = (byte[])file.Clone();
        resealed[30] ^= 1;
        SerializedModule.Seal(resealed, null);
        Assert.Equal(SerializedModuleError.IntegrityCheck, Refused(resealed, keyed).Error);
    }

    [Fact]
    public void InconsistentContentsUnderAValidHashAreMalformed()
    {
        byte[] file = SerializedBytes();
        CompiledFunction Widen(CompiledFunction f) => f with { End = f.End + 1_000_000 };
        var cases = new Dictionary<string, Func<SerializedModule.Contents, SerializedModule.Contents>>
        {
            ["function past the code"] = c => c with { Chunks = [.. c.Chunks.Select(k => WithFunctions(k, [.. k.Functions.Select(Widen)]))] },
            ["function missing"] = c => c with { Chunks = [.. c.Chunks.Select(k => WithFunctions(k, [.. k.Functions.Skip(1)]))] },
            ["function twice"] = c => c with { Chunks = [.. c.Chunks, .. c.Chunks] },
            ["relocation outside its section"] = c => c with
            {
                Chunks = [.. c.Chunks.Select(k => k.Relocations.Length == 0 ? k : WithRelocations(k, [.. k.Relocations.Select(r => r with { Offset = k.Code.Length })]))],
            },
            ["wasm that is not valid"] = c => c with { Wasm = Binary("(module (func) (export \"f\" (func 3)))") },
        };
        foreach ((string what, var change) in cases)
        {
            SerializedModuleException e = Refused(Rewritten(file, change));
            Assert.True(e.Error == SerializedModuleError.Malformed, $"{what}: {e.Error}: {e.Message}");
        }
    }

    private static CompiledChunk WithFunctions(CompiledChunk chunk, CompiledFunction[] functions)
    {
        var copy = new CompiledChunk(chunk.Assembled) { TrapSites = chunk.TrapSites, TrapRecovery = chunk.TrapRecovery };
        copy.Functions.AddRange(functions);
        copy.Stubs.AddRange(chunk.Stubs);
        return copy;
    }

    private static CompiledChunk WithRelocations(CompiledChunk chunk, Jit.Linking.Relocation[] relocations)
    {
        var copy = new CompiledChunk(new AssembledCode(chunk.Code, chunk.ReadOnlyData, relocations)) { TrapSites = chunk.TrapSites, TrapRecovery = chunk.TrapRecovery };
        copy.Functions.AddRange(chunk.Functions);
        copy.Stubs.AddRange(chunk.Stubs);
        return copy;
    }

    [Fact]
    public void RandomCorruptionIsAlwaysAClearRefusal()
    {
        byte[] file = SerializedBytes();
        var random = new Random(20261207);
        using var engine = new Engine(s_options);
        for (int i = 0; i < 300; i++)
        {
            byte[] bad = Corrupt(file, random);
            var e = Assert.Throws<SerializedModuleException>(() => Module.Deserialize(engine, bad));
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
    }

    /// <summary>
    /// Past the hash (a file corrupted and then resealed, as someone who can rewrite it could): the reader's own checks
    /// turn every inconsistency into a <see cref="SerializedModuleException"/>; what stays consistent loads (and is
    /// not run: such code is exactly what the hash cannot stop, see the key option).
    /// </summary>
    [Fact]
    public void RandomCorruptionUnderARecomputedHashNeverEscapesAsAnotherException()
    {
        byte[] file = SerializedBytes();
        var random = new Random(7);
        using var engine = new Engine(s_options);
        int refused = 0;
        for (int i = 0; i < 400; i++)
        {
            byte[] bad = Corrupt(file, random, keepLength: true);
            SerializedModule.Seal(bad, null);
            try
            {
                Module.Deserialize(engine, bad);
            }
            catch (SerializedModuleException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
                refused++;
            }
        }
        Assert.InRange(refused, 100, 400);
    }

    private static byte[] Corrupt(byte[] file, Random random, bool keepLength = false)
    {
        byte[] bad = (byte[])file.Clone();
        switch (keepLength ? 0 : random.Next(3))
        {
            case 0:
                int flips = random.Next(1, 5);
                for (int k = 0; k < flips; k++)
                {
                    // Past the format version (whose own checks come before the hash) and before the trailer.
                    bad[random.Next(keepLength ? 16 : 0, bad.Length - (keepLength ? SerializedModule.HashSize : 0))] ^= (byte)random.Next(1, 256);
                }
                return bad;
            case 1:
                return bad[..random.Next(bad.Length)];
            default:
                return [.. bad, .. Enumerable.Range(0, random.Next(1, 9)).Select(_ => (byte)random.Next(256))];
        }
    }
}
