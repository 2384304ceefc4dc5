using Kiln.Wasm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Text;

namespace Kiln.Cli.Wast;

/// <summary>
/// Runs the commands of one .wast script in order against one store: modules are decoded,
/// validated, compiled for the engine's tier and instantiated with the <c>spectest</c> host module
/// and the instances the script registered. Every command yields a <see cref="WastOutcome"/>; no
/// exception escapes, so one broken command never hides the rest of the file.
/// </summary>
internal sealed class ScriptSession : IDisposable
{
    private readonly Engine _engine;
    private readonly Store _store;
    private readonly Linker _linker;
    private readonly Dictionary<string, Instance> _named = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, object> _externRefs = [];
    private readonly bool _viaCache;
    private Instance? _current;

    public ScriptSession(Engine engine, bool viaCache = false)
    {
        _engine = engine;
        _viaCache = viaCache;
        _store = new Store(engine);
        _linker = new Linker(engine) { AllowShadowing = true };
        SpecTestHost.Define(_linker, _store);
    }

    public void Dispose() => _store.Dispose();

    public WastOutcome Run(WastCommand command)
    {
        string kind = KindOf(command);
        try
        {
            string? failure = Execute(command);
            return failure is null ? WastOutcome.Pass(kind, command.Line) : WastOutcome.Fail(kind, command.Line, failure);
        }
        catch (Exception e)
        {
            return WastOutcome.Fail(kind, command.Line, "unexpected " + Describe(e));
        }
    }

    public static string KindOf(WastCommand command) => command switch
    {
        WastModuleCommand => "module",
        WastRegisterCommand => "register",
        WastActionCommand => "action",
        WastAssertReturn => "assert_return",
        WastAssertTrap => "assert_trap",
        WastAssertExhaustion => "assert_exhaustion",
        WastAssertInvalid => "assert_invalid",
        WastAssertMalformed => "assert_malformed",
        WastAssertUnlinkable => "assert_unlinkable",
        WastAssertUninstantiable => "assert_uninstantiable",
        _ => command.GetType().Name,
    };

    /// <summary>Runs one command; returns null when it passed, else what went wrong.</summary>
    private string? Execute(WastCommand command)
    {
        switch (command)
        {
            case WastModuleCommand m:
            {
                _current = null;
                Instance instance = _linker.Instantiate(_store, Compile(m.Module));
                _current = instance;
                if (m.Module.Id is { } id)
                {
                    _named[id] = instance;
                }
                return null;
            }
            case WastRegisterCommand r:
                _linker.DefineInstance(r.Name, Resolve(r.ModuleId));
                return null;
            case WastActionCommand a:
                Perform(a.Action);
                return null;
            case WastAssertReturn r:
                return CheckReturn(r);
            case WastAssertTrap { Action: { } action } t:
                return ExpectFailure(() => Perform(action), t.Message, e => e is TrapException);
            case WastAssertTrap { Module: { } module } t:
                return ExpectFailure(() => _linker.Instantiate(_store, Compile(module)), t.Message, e => e is TrapException);
            case WastAssertExhaustion x:
                return ExpectFailure(() => Perform(x.Action), x.Message, e => e is TrapException { Code: TrapCode.CallStackExhausted });
            case WastAssertInvalid i:
                return ExpectFailure(() => Compile(i.Module), i.Message, e => e is InvalidModuleException);
            case WastAssertMalformed m:
                return ExpectFailure(() => Compile(m.Module), m.Message, e => e is MalformedModuleException);
            case WastAssertUnlinkable u:
            {
                Module module = Compile(u.Module);
                return ExpectFailure(() => _linker.Instantiate(_store, module), u.Message, e => e is LinkException);
            }
            case WastAssertUninstantiable u:
            {
                Module module = Compile(u.Module);
                return ExpectFailure(() => _linker.Instantiate(_store, module), u.Message, e => e is TrapException);
            }
            default:
                return $"unknown command {command.GetType().Name}";
        }
    }

    private Module Compile(WastModule source)
    {
        WasmModule model = source.Kind == WastModuleKind.Binary ? ModuleReader.Read(source.Bytes) : source.ParseText();
        Module module = Module.FromWasmModule(_engine, model); // validates
        return _viaCache ? Module.Deserialize(_engine, module.Serialize()) : module;
    }

    private Instance Resolve(string? id)
    {
        if (id is null)
        {
            return _current ?? throw new WastScriptException("no current module (the last module command failed)");
        }
        return _named.TryGetValue(id, out Instance? instance) ? instance : throw new WastScriptException($"unknown module {id}");
    }

