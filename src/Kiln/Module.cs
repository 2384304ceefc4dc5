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
public sealed partial class Module
{
    private Module(Engine engine, ValidationContext context, string? name)
    {
        WasmModule model = context.Module;
        Engine = engine;
        Model = model;
        Name = name ?? model.Names.ModuleName;
        SignatureIds = new int[model.Types.Count];
        for (int i = 0; i < SignatureIds.Length; i++)
        {
            SignatureIds[i] = engine.GetSignatureId(model.Types[i]);
        }
        CheckSupported(model);
        var translator = new Translator(context, SignatureIds);
        Functions = new InterpretedFunction?[model.Bodies.Count];
        if (model.Bodies.Count != model.FunctionTypeIndices.Count)
        {
            throw new InternalErrorException($"{model.FunctionTypeIndices.Count} functions declared but {model.Bodies.Count} bodies");
        }
        var interpreted = new bool[Functions.Length];
        if (engine.Options.Tier == Tier.Baseline)
        {
            for (int i = 0; i < interpreted.Length; i++)
            {
                interpreted[i] = engine.Options.InterpretFunction?.Invoke((uint)(model.ImportedFunctionCount + i)) == true;
            }
            Baseline = Kiln.Baseline.BaselineModule.Compile(engine, model, SignatureIds, Name, interpreted);
        }
        for (int i = 0; i < Functions.Length; i++)
        {
            if (Baseline is null || interpreted[i])
            {
                Functions[i] = translator.Translate((uint)i);
            }
        }
    }

    /// <summary>The baseline tier's code for this module; null on the interpreter tier.</summary>
    internal Kiln.Baseline.BaselineModule? Baseline { get; }

    public Engine Engine { get; }

    /// <summary>The module's name from its name section (or the one given), for backtraces.</summary>
    public string? Name { get; }

    /// <summary>The decoded module this was compiled from.</summary>
    public WasmModule Model { get; }

    public IReadOnlyList<Import> Imports => Model.Imports;

    public IReadOnlyList<Export> Exports => Model.Exports;

    /// <summary>Engine-wide signature id of each type index.</summary>
    internal int[] SignatureIds { get; }

    /// <summary>Translated code of each defined function (null for functions the baseline tier compiled).</summary>
    internal InterpretedFunction?[] Functions { get; }

    /// <summary>Decodes, validates and compiles a binary module.</summary>
    /// <exception cref="Wasm.MalformedModuleException">The bytes are not a well-formed module.</exception>
    /// <exception cref="Wasm.InvalidModuleException">The module breaks a validation rule.</exception>
    /// <exception cref="UnsupportedFeatureException">The module uses a feature the tier lacks (SIMD in the interpreter).</exception>
    public static Module FromBinary(Engine engine, ReadOnlyMemory<byte> bytes, string? name = null) =>
        FromWasmModule(engine, ModuleReader.Read(bytes), name);

    /// <summary>Parses, validates and compiles a module in the text format (WAT).</summary>
    public static Module FromText(Engine engine, string text, string? fileName = null)
    {
        WasmModule model = TextParser.ParseModule(text, fileName);
        return FromWasmModule(engine, model, model.Names.ModuleName);
    }

    /// <summary>Reads a <c>.wasm</c> or <c>.wat</c> file (chosen by the binary magic number) and compiles it.</summary>
    public static Module FromFile(Engine engine, string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bool binary = bytes.Length >= 4 && bytes[0] == 0 && bytes[1] == (byte)'a' && bytes[2] == (byte)'s' && bytes[3] == (byte)'m';
        return binary
            ? FromBinary(engine, bytes, Path.GetFileNameWithoutExtension(path))
            : FromText(engine, System.Text.Encoding.UTF8.GetString(bytes), path);
    }

    /// <summary>
    /// Validates and compiles a decoded module (from the binary reader, the text parser, or built
    /// in code). SECURITY: the translator and the interpreter rely on validity (operand types,
    /// index ranges), so an unvalidated model never reaches them.
    /// </summary>
    /// <exception cref="Wasm.InvalidModuleException">The module breaks a validation rule.</exception>
    public static Module FromWasmModule(Engine engine, WasmModule model, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(model);
        return new Module(engine, ModuleValidator.Validate(model), name);
    }

    private static void CheckSupported(WasmModule model)
    {
        foreach (Wasm.Model.Global g in model.Globals)
        {
            if (g.Type.ValueType == ValType.V128)
            {
                throw new UnsupportedFeatureException("v128 globals: the interpreter does not support SIMD yet");
            }
        }
        foreach (Import i in model.Imports)
        {
            if (i.Global is { ValueType: ValType.V128 })
            {
                throw new UnsupportedFeatureException("v128 globals: the interpreter does not support SIMD yet");
            }
        }
        if (model.Memories.Count + model.ImportedMemoryCount > 1)
        {
            throw new UnsupportedFeatureException("more than one memory (multi-memory is not part of WebAssembly 2.0)");
        }
    }
}
