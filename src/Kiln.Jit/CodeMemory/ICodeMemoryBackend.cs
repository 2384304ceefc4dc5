namespace Kiln.Jit;

/// <summary>
/// The platform half of the W^X life cycle (reserve, seal, release); the <see cref="CodeBatchBuilder"/> does
/// the writing in between and <see cref="IInstructionCache"/> the flush before publishing. Linux has two
/// implementations; a macOS one (<c>mmap(MAP_JIT)</c> with <c>pthread_jit_write_protect_np</c> toggled by the
/// writing thread in Reserve and Seal) and a Windows one (<c>VirtualAlloc</c>, <c>VirtualProtect</c>) fit the same
/// three calls but are not written yet.
/// </summary>
internal interface ICodeMemoryBackend
{
    CodeMemoryStrategy Strategy { get; }

    /// <summary>
    /// Reserves a region and makes it writable through <see cref="CodeRegion.WritableBase"/>. Page contents are
    /// zero. Both sizes are page multiples.
    /// </summary>
    CodeRegion Reserve(nuint codeAreaSize, nuint dataAreaSize);

    /// <summary>
    /// W^X: ends all write access to the region. The first <paramref name="codePages"/> bytes of the code area
    /// become read-execute, the first <paramref name="dataPages"/> bytes of the data area read-only, and the
    /// unused rest of each area is returned to the system. Both lengths are page multiples.
    /// </summary>
    void Seal(CodeRegion region, nuint codePages, nuint dataPages);

    /// <summary>Returns every page of the region still mapped to the system (sealed or not).</summary>
    void Release(CodeRegion region);
}