    private Value[] Perform(WastAction action)
    {
        Instance instance = Resolve(action.ModuleId);
        if (action.Kind == WastActionKind.Get)
        {
            Global global = instance.GetGlobal(action.Name) ?? throw new WastScriptException($"no exported global \"{action.Name}\"");
            return [global.Value];
        }
        Func func = instance.GetFunction(action.Name) ?? throw new WastScriptException($"no exported function \"{action.Name}\"");
        var args = new Value[action.Arguments.Count];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = ToValue(action.Arguments[i]);
        }
        return func.Invoke(args);
    }

    private string? CheckReturn(WastAssertReturn assert)
    {
        Value[] results;
        try
        {
            results = Perform(assert.Action);
        }
        catch (Exception e)
        {
            return $"expected [{string.Join(", ", assert.Results)}], got {Describe(e)}";
        }
        bool ok = results.Length == assert.Results.Count;
        for (int i = 0; ok && i < results.Length; i++)
        {
            ok = ResultMatcher.Matches(results[i], assert.Results[i], HostRef);
        }
        return ok ? null : $"expected [{string.Join(", ", assert.Results)}], got [{string.Join(", ", results)}]";
    }

    private static string? ExpectFailure(Action action, string expected, Func<Exception, bool> isExpectedKind)
    {
        try
        {
            action();
        }
        catch (Exception e) when (isExpectedKind(e))
        {
            string actual = ReasonOf(e);
            return MessageMatches(actual, expected) ? null : $"expected \"{expected}\", got the right kind of error with \"{actual}\"";
        }
        catch (Exception e)
        {
            return $"expected \"{expected}\", got {Describe(e)}";
        }
        return $"expected \"{expected}\", but it succeeded";
    }

    /// <summary>
    /// The reference interpreter checks that its error message starts with the script's text. Our
    /// reasons use the same words; they may carry more detail (so "contains"), or less where the
    /// reference interpreter appends an index ("uninitialized element 2"), so a non-empty reason
    /// that the expected text starts with also matches.
    /// </summary>
    internal static bool MessageMatches(string actual, string expected) =>
        actual.Contains(expected, StringComparison.Ordinal)
        || (actual.Length > 0 && expected.StartsWith(actual + " ", StringComparison.Ordinal));

    private static string ReasonOf(Exception e) => e switch
    {
        WasmModuleException m => m.Reason,
        LinkException l => l.Reason,
        TrapException t => t.Code.ToMessage() is var code && t.Message.StartsWith(code, StringComparison.Ordinal) ? t.Message : code,
        _ => e.Message,
    };

    internal static string Describe(Exception e) => e switch
    {
        MalformedModuleException m => $"malformed module: {m.Message}",
        InvalidModuleException i => $"invalid module: {i.Message}",
        LinkException l => $"link error: {l.Message}",
        TrapException t => $"trap: {t.Message}",
        UnsupportedFeatureException u => $"unsupported: {u.Message}",
        WastScriptException s => $"script error: {s.Message}",
        _ => $"internal error: {e.GetType().Name}: {e.Message}\n{e.StackTrace}",
    };

    private Value ToValue(WastValue v) => v.Type switch
    {
        ValType.I32 => Value.FromI32(unchecked((int)(uint)v.Bits)),
        ValType.I64 => Value.FromI64(unchecked((long)v.Bits)),
        ValType.F32 => Value.FromF32Bits((uint)v.Bits),
        ValType.F64 => Value.FromF64Bits(v.Bits),
        ValType.V128 => Value.FromV128(new V128(v.Bits, v.High)),
        ValType.ExternRef => v.IsNull ? Value.Null(ValType.ExternRef) : Value.FromExternRef(HostRef(v.Bits)),
        ValType.FuncRef when v.IsNull => Value.Null(ValType.FuncRef),
        _ => throw new WastScriptException($"cannot pass {v} as an argument"),
    };

    /// <summary>One distinct host object per <c>(ref.extern N)</c> number, so identity can be checked.</summary>
    private object HostRef(ulong n)
    {
        if (!_externRefs.TryGetValue(n, out object? reference))
        {
            reference = new HostReference(n);
            _externRefs[n] = reference;
        }
        return reference;
    }

    private sealed record HostReference(ulong Number)
    {
        public override string ToString() => $"ref.extern {Number}";
    }
}

/// <summary>A script that cannot be run as written (an unknown module id, a missing export).</summary>
internal sealed class WastScriptException(string message) : Exception(message);
