using Kiln.Wasm.Model;

namespace Kiln.Compiled;

/// <summary>
/// Where <see cref="Tier.Auto"/> keeps what it learns about <c>call_indirect</c> sites: one 16-byte entry per site
/// of the module, in data memory after the code table and the hotness counters (<see cref="ModuleCode"/>), shared by
/// the module's instances like the counters, so code reaches it through the code-table pointer in vmctx. The first
/// word is written by baseline code: 0 while no call went through the site, the <see cref="Vm.VmFuncRef"/> pointer of
/// the one target seen so far, or <see cref="Megamorphic"/> once a second target came by. The second word counts how
/// often optimized code that speculated on that target found another one (guard failures). Sites are numbered per
/// module in function order, and within a function by the bytecode offsets validation records
/// (<see cref="FunctionBody.CallIndirectOffsets"/>), so every compiler finds a site from its bytecode offset alone.
/// </summary>
internal sealed class CallSiteProfiles
{
    /// <summary>Bytes per site: the target word and the guard-failure count.</summary>
    public const int EntrySize = 16;

    /// <summary>Offset of the guard-failure count in an entry.</summary>
    public const int GuardFailuresOffset = 8;

    /// <summary>The target word of a site that has seen more than one target.</summary>
    public const nint Megamorphic = 1;

    private readonly int[] _firstSite;
    private readonly int[]?[] _offsets;

    private CallSiteProfiles(int start, int[] firstSite, int[]?[] offsets, int siteCount)
    {
        Start = start;
        _firstSite = firstSite;
        _offsets = offsets;
        SiteCount = siteCount;
    }

    /// <summary>
    /// The layout for <paramref name="model"/>'s validated bodies, starting at byte <paramref name="after"/> of the
    /// code table's allocation (rounded up to 16). A body not validated yet has no sites.
    /// </summary>
    public static CallSiteProfiles Create(WasmModule model, int after)
    {
        int n = model.Bodies.Count;
        var first = new int[n];
        var offsets = new int[]?[n];
        int sites = 0;
        for (int i = 0; i < n; i++)
        {
            first[i] = sites;
            offsets[i] = model.Bodies[i].CallIndirectOffsets;
            sites += offsets[i]?.Length ?? 0;
        }
        return new CallSiteProfiles((after + 15) & ~15, first, offsets, sites);
    }

    /// <summary>Byte offset of the first entry from the code table's start.</summary>
    public int Start { get; }

    public int SiteCount { get; }

    /// <summary>Where the allocation holding the code table, counters and profiles ends.</summary>
    public int End => Start + (EntrySize * SiteCount);

    /// <summary>
    /// Byte offset from the code table's start of the entry of the <c>call_indirect</c> at module offset
    /// <paramref name="bytecodeOffset"/> in defined function <paramref name="definedIndex"/>, or -1 when there is none.
    /// </summary>
    public int EntryOffset(int definedIndex, int bytecodeOffset)
    {
        if (_offsets[definedIndex] is not { } offsets)
        {
            return -1;
        }
        int k = Array.BinarySearch(offsets, bytecodeOffset);
        return k < 0 ? -1 : Start + (EntrySize * (_firstSite[definedIndex] + k));
    }
}

/// <summary>What the optimizing tier reads from <see cref="CallSiteProfiles"/> when a function tiers up.</summary>
internal interface ICallSiteProfileReader
{
    /// <summary>
    /// The function (module index space) that every call through the site at <paramref name="bytecodeOffset"/> of
    /// defined function <paramref name="definedIndex"/> reached so far, in the instance whose code ran, or -1 when the
    /// site saw no call, several targets, or a function of another instance.
    /// </summary>
    int MonomorphicTarget(int definedIndex, int bytecodeOffset);
}
