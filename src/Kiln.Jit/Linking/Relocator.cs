using System.Buffers.Binary;

namespace Kiln.Jit.Linking;

/// <summary>
/// Applies relocations: a pure function from (bytes, relocations, final addresses) to patched bytes.
/// It runs on the writable view of code memory before sealing, so it must not depend on where the
/// bytes currently are, only on where they will execute. Every target is checked before any write,
/// so a link error leaves the bytes untouched.
/// </summary>
public static class Relocator
{
    /// <summary>
    /// Patches <paramref name="code"/> and <paramref name="readOnlyData"/> for
    /// <paramref name="relocations"/>; throws <see cref="LinkException"/> for an unknown target, a rel32
    /// that does not reach, or a relocation outside its section.
    /// </summary>
    public static void Apply(Span<byte> code, Span<byte> readOnlyData, ReadOnlySpan<Relocation> relocations, in RelocationContext context)
    {
        // Validate everything first: a partially patched function must never be sealed by a caller that
        // catches the exception and carries on.
        foreach (ref readonly Relocation relocation in relocations)
        {
            Compute(code.Length, readOnlyData.Length, relocation, context, out _);
        }
        foreach (ref readonly Relocation relocation in relocations)
        {
            ulong value = Compute(code.Length, readOnlyData.Length, relocation, context, out _);
            Span<byte> section = relocation.Section == RelocationSection.Code ? code : readOnlyData;
            if (relocation.Kind == RelocationKind.Abs64)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(section.Slice(relocation.Offset, 8), value);
            }
            else
            {
                BinaryPrimitives.WriteInt32LittleEndian(section.Slice(relocation.Offset, 4), (int)(long)value);
            }
        }
    }

    /// <summary>The address <paramref name="target"/> names in <paramref name="context"/>.</summary>
    public static ulong ResolveTarget(RelocationTarget target, in RelocationContext context)
    {
        switch (target.Kind)
        {
            case RelocationTargetKind.Code:
                return context.CodeAddress;
            case RelocationTargetKind.ReadOnlyData:
                return context.ReadOnlyDataAddress;
            case RelocationTargetKind.Function:
                if ((uint)target.Index >= (uint)context.FunctionAddresses.Length)
                {
                    throw new LinkException($"Relocation to function {target.Index}, but the batch has {context.FunctionAddresses.Length} functions.");
                }
                ulong entry = context.FunctionAddresses[target.Index];
                if (entry == 0)
                {
                    throw new LinkException($"Function {target.Index} has no address.");
                }
                return entry;
            case RelocationTargetKind.Symbol:
                if (context.Symbols is null)
                {
                    throw new LinkException($"Relocation to symbol {target.Index}, but no symbol table was given.");
                }
                return context.Symbols.GetAddress(new SymbolId(target.Index));
            default:
                throw new LinkException($"Unknown relocation target kind {target.Kind}.");
        }
    }

    private static ulong Compute(int codeLength, int dataLength, in Relocation relocation, in RelocationContext context, out int width)
    {
        width = relocation.Kind switch
        {
            RelocationKind.Abs64 => 8,
            RelocationKind.Rel32 => 4,
            _ => throw new LinkException($"Unknown relocation kind {relocation.Kind}."),
        };
        int sectionLength = relocation.Section == RelocationSection.Code ? codeLength : dataLength;
        if (relocation.Offset < 0 || relocation.Offset > sectionLength - width)
        {
            throw new LinkException($"Relocation at {relocation.Section}+{relocation.Offset} does not fit in a section of {sectionLength} bytes.");
        }
        ulong s = ResolveTarget(relocation.Target, context);
        ulong sa = unchecked(s + (ulong)relocation.Addend);
        if (relocation.Kind == RelocationKind.Abs64)
        {
            return sa;
        }
        ulong place = (relocation.Section == RelocationSection.Code ? context.CodeAddress : context.ReadOnlyDataAddress) + (ulong)relocation.Offset;
        long delta = unchecked((long)(sa - place));
        if (delta < int.MinValue || delta > int.MaxValue)
        {
            throw new LinkException(
                $"rel32 at {relocation.Section}+{relocation.Offset} to {relocation.Target} (0x{s:x}) is {delta} bytes away, beyond ±2 GiB; " +
                "use an absolute address or an indirect slot for far targets.");
        }
        return unchecked((ulong)delta);
    }
}
