namespace Kiln.Jit.X64;

/// <summary>
/// Predicate immediate of cmpps/cmppd (Intel SDM Vol. 2, CMPPS, table 3-1): each lane becomes all ones
/// when the predicate holds, else zero. Values 0..7 exist in every encoding; the greater-than forms are
/// VEX-only (vcmpps/vcmppd), where they save the operand swap a legacy compare needs.
/// </summary>
public enum FloatComparison : byte
{
    /// <summary>EQ_OQ: false when either lane is NaN (Wasm <c>eq</c>).</summary>
    Equal = 0,
    /// <summary>LT_OS (Wasm <c>lt</c>; <c>gt</c> with the operands swapped).</summary>
    LessThan = 1,
    /// <summary>LE_OS (Wasm <c>le</c>; <c>ge</c> with the operands swapped).</summary>
    LessOrEqual = 2,
    /// <summary>UNORD_Q: true when either lane is NaN.</summary>
    Unordered = 3,
    /// <summary>NEQ_UQ: true when either lane is NaN (Wasm <c>ne</c>).</summary>
    NotEqual = 4,
    /// <summary>NLT_US: not less than, true when unordered.</summary>
    NotLessThan = 5,
    /// <summary>NLE_US: not less or equal, true when unordered.</summary>
    NotLessOrEqual = 6,
    /// <summary>ORD_Q: true when neither lane is NaN.</summary>
    Ordered = 7,
    /// <summary>GE_OS, VEX only.</summary>
    GreaterOrEqual = 0x0D,
    /// <summary>GT_OS, VEX only.</summary>
    GreaterThan = 0x0E,
}
