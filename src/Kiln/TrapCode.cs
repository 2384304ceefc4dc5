namespace Kiln;

/// <summary>Why Wasm execution stopped abnormally. Each code has one message in the spec suite's words.</summary>
public enum TrapCode
{
    Unreachable,
    MemoryOutOfBounds,
    TableOutOfBounds,
    /// <summary>call_indirect with an index beyond the table ("undefined element").</summary>
    UndefinedElement,
    /// <summary>call_indirect through a null entry ("uninitialized element").</summary>
    UninitializedElement,
    IndirectCallTypeMismatch,
    IntegerDivideByZero,
    IntegerOverflow,
    InvalidConversionToInteger,
    CallStackExhausted,
    /// <summary>A host function threw; the original exception is the trap's InnerException.</summary>
    HostError,
    /// <summary>The embedder interrupted execution (<see cref="Store.Interrupt"/>).</summary>
    Interrupted,
    /// <summary>The store's fuel ran out.</summary>
    OutOfFuel,
}

/// <summary>Spec wording for <see cref="TrapCode"/>.</summary>
public static class TrapCodeExtensions
{
    /// <summary>The message the spec test suite's <c>assert_trap</c> expects (a prefix match).</summary>
    public static string ToMessage(this TrapCode code) => code switch
    {
        TrapCode.Unreachable => "unreachable",
        TrapCode.MemoryOutOfBounds => "out of bounds memory access",
        TrapCode.TableOutOfBounds => "out of bounds table access",
        TrapCode.UndefinedElement => "undefined element",
        TrapCode.UninitializedElement => "uninitialized element",
        TrapCode.IndirectCallTypeMismatch => "indirect call type mismatch",
        TrapCode.IntegerDivideByZero => "integer divide by zero",
        TrapCode.IntegerOverflow => "integer overflow",
        TrapCode.InvalidConversionToInteger => "invalid conversion to integer",
        TrapCode.CallStackExhausted => "call stack exhausted",
        TrapCode.HostError => "host function error",
        TrapCode.Interrupted => "interrupted",
        TrapCode.OutOfFuel => "all fuel consumed",
        _ => "trap",
    };
}
