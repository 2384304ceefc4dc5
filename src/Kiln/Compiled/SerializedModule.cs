using System.Buffers.Binary;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Kiln.Jit.Linking;
using Kiln.Jit.X64;

namespace Kiln.Compiled;

/// <summary>
/// The code cache's file format: one file holding a module's Wasm bytes and the machine code a tier compiled from
/// them, as the tier-neutral <see cref="CompiledChunk"/>s the installer takes, so loading it is one
/// <see cref="CodeInstaller"/> batch and one seal, with no compiler run. The header says what the code was compiled
/// for (Kiln version, tier, CPU features, the engine options that shape code); a SHA-256 (or an HMAC-SHA256 under
/// the embedder's key) over everything before it ends the file and is checked before any field past the format
/// version is believed.
/// </summary>
/// <remarks>
/// Layout, all integers little-endian (docs/ARCHITECTURE.md "Code cache" has the table): magic, format version,
/// flags, file length, Kiln version, tier, CPU features, code options, defined-function count and the interpreted
/// bitmap, SHA-256 of the Wasm bytes, module name; then the Wasm bytes; then the chunks (code, read-only data,
/// relocations, functions with frame-size patch, line table and frame, named stubs, trap sites and their recovery
/// stub); then the 32-byte hash. The reader checks every count and offset against the bytes and the module (a
/// relocation inside its section, functions inside the code, each compiled function exactly once), so a file that
/// passes the hash but is inconsistent is a <see cref="SerializedModuleError.Malformed"/> error, never an exception
/// from deeper down. SECURITY: the hash detects accidental corruption and casual edits, not an attacker who can
/// rewrite the file and its hash; only the keyed HMAC (<see cref="EngineOptions.CodeCacheKey"/>) makes the claim
/// "this is the code Kiln compiled" hold for such an attacker, as long as the key stays out of their reach.
/// </remarks>
internal static partial class SerializedModule
{
    /// <summary>
    /// "\0kiln\r\n\x1a": unlike "\0asm", and like PNG's signature it breaks visibly under newline conversion or a
    /// text-mode transfer.
    /// </summary>
    public static ReadOnlySpan<byte> Magic => "\0kiln\r\n\x1a"u8;

    /// <summary>Raised whenever the layout below changes.</summary>
    public const uint FormatVersion = 1;

    public const int HashSize = 32;

    /// <summary>Magic, format version, flags, file length: read before the hash is checked.</summary>
    private const int PrefixSize = 8 + 4 + 4 + 8;

    private const uint FlagKeyed = 1;

    /// <summary>Engine options that change the code a tier emits, as bits of the header's code-options field.</summary>
    [Flags]
    public enum CodeOptions : uint
    {
        None = 0,
        ConsumeFuel = 1,
        GuardPages = 2,
        NoInterruptChecks = 4,
    }

    /// <summary>The Kiln version stamped into files and required of them: the runtime's informational version, which names its commit.</summary>
    public static string KilnVersion { get; } =
        typeof(SerializedModule).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>What a file holds besides its framing.</summary>
    public sealed record Contents(
        string KilnVersion,
        Tier Tier,
        CpuFeature Features,
        CodeOptions Options,
        bool[] Interpreted,
        string? Name,
        byte[] Wasm,
        IReadOnlyList<CompiledChunk> Chunks)
    {
        /// <summary>Where the parts of the file read last began (for diagnostics and tests); empty for contents not read from a file.</summary>
        public Layout Layout { get; init; } = new(0, 0, []);
    }

    /// <summary>File offsets: the end of the header, the Wasm bytes, and each chunk's code.</summary>
    public sealed record Layout(int HeaderEnd, int WasmOffset, int[] CodeOffsets);

    public static bool HasMagic(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Magic);

    /// <summary>The code options <paramref name="engine"/> compiles with.</summary>
    public static CodeOptions OptionsOf(Engine engine) =>
        (engine.Options.ConsumeFuel ? CodeOptions.ConsumeFuel : CodeOptions.None) |
        (engine.UsesGuardPages ? CodeOptions.GuardPages : CodeOptions.None) |
        (engine.Options.InterruptChecks ? CodeOptions.None : CodeOptions.NoInterruptChecks);

