namespace Kiln.Wasi.Abi;

/// <summary>
/// WASI preview1 rights (witx <c>rights</c>, a u64 bit set): what a descriptor may be used for.
/// Every fd carries base rights (for itself) and inheriting rights (the most that descriptors
/// opened through it may get); Kiln checks them before every operation.
/// </summary>
[Flags]
public enum Rights : ulong
{
    None = 0,
    FdDatasync = 1UL << 0,
    FdRead = 1UL << 1,
    FdSeek = 1UL << 2,
    FdFdstatSetFlags = 1UL << 3,
    FdSync = 1UL << 4,
    FdTell = 1UL << 5,
    FdWrite = 1UL << 6,
    FdAdvise = 1UL << 7,
    FdAllocate = 1UL << 8,
    PathCreateDirectory = 1UL << 9,
    PathCreateFile = 1UL << 10,
    PathLinkSource = 1UL << 11,
    PathLinkTarget = 1UL << 12,
    PathOpen = 1UL << 13,
    FdReaddir = 1UL << 14,
    PathReadlink = 1UL << 15,
    PathRenameSource = 1UL << 16,
    PathRenameTarget = 1UL << 17,
    PathFilestatGet = 1UL << 18,
    PathFilestatSetSize = 1UL << 19,
    PathFilestatSetTimes = 1UL << 20,
    FdFilestatGet = 1UL << 21,
    FdFilestatSetSize = 1UL << 22,
    FdFilestatSetTimes = 1UL << 23,
    PathSymlink = 1UL << 24,
    PathRemoveDirectory = 1UL << 25,
    PathUnlinkFile = 1UL << 26,
    PollFdReadwrite = 1UL << 27,
    SockShutdown = 1UL << 28,
    SockAccept = 1UL << 29,

    /// <summary>Every right preview1 defines.</summary>
    All = (1UL << 30) - 1,

    /// <summary>What a regular file descriptor can use.</summary>
    RegularFile = FdDatasync | FdRead | FdSeek | FdFdstatSetFlags | FdSync | FdTell | FdWrite | FdAdvise
        | FdAllocate | FdFilestatGet | FdFilestatSetSize | FdFilestatSetTimes | PollFdReadwrite,

    /// <summary>What a directory descriptor can use.</summary>
    Directory = FdFdstatSetFlags | FdSync | FdDatasync | PathCreateDirectory | PathCreateFile | PathLinkSource
        | PathLinkTarget | PathOpen | FdReaddir | PathReadlink | PathRenameSource | PathRenameTarget
        | PathFilestatGet | PathFilestatSetSize | PathFilestatSetTimes | FdFilestatGet | FdFilestatSetTimes
        | PathSymlink | PathRemoveDirectory | PathUnlinkFile,

    /// <summary>What stdio streams (character devices, pipes) can use.</summary>
    Stream = FdRead | FdWrite | FdFdstatSetFlags | FdSync | FdDatasync | FdFilestatGet | PollFdReadwrite,

    /// <summary>
    /// Every right that changes the file system. A read-only preopen withholds these from itself and
    /// from everything opened through it.
    /// </summary>
    Mutating = FdDatasync | FdWrite | FdAllocate | FdFilestatSetSize | FdFilestatSetTimes | PathCreateDirectory
        | PathCreateFile | PathLinkSource | PathLinkTarget | PathRenameSource | PathRenameTarget
        | PathFilestatSetSize | PathFilestatSetTimes | PathSymlink | PathRemoveDirectory | PathUnlinkFile,
}
