namespace Kiln.Jit;

/// <summary>
/// Checks that a <see cref="CodeItem"/> lies inside the used part of its area. A handle is a plain value anyone can
/// construct, so before its offset turns into a pointer it is checked against what the batch really holds.
/// </summary>
internal static class CodeItemBounds
{
    public static bool Contains(CodeItem item, int codeAreaSize, int codeUsed, int dataUsed)
    {
        if (item.Length <= 0)
        {
            return false;
        }
        long end = (long)item.Offset + item.Length;
        return item.Kind switch
        {
            CodeItemKind.Function => item.Offset >= 0 && end <= codeUsed,
            CodeItemKind.ReadOnlyData => item.Offset >= codeAreaSize && end <= (long)codeAreaSize + dataUsed,
            _ => false,
        };
    }
}
