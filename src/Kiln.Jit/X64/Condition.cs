namespace Kiln.Jit.X64;

/// <summary>
/// Condition codes of jcc/setcc/cmovcc, numbered as the low nibble of their opcodes (Intel SDM Vol. 2,
/// appendix B.1.4.7), so encoding is an addition. Aliases name the unsigned/signed/equality readings.
/// </summary>
public enum Condition : byte
{
    Overflow = 0x0,
    NoOverflow = 0x1,
    Below = 0x2,
    AboveOrEqual = 0x3,
    Equal = 0x4,
    NotEqual = 0x5,
    BelowOrEqual = 0x6,
    Above = 0x7,
    Sign = 0x8,
    NotSign = 0x9,
    Parity = 0xA,
    NoParity = 0xB,
    Less = 0xC,
    GreaterOrEqual = 0xD,
    LessOrEqual = 0xE,
    Greater = 0xF,

    Carry = Below,
    NoCarry = AboveOrEqual,
    Zero = Equal,
    NotZero = NotEqual,
}
