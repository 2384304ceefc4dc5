using Kiln.Jit.Interop;

namespace Kiln.Jit.Tests;

/// <summary>
/// Freeing a sealed batch must unmap only what the seal kept: the seal already returned the unused
/// tail pages, and the .NET runtime (or anyone) may have mapped memory there since. Unmapping the
/// whole original reservation destroyed such mappings and killed the process ("The RW block to
/// unmap was not found").
/// </summary>
[Collection(MapsCollection.Name)]
public class ReleaseAfterSealTests
{
    private const int MapFixedNoReplace = 0x100000;

    [Theory]
    [MemberData(nameof(Strategies.Both), MemberType = typeof(Strategies))]
    public void ForeignMappingInAFreedTailSurvivesTheBatchRelease(CodeMemoryStrategy strategy)
    {
        nuint page = LibC.PageSize;
        using CodeMemory memory = Strategies.Create(strategy);
        using CodeBatchBuilder builder = memory.CreateBatch((int)(4 * page), (int)(2 * page));
        CodeItem item = builder.AddFunction([0xC3]);
        nint code = builder.GetExecutableAddress(item);
        CodeBatch batch = builder.Seal();

        // Someone else takes a page of the code tail and a page of the data area the seal gave back.
        nint tail = code + (nint)(2 * page);
        nint data = code + (nint)(4 * page);
        nint foreign1 = LibC.Mmap(tail, page, LibC.ProtRead | LibC.ProtWrite, LibC.MapPrivate | LibC.MapAnonymous | MapFixedNoReplace, -1, 0);
        nint foreign2 = LibC.Mmap(data, page, LibC.ProtRead | LibC.ProtWrite, LibC.MapPrivate | LibC.MapAnonymous | MapFixedNoReplace, -1, 0);
        try
        {
            Assert.Equal(tail, foreign1);
            Assert.Equal(data, foreign2);
            MapsEntry sealedCode = ProcMaps.Find(code)!.Value;
            batch.Dispose();
            Assert.NotNull(ProcMaps.Find(tail));
            Assert.NotNull(ProcMaps.Find(data));
            // The code page is gone. The runtime's own threads may map the freed range at once, so
            // what is there now may be theirs, but never the very mapping the batch sealed.
            Assert.NotEqual(sealedCode, ProcMaps.Find(code));
        }
        finally
        {
            if (foreign1 == tail)
            {
                LibC.Munmap(foreign1, page);
            }
            if (foreign2 == data)
            {
                LibC.Munmap(foreign2, page);
            }
        }
    }
}
