using Kiln.Compiled;
using Kiln.Wasm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Validation;

namespace Kiln;

/// <summary>
/// The code cache: a module's machine code written to one file with its Wasm bytes, and loaded again without
/// compiling (Wasmtime's <c>Module::serialize</c>/<c>deserialize</c>, the <c>.cwasm</c> idea). The format is
/// <see cref="SerializedModule"/>; docs/ARCHITECTURE.md "Code cache" explains what is checked and why.
/// </summary>
public sealed partial class Module
{
    /// <summary>
    /// The module as a serialized module: a header (Kiln version, tier, CPU features and code-shaping engine options
    /// the code was compiled for), the Wasm bytes, the machine code of every function that is not interpreted with its
    /// relocations, trap sites, frames and line tables, and a SHA-256 (HMAC-SHA256 with
    /// <see cref="EngineOptions.CodeCacheKey"/>) over the file. All functions are written, whether the engine compiles
    /// eagerly or lazily: this compiles the module's functions once more (the compilers are deterministic, so the
    /// bytes are those the module runs) rather than keep a copy of every module's code for a call that most never make.
    /// </summary>
    /// <exception cref="InvalidOperationException">The module runs on the interpreter tier, which produces no machine code.</exception>
    public byte[] Serialize()
    {
        ModuleCode code = Code ?? throw new InvalidOperationException("a module of the interpreter tier has no machine code to serialize");
        // Line tables name offsets of the bytes the model was read from: only kept when those are the bytes embedded.
        byte[] wasm = Binary ?? ModuleWriter.Write(Model);
        List<CompiledChunk> chunks = NativeCodeException.Translate(() => code.CompileForSerialization(recordsLines: Binary is not null));
        var interpreted = new bool[Model.Bodies.Count];
        for (int i = 0; i < interpreted.Length; i++)
        {
            interpreted[i] = code.IsInterpreted(i);
        }
        // The compilers are given the host's features (Engine.CreateCompiler), so the code may use any of them.
        var contents = new SerializedModule.Contents(SerializedModule.KilnVersion, Engine.Options.Tier, Jit.X64.CpuFeatures.Host.Flags,
            SerializedModule.OptionsOf(Engine), interpreted, Name, wasm, chunks);
        return SerializedModule.Write(contents, Engine.Options.CodeCacheKey);
    }

    /// <summary>Writes <see cref="Serialize()"/>'s bytes to <paramref name="destination"/>.</summary>
    public void Serialize(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(Serialize());
    }

    /// <summary>True when <paramref name="bytes"/> start like a serialized module (by its magic, whatever the file is called).</summary>
    public static bool IsSerializedModule(ReadOnlySpan<byte> bytes) => SerializedModule.HasMagic(bytes);

    /// <summary>
    /// The tier whose code a serialized module holds (its engine must run that tier), read from the header alone; null
    /// when <paramref name="bytes"/> are not a serialized module of this Kiln. <see cref="Deserialize(Engine, ReadOnlySpan{byte}, string?)"/>
    /// still checks the whole file.
    /// </summary>
    public static Tier? SerializedTier(ReadOnlySpan<byte> bytes) => SerializedModule.PeekTier(bytes);

    /// <summary>
    /// Loads a serialized module written by <see cref="Serialize()"/>: checks the file's integrity, that it was written by
    /// this Kiln for the engine's tier and code-shaping options (fuel, bounds checks, interpreted functions) and for CPU
    /// features this process has, validates the embedded Wasm module again, and installs all its code as one sealed
    /// batch, without compiling. Profiler and debugger registration happen as for a compiled module.
    /// </summary>
    /// <param name="name">The module's name for backtraces and symbols; null keeps the name it was serialized with.</param>
    /// <exception cref="SerializedModuleException">The file is refused (<see cref="SerializedModuleException.Error"/> says why); nothing was installed.</exception>
    public static Module Deserialize(Engine engine, ReadOnlySpan<byte> bytes, string? name = null) =>
        Deserialize(engine, bytes, name, Jit.X64.CpuFeatures.Host.Flags);

    /// <summary>Reads the file at <paramref name="path"/> and loads it as <see cref="Deserialize(Engine, ReadOnlySpan{byte}, string?)"/> does.</summary>
    public static Module DeserializeFile(Engine engine, string path, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        return Deserialize(engine, File.ReadAllBytes(path), name);
    }

    /// <summary>The loader, with the CPU features the host is taken to have (tests stand in for a smaller CPU).</summary>
    internal static Module Deserialize(Engine engine, ReadOnlySpan<byte> bytes, string? name, Jit.X64.CpuFeature host)
    {
        ArgumentNullException.ThrowIfNull(engine);
        SerializedModule.Contents contents = SerializedModule.Read(bytes, engine, host);
        // SECURITY: validation stays the only door for what the runtime itself reads: the embedded module is decoded and
        // validated again (types, imports, segments, globals, exports, the start function, and the bodies of functions
        // that run on the interpreter), not trusted because the hash matched. The bodies of compiled functions are
        // skipped: nothing reads them (their code is in the file; ModuleCode validates them before any compiler would),
        // and whoever could change a body could change its machine code instead, which only the hash or the key stops.
        bool[] interpreted = contents.Interpreted;
        ValidationContext context;
        try
        {
            context = ModuleValidator.ValidateExceptBodies(ModuleReader.Read(contents.Wasm), i => i < interpreted.Length && !interpreted[i]);
        }
        catch (WasmModuleException e)
        {
            throw new SerializedModuleException(SerializedModuleError.Malformed, $"the embedded Wasm module is not valid: {e.Message}", e);
        }
        return NativeCodeException.Translate(() => new Module(engine, context, name ?? contents.Name, contents.Wasm, contents));
    }

    /// <summary>A serialized module holds code for exactly the functions the engine would compile.</summary>
    private static bool[] CheckInterpreted(bool[] engine, bool[] file)
    {
        if (engine.Length != file.Length)
        {
            throw new SerializedModuleException(SerializedModuleError.Malformed, $"the header counts {file.Length} defined functions, the module has {engine.Length}");
        }
        for (int i = 0; i < engine.Length; i++)
        {
            if (engine[i] != file[i])
            {
                throw new SerializedModuleException(SerializedModuleError.EngineOptions,
                    $"defined function {i} is {(file[i] ? "interpreted" : "compiled")} in the file but {(engine[i] ? "interpreted" : "compiled")} by the engine's InterpretFunction");
            }
        }
        return engine;
    }
}
