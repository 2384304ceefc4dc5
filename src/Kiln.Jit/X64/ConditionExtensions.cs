namespace Kiln.Jit.X64;

/// <summary>Helpers on <see cref="Condition"/>.</summary>
public static class ConditionExtensions
{
    /// <summary>The opposite condition: flipping bit 0 of the code negates it.</summary>
    public static Condition Negate(this Condition condition) => (Condition)((byte)condition ^ 1);
}