    /// <summary>Writes a file; with <paramref name="key"/> its trailer is HMAC-SHA256 under the key, else SHA-256.</summary>
    public static byte[] Write(Contents contents, byte[]? key)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(FormatVersion);
            w.Write(key is null ? 0u : FlagKeyed);
            w.Write(0L); // the file length, patched below
            WriteString16(w, contents.KilnVersion);
            w.Write((byte)contents.Tier);
            w.Write((uint)contents.Features);
            w.Write((uint)contents.Options);
            w.Write(contents.Interpreted.Length);
            var bitmap = new byte[(contents.Interpreted.Length + 7) / 8];
            for (int i = 0; i < contents.Interpreted.Length; i++)
            {
                if (contents.Interpreted[i])
                {
                    bitmap[i / 8] |= (byte)(1 << (i % 8));
                }
            }
            w.Write(bitmap);
            w.Write(SHA256.HashData(contents.Wasm));
            w.Write(contents.Name is not null);
            WriteString16(w, contents.Name ?? "");
            w.Write(contents.Wasm.Length);
            w.Write(contents.Wasm);
            w.Write(contents.Chunks.Count);
            foreach (CompiledChunk c in contents.Chunks)
            {
                WriteChunk(w, c);
            }
        }
        long length = stream.Length + HashSize;
        if (length > int.MaxValue)
        {
            throw new InvalidOperationException($"the serialized module would take {length} bytes, more than one file of this format holds (2 GiB)");
        }
        byte[] file = new byte[length];
        stream.GetBuffer().AsSpan(0, (int)stream.Length).CopyTo(file);
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(16), length);
        Seal(file, key);
        return file;
    }

    /// <summary>Writes the trailer of a complete file: the hash (or HMAC) of everything before it.</summary>
    public static void Seal(Span<byte> file, byte[]? key)
    {
        ReadOnlySpan<byte> body = file[..^HashSize];
        Span<byte> trailer = file[^HashSize..];
        if (key is null)
        {
            SHA256.HashData(body, trailer);
        }
        else
        {
            HMACSHA256.HashData(key, body, trailer);
        }
    }

    private static void WriteChunk(BinaryWriter w, CompiledChunk c)
    {
        w.Write(c.Code.Length);
        w.Write(c.Code);
        w.Write(c.ReadOnlyData.Length);
        w.Write(c.ReadOnlyData);
        w.Write(c.Relocations.Length);
        foreach (Relocation r in c.Relocations)
        {
            w.Write((byte)r.Section);
            w.Write(r.Offset);
            w.Write((byte)r.Kind);
            w.Write((byte)r.Target.Kind);
            w.Write(r.Target.Index);
            w.Write(r.Addend);
        }
        w.Write(c.Functions.Count);
        using var lines = new MemoryStream();
        using var lineWriter = new BinaryWriter(lines);
        foreach (CompiledFunction f in c.Functions)
        {
            w.Write(f.DefinedIndex);
            w.Write(f.Start);
            w.Write(f.End);
            w.Write(f.FrameSizePatch);
            w.Write(f.FrameSize);
            // Line tables are most of the metadata (CRuby: 3.2 million entries): deltas as LEB128, about 3 bytes an
            // entry, behind their byte length so that a loader with no one to observe the code skips them whole.
            w.Write(f.Lines?.Length ?? -1);
            lines.SetLength(0);
            CodeLine previous = default;
            foreach (CodeLine line in f.Lines ?? [])
            {
                lineWriter.Write7BitEncodedInt(line.CodeOffset - previous.CodeOffset);
                lineWriter.Write7BitEncodedInt(ZigZag(line.BytecodeOffset - previous.BytecodeOffset));
                previous = line;
            }
            lineWriter.Flush();
            w.Write((int)lines.Length);
            w.Write(lines.GetBuffer().AsSpan(0, (int)lines.Length));
            w.Write(f.Frame is not null);
            CodeFrame frame = f.Frame.GetValueOrDefault();
            w.Write(frame.AfterPushRbp);
            w.Write(frame.AfterMovRbp);
            w.Write(frame.EpilogueStart);
            w.Write(frame.EpilogueEnd);
            w.Write(frame.LaterEpilogues.Count);
            foreach ((int epilogueStart, int epilogueEnd) in frame.LaterEpilogues)
            {
                w.Write(epilogueStart);
                w.Write(epilogueEnd);
            }
        }
        w.Write(c.Stubs.Count);
        foreach ((string name, int start, int end) in c.Stubs)
        {
            WriteString16(w, name);
            w.Write(start);
            w.Write(end);
        }
        w.Write(c.TrapSites.Length);
        int previousSite = 0;
        foreach (int site in c.TrapSites)
        {
            w.Write7BitEncodedInt(site - previousSite);
            previousSite = site;
        }
        w.Write(c.TrapRecovery);
    }

    private static void WriteString16(BinaryWriter w, string s)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        if (bytes.Length > ushort.MaxValue)
        {
            throw new InvalidOperationException($"a name of {bytes.Length} bytes does not fit the serialized-module format");
        }
        w.Write((ushort)bytes.Length);
        w.Write(bytes);
    }

    private static int ZigZag(int value) => (value << 1) ^ (value >> 31);
}
