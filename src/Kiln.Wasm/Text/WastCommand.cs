namespace Kiln.Wasm.Text;

/// <summary>
/// One top-level command of a .wast script. The sealed subtypes below are the whole set in the
/// WebAssembly 2.0 script grammar; each carries the 1-based source line of its opening parenthesis
/// so a runner can report "file.wast:123". Expected-failure messages are kept verbatim: the spec
/// suite's wording is a hint, which runners compare loosely.
/// </summary>
public abstract record WastCommand(int Line);

/// <summary><c>(module $id? ...)</c>: define and instantiate a module; it becomes the current module and, with an id, is named.</summary>
public sealed record WastModuleCommand(int Line, WastModule Module) : WastCommand(Line);

/// <summary><c>(register "name" $id?)</c>: make the named (or current) instance's exports importable under module name <see cref="Name"/>.</summary>
public sealed record WastRegisterCommand(int Line, string Name, string? ModuleId) : WastCommand(Line);

/// <summary>A bare <c>(invoke ...)</c> or <c>(get ...)</c>: perform it; it must not trap.</summary>
public sealed record WastActionCommand(int Line, WastAction Action) : WastCommand(Line);

/// <summary><c>(assert_return action result*)</c>: the action returns values matching <see cref="Results"/>, in order.</summary>
public sealed record WastAssertReturn(int Line, WastAction Action, IReadOnlyList<WastExpected> Results) : WastCommand(Line);

/// <summary>
/// <c>(assert_trap action "msg")</c> or <c>(assert_trap (module ...) "msg")</c>: the action traps, or the
/// module links but traps during instantiation (e.g. in its start function). Exactly one of
/// <see cref="Action"/> and <see cref="Module"/> is set.
/// </summary>
public sealed record WastAssertTrap(int Line, WastAction? Action, WastModule? Module, string Message) : WastCommand(Line);

/// <summary><c>(assert_exhaustion action "msg")</c>: the action exhausts a resource (the call stack).</summary>
public sealed record WastAssertExhaustion(int Line, WastAction Action, string Message) : WastCommand(Line);

/// <summary><c>(assert_invalid module "msg")</c>: the module is well formed but fails validation.</summary>
public sealed record WastAssertInvalid(int Line, WastModule Module, string Message) : WastCommand(Line);

/// <summary><c>(assert_malformed module "msg")</c>: the module (binary or quoted text) fails to decode or parse.</summary>
public sealed record WastAssertMalformed(int Line, WastModule Module, string Message) : WastCommand(Line);

/// <summary><c>(assert_unlinkable module "msg")</c>: the module is valid but its imports cannot be resolved.</summary>
public sealed record WastAssertUnlinkable(int Line, WastModule Module, string Message) : WastCommand(Line);

/// <summary><c>(assert_uninstantiable module "msg")</c>: the module links, but instantiation fails (a trap in initialisation).</summary>
public sealed record WastAssertUninstantiable(int Line, WastModule Module, string Message) : WastCommand(Line);
