using Kiln.Compiled;
using Kiln.Interpreter;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Text;
using Kiln.Wasm.Validation;

namespace Kiln;

/// <summary>
/// A compiled module: the validated structure plus each function translated for the engine's tier.
/// Immutable and shareable between stores of the same engine; instantiate it with a
/// <see cref="Linker"/>.
/// </summary>
/// <remarks>
/// SECURITY: validation is the only door. A module keeps a private model that nothing outside the
/// runtime can reach: <see cref="FromWasmModule"/> validates a deep copy of the caller's model and
/// <see cref="FromBinary"/> reads a copy of the caller's bytes, so neither a later change to the
/// caller's model or buffer nor anything this class hands out (read-only import and export lists,
/// immutable types, <see cref="ToWasmModule"/>'s copies) can change what the tiers compile, also when
/// they compile lazily long after validation.
/// </remarks>
public sealed partial class Module
{
    private Module(Engine engine, ValidationContext context, string? name, byte[]? binary = null, SerializedModule.Contents? serialized = null)
    {
        WasmModule model = context.Module;
        Engine = engine;
        Model = model;
        Binary = binary;
        Imports = model.Imports.AsReadOnly();
        Exports = model.Exports.AsReadOnly();
        Name = name ?? model.Names.ModuleName;
        SignatureIds = new int[model.Types.Count];
        for (int i = 0; i < SignatureIds.Length; i++)
        {
            SignatureIds[i] = engine.GetSignatureId(model.Types[i]);
        }
        CheckSupported(model);
        // One resolution of the index spaces for every tier that compiles this module.
        var spaces = new Kiln.FrontEnd.IndexSpaces(context);
        var translator = new Translator(spaces, SignatureIds);
        Functions = new InterpretedFunction?[model.Bodies.Count];
        if (model.Bodies.Count != model.FunctionTypeIndices.Count)
        {
            throw new InternalErrorException($"{model.FunctionTypeIndices.Count} functions declared but {model.Bodies.Count} bodies");
        }
        var interpreted = new bool[Functions.Length];
        if (engine.Compiles)
        {
            for (int i = 0; i < interpreted.Length; i++)
            {
                interpreted[i] = engine.Options.InterpretFunction?.Invoke((uint)(model.ImportedFunctionCount + i)) == true;
            }
            Code = serialized is null
                ? ModuleCode.Compile(engine, spaces, Name, interpreted)
                : ModuleCode.Load(engine, spaces, Name, CheckInterpreted(interpreted, serialized.Interpreted), serialized.Chunks);
        }
        for (int i = 0; i < Functions.Length; i++)
        {
            if (Code is null || interpreted[i])
            {
                Functions[i] = translator.Translate((uint)i);
            }
        }
    }

    /// <summary>
    /// The binary the model was read from (its bodies are slices of it, so keeping it costs nothing), embedded by
    /// <see cref="Serialize()"/>; null for a module from text or from a model, which serializes as re-encoded bytes.
    /// </summary>
    internal byte[]? Binary { get; }

    /// <summary>The module's machine code, shared by all its instances, whichever tier compiled it; null on the interpreter tier.</summary>
    internal ModuleCode? Code { get; }

    public Engine Engine { get; }

    /// <summary>The module's name from its name section (or the one given), for backtraces.</summary>
    public string? Name { get; }

    /// <summary>The validated model: the runtime's own copy, never handed out (see the remarks above).</summary>
    internal WasmModule Model { get; }

    /// <summary>What the module imports, in index-space order (a read-only view).</summary>
    public IReadOnlyList<Import> Imports { get; }

    /// <summary>What the module exports (a read-only view).</summary>
    public IReadOnlyList<Export> Exports { get; }

    /// <summary>Whether the module has a start function, which instantiation runs.</summary>
    public bool HasStartFunction => Model.StartFunction is not null;

    /// <summary>
    /// A fresh copy of the validated model, for tools that inspect or transform it. Changing the
    /// copy changes nothing in this module; compile the result with <see cref="FromWasmModule"/>.
    /// </summary>
    public WasmModule ToWasmModule() => Model.DeepCopy();

    /// <summary>Engine-wide signature id of each type index (copied into each instance's vmctx for compiled code).</summary>
    internal int[] SignatureIds { get; }

    /// <summary>Translated code of each defined function (null for functions compiled to machine code).</summary>
    internal InterpretedFunction?[] Functions { get; }

    /// <summary>Decodes, validates and compiles a binary module.</summary>
    /// <exception cref="Wasm.MalformedModuleException">The bytes are not a well-formed module.</exception>
    /// <exception cref="Wasm.InvalidModuleException">The module breaks a validation rule.</exception>
    /// <exception cref="UnsupportedFeatureException">The module uses a feature the tier or the CPU lacks (SIMD in the baseline compiler on a CPU without SSSE3 and SSE4.1).</exception>
    public static Module FromBinary(Engine engine, ReadOnlyMemory<byte> bytes, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        // SECURITY: the model's bodies are slices of the bytes it was read from; read a copy the caller cannot reach.
        byte[] copy = bytes.ToArray();
        return FromOwnedModel(engine, ModuleReader.Read(copy), name, copy);
    }

    /// <summary>Parses, validates and compiles a module in the text format (WAT).</summary>
    public static Module FromText(Engine engine, string text, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        WasmModule model = TextParser.ParseModule(text, fileName);
        return FromOwnedModel(engine, model, model.Names.ModuleName);
    }

    /// <summary>Reads a <c>.wasm</c> or <c>.wat</c> file (chosen by the binary magic number) and compiles it.</summary>
    public static Module FromFile(Engine engine, string path)
    {
        ArgumentNullException.ThrowIfNull(engine);
        byte[] bytes = File.ReadAllBytes(path);
        bool binary = bytes.Length >= 4 && bytes[0] == 0 && bytes[1] == (byte)'a' && bytes[2] == (byte)'s' && bytes[3] == (byte)'m';
        // The buffer is this method's own, so the model read from it needs no copy.
        return binary
            ? FromOwnedModel(engine, ModuleReader.Read(bytes), Path.GetFileNameWithoutExtension(path), bytes)
            : FromText(engine, System.Text.Encoding.UTF8.GetString(bytes), path);
    }

    /// <summary>
    /// Validates and compiles a decoded module (from the binary reader, the text parser, or built
    /// in code). The module takes a deep copy of <paramref name="model"/>: changing the model (or
    /// the bytes it was read from) afterwards does not change the module.
    /// SECURITY: the translator and the compilers rely on validity (operand types, index ranges),
    /// so only the copy that was validated ever reaches them.
    /// </summary>
    /// <exception cref="Wasm.InvalidModuleException">The module breaks a validation rule.</exception>
    public static Module FromWasmModule(Engine engine, WasmModule model, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(model);
        return FromOwnedModel(engine, model.DeepCopy(), name);
    }

    /// <summary>Validates and compiles a model that no code outside the runtime holds (read from <paramref name="binary"/> when given).</summary>
    private static Module FromOwnedModel(Engine engine, WasmModule model, string? name, byte[]? binary = null) =>
        NativeCodeException.Translate(() => new Module(engine, ModuleValidator.Validate(model), name, binary));

    private static void CheckSupported(WasmModule model)
    {
        if (model.Memories.Count + model.ImportedMemoryCount > 1)
        {
            throw new UnsupportedFeatureException("more than one memory (multi-memory is not part of WebAssembly 2.0)");
        }
    }
}
