using Kiln.Wasm.Model;

namespace Kiln;

/// <summary>
/// Resolves a module's imports by (module, name) and instantiates it. Definitions are host
/// functions, externs created by the embedder, or every export of an instance registered under a
/// module name (how one instance imports from another). Failures raise <see cref="LinkException"/>
/// with the spec's words.
/// </summary>
public sealed partial class Linker
{
    private readonly Dictionary<(string Module, string Name), Definition> _definitions = [];

    public Linker(Engine engine)
    {
        Engine = engine;
    }

    public Engine Engine { get; }

    /// <summary>When true, a later definition replaces an earlier one with the same name instead of failing.</summary>
    public bool AllowShadowing { get; set; }

    /// <summary>Host functions are not bound to a store until instantiation; externs are.</summary>
    private readonly record struct Definition(Extern? Extern, FuncType? HostType, HostThunk? HostThunk, System.Runtime.CompilerServices.ConditionalWeakTable<Store, Func>? PerStore);

    /// <summary>Defines <paramref name="module"/>.<paramref name="name"/> as <paramref name="value"/>.</summary>
    public Linker Define(string module, string name, Extern value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Add(module, name, new Definition(value, null, null, null));
        return this;
    }

    /// <summary>Defines every export of <paramref name="instance"/> under <paramref name="module"/> (the spec suite's "register").</summary>
    public Linker DefineInstance(string module, Instance instance)
    {
        foreach ((string name, Extern value) in instance.Exports)
        {
            Define(module, name, value);
        }
        return this;
    }

    /// <summary>Defines an untyped host function with an explicit type.</summary>
    public Linker DefineFunction(string module, string name, FuncType type, HostFunction callback)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(callback);
        return DefineHost(module, name, type, Func.UntypedThunk(type, callback));
    }

    /// <summary>
    /// Defines each function import of <paramref name="module"/> that has no definition yet as a host function of the
    /// import's type that fails when called, with a trap (<see cref="TrapCode.HostError"/>) whose inner exception names
    /// the import. For programs built for a richer host whose extra imports (a JavaScript bridge, say) are never
    /// called on this one; like Wasmtime's unknown-imports-trap. Missing tables, memories and globals still fail at
    /// <see cref="Instantiate"/>.
    /// </summary>
    /// <returns>The imports defined, as <c>module.name</c>.</returns>
    public IReadOnlyList<string> DefineUnknownImportsAsTraps(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var defined = new List<string>();
        foreach (Import import in module.Imports)
        {
            if (import.Kind != ExternKind.Function || _definitions.ContainsKey((import.Module, import.Name)))
            {
                continue;
            }
            string name = $"{import.Module}.{import.Name}";
            FuncType type = module.Model.Types[(int)import.FunctionTypeIndex];
            DefineFunction(import.Module, import.Name, type, (_, _, _) =>
                throw new InvalidOperationException($"the unknown import {name} was called (defined as a trap)"));
            defined.Add(name);
        }
        return defined;
    }

    /// <summary>Looks up a definition (for host functions, as a function of <paramref name="store"/>).</summary>
    public Extern? Get(Store store, string module, string name) =>
        _definitions.TryGetValue((module, name), out Definition d) ? Materialize(store, d, module, name) : null;

    /// <summary>Resolves the imports of <paramref name="module"/> and instantiates it in <paramref name="store"/>.</summary>
    /// <exception cref="LinkException">An import is missing ("unknown import") or has the wrong type ("incompatible import type").</exception>
    /// <exception cref="TrapException">A segment was out of bounds or the start function trapped.</exception>
    public Instance Instantiate(Store store, Module module)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(module);
        if (module.Engine != Engine || store.Engine != Engine)
        {
            throw new ArgumentException("the linker, module and store must share one engine");
        }
        var imports = new Extern[module.Imports.Count];
        for (int i = 0; i < imports.Length; i++)
        {
            Import import = module.Imports[i];
            if (!_definitions.TryGetValue((import.Module, import.Name), out Definition d))
            {
                throw LinkException.Unknown(import.Module, import.Name);
            }
            imports[i] = Materialize(store, d, import.Module, import.Name);
        }
        return Instance.Instantiate(store, module, imports);
    }

    private Linker DefineHost(string module, string name, FuncType type, HostThunk thunk)
    {
        Add(module, name, new Definition(null, type, thunk, new()));
        return this;
    }

    private static Extern Materialize(Store store, Definition d, string module, string name)
    {
        if (d.Extern is not null)
        {
            return d.Extern;
        }
        // One Func per store, so funcref identity holds within a store.
        if (!d.PerStore!.TryGetValue(store, out Func? f))
        {
            f = Func.CreateHost(store, d.HostType!, d.HostThunk!, $"{module}.{name}");
            d.PerStore.Add(store, f);
        }
        return f;
    }

    private void Add(string module, string name, Definition definition)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(name);
        if (!AllowShadowing && _definitions.ContainsKey((module, name)))
        {
            throw new ArgumentException($"\"{module}\" \"{name}\" is already defined (set AllowShadowing to replace it)");
        }
        _definitions[(module, name)] = definition;
    }
}
