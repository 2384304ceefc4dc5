namespace Kiln.Wasi.Abi;

/// <summary>WASI preview1 <c>filetype</c> (a u8), as reported in fdstat, filestat and dirent.</summary>
public enum Filetype : byte
{
    Unknown = 0,
    BlockDevice = 1,
    CharacterDevice = 2,
    Directory = 3,
    RegularFile = 4,
    SocketDgram = 5,
    SocketStream = 6,
    SymbolicLink = 7,
}
