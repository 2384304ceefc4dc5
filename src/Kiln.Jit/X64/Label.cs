namespace Kiln.Jit.X64;

/// <summary>
/// A position in the code being assembled, created unbound and bound once. Only an index into the
/// assembler's label table, so creating and passing labels allocates nothing.
/// </summary>
public readonly struct Label : IEquatable<Label>
{
    internal readonly int Id;

    internal Label(int id) => Id = id;

    /// <summary>False for <c>default(Label)</c>, which no assembler hands out.</summary>
    public bool IsValid => Id > 0;

    public bool Equals(Label other) => Id == other.Id;
    public override bool Equals(object? obj) => obj is Label other && Equals(other);
    public override int GetHashCode() => Id;
    public static bool operator ==(Label left, Label right) => left.Id == right.Id;
    public static bool operator !=(Label left, Label right) => left.Id != right.Id;
    public override string ToString() => "L" + Id;
}
