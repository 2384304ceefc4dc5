using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Kiln.Jit.Linking;
using Kiln.Jit.X64;

namespace Kiln.Compiled;

/// <summary>
/// The reader of the code cache's format: every check a file must pass before its code is installed, in the order the
/// architecture notes give ("Code cache"), each refusal a <see cref="SerializedModuleException"/>.
/// </summary>
internal static partial class SerializedModule
{
    /// <summary>
    /// The tier a serialized module holds code of, read from its header without checking the rest (the loader checks
    /// everything, this included); null when the bytes do not start like a file of this format and Kiln version.
    /// </summary>
    public static Tier? PeekTier(ReadOnlySpan<byte> file)
    {
        if (!HasMagic(file) || file.Length < PrefixSize + HashSize || BinaryPrimitives.ReadUInt32LittleEndian(file[8..]) != FormatVersion)
        {
            return null;
        }
        try
        {
            var r = new Reader(file[..^HashSize], PrefixSize);
            if (r.String16() != KilnVersion)
            {
                return null;
            }
            var tier = (Tier)r.Byte();
            return Enum.IsDefined(tier) ? tier : null;
        }
        catch (SerializedModuleException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads a file for <paramref name="engine"/>: the framing and the hash first, then whether the code fits the
    /// engine (<paramref name="host"/> being the CPU features this process may use), then the Wasm bytes and the
    /// chunks, each checked against the bytes. Whether the Wasm module is valid and its interpreted functions match is
    /// the caller's part.
    /// </summary>
    /// <exception cref="SerializedModuleException">The file is refused; nothing was installed.</exception>
    public static Contents Read(ReadOnlySpan<byte> file, Engine engine, CpuFeature host)
    {
        // Line tables are read only for someone who observes the code (perf, GDB, the embedder's observer).
        bool readLines = engine.CodeObserver is not null;
        if (file.Length > 0 && file.Length < Magic.Length && Magic.StartsWith(file))
        {
            throw Truncated(file.Length, PrefixSize);
        }
        if (!HasMagic(file))
        {
            throw new SerializedModuleException(SerializedModuleError.NotSerializedModule,
                file.StartsWith("\0asm"u8) ? "this is a Wasm module, not a serialized Kiln module" : "not a serialized Kiln module (wrong magic)");
        }
        if (file.Length < PrefixSize)
        {
            throw Truncated(file.Length, PrefixSize);
        }
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(file[8..]);
        if (version != FormatVersion)
        {
            throw new SerializedModuleException(SerializedModuleError.FormatVersion,
                $"serialized-module format version {version}; this Kiln reads version {FormatVersion} (compile the module again)");
        }
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(file[12..]);
        long declared = BinaryPrimitives.ReadInt64LittleEndian(file[16..]);
        if (declared != file.Length)
        {
            throw declared > file.Length || declared < PrefixSize + HashSize
                ? Truncated(file.Length, declared)
                : new SerializedModuleException(SerializedModuleError.Truncated, $"the file has {file.Length} bytes but its header says {declared}: bytes were appended");
        }
        CheckIntegrity(file, flags, engine.Options.CodeCacheKey);

        var r = new Reader(file[..^HashSize], PrefixSize);
        string kilnVersion = r.String16();
        if (kilnVersion != KilnVersion)
        {
            throw new SerializedModuleException(SerializedModuleError.KilnVersion,
                $"written by Kiln {kilnVersion}; this is Kiln {KilnVersion} (compile the module again)");
        }
        var tier = (Tier)r.Byte();
        if (tier != engine.Options.Tier)
        {
            throw new SerializedModuleException(SerializedModuleError.Tier,
                $"holds code of tier {TierName(tier)}, but the engine runs tier {TierName(engine.Options.Tier)}");
        }
        var features = (CpuFeature)r.UInt32();
        CpuFeature missing = features & ~host;
        if (missing != CpuFeature.None)
        {
            throw new SerializedModuleException(SerializedModuleError.CpuFeatures,
                $"compiled for CPU features {features}; this processor (or process) lacks {missing}");
        }
        var options = (CodeOptions)r.UInt32();
        CodeOptions engineOptions = OptionsOf(engine);
        if (options != engineOptions)
        {
            throw new SerializedModuleException(SerializedModuleError.EngineOptions,
                $"compiled with {DescribeOptions(options)}, but the engine uses {DescribeOptions(engineOptions)}");
        }
        int functionCount = r.Count(0);
        ReadOnlySpan<byte> bitmap = r.Bytes((functionCount + 7) / 8);
        var interpreted = new bool[functionCount];
        for (int i = 0; i < functionCount; i++)
        {
            interpreted[i] = (bitmap[i / 8] & (1 << (i % 8))) != 0;
        }
        ReadOnlySpan<byte> wasmHash = r.Bytes(32);
        bool hasName = r.Bool();
        string name = r.String16();
        int headerEnd = r.Position;
        int wasmLength = r.Count(1);
        int wasmOffset = r.Position;
        byte[] wasm = r.Bytes(wasmLength).ToArray();
        if (!SHA256.HashData(wasm).AsSpan().SequenceEqual(wasmHash))
        {
            throw new SerializedModuleException(SerializedModuleError.IntegrityCheck, "the embedded Wasm module does not match its SHA-256 in the header");
        }
        var seen = new bool[functionCount];
        int chunkCount = r.Count(4 * 6);
        var chunks = new List<CompiledChunk>(chunkCount);
        var codeOffsets = new int[chunkCount];
        for (int i = 0; i < chunkCount; i++)
        {
            codeOffsets[i] = r.Position + 4;
            chunks.Add(ReadChunk(ref r, interpreted, seen, readLines));
        }
        if (r.Remaining != 0)
        {
            throw r.Malformed($"{r.Remaining} bytes after the last chunk");
        }
        for (int i = 0; i < functionCount; i++)
        {
            if (!interpreted[i] && !seen[i])
            {
                throw r.Malformed($"no code for defined function {i}");
            }
        }
        return new Contents(kilnVersion, tier, features, options, interpreted, hasName ? name : null, wasm, chunks)
        {
            Layout = new Layout(headerEnd, wasmOffset, codeOffsets),
        };
    }

    private static void CheckIntegrity(ReadOnlySpan<byte> file, uint flags, byte[]? key)
    {
        if ((flags & ~FlagKeyed) != 0)
        {
            throw new SerializedModuleException(SerializedModuleError.Malformed, $"unknown header flags 0x{flags:x}");
        }
        bool keyed = (flags & FlagKeyed) != 0;
        if (keyed && key is null)
        {
            throw new SerializedModuleException(SerializedModuleError.IntegrityCheck,
                "the file is authenticated with a key (HMAC-SHA256), but the engine has no CodeCacheKey to check it with");
        }
        if (!keyed && key is not null)
        {
            throw new SerializedModuleException(SerializedModuleError.IntegrityCheck,
                "the engine has a CodeCacheKey and accepts only files authenticated with it; this file carries a plain SHA-256");
        }
        Span<byte> expected = stackalloc byte[HashSize];
        ReadOnlySpan<byte> body = file[..^HashSize];
        if (key is null)
        {
            SHA256.HashData(body, expected);
        }
        else
        {
            HMACSHA256.HashData(key, body, expected);
        }
        if (!CryptographicOperations.FixedTimeEquals(expected, file[^HashSize..]))
        {
            throw new SerializedModuleException(SerializedModuleError.IntegrityCheck, keyed
                ? "integrity check failed: the HMAC-SHA256 does not match (the file was changed, or written with another key)"
                : "integrity check failed: the SHA-256 does not match (the file is corrupted or was changed)");
        }
    }

    private static CompiledChunk ReadChunk(ref Reader r, bool[] interpreted, bool[] seen, bool readLines)
    {
        byte[] code = r.Bytes(r.Count(1)).ToArray();
        byte[] data = r.Bytes(r.Count(1)).ToArray();
        int relocationCount = r.Count(19);
        var relocations = new Relocation[relocationCount];
        for (int i = 0; i < relocationCount; i++)
        {
            var section = (RelocationSection)r.Byte();
            int offset = r.Int32();
            var kind = (RelocationKind)r.Byte();
            var targetKind = (RelocationTargetKind)r.Byte();
            int targetIndex = r.Int32();
            long addend = r.Int64();
            int sectionLength = section switch
            {
                RelocationSection.Code => code.Length,
                RelocationSection.ReadOnlyData => data.Length,
                _ => throw r.Malformed($"relocation {i}: unknown section {(byte)section}"),
            };
            int width = kind switch
            {
                RelocationKind.Abs64 => 8,
                RelocationKind.Rel32 => 4,
                _ => throw r.Malformed($"relocation {i}: unknown kind {(byte)kind}"),
            };
            // The installer links a chunk against its own code and data only (helpers are reached through vmctx).
            if (targetKind is not (RelocationTargetKind.Code or RelocationTargetKind.ReadOnlyData) ||
                (targetKind == RelocationTargetKind.ReadOnlyData && data.Length == 0))
            {
                throw r.Malformed($"relocation {i}: target {targetKind} is not the chunk's own code or data");
            }
            if (offset < 0 || offset > sectionLength - width)
            {
                throw r.Malformed($"relocation {i}: offset {offset} outside its section of {sectionLength} bytes");
            }
            // The addend names a place in the target (less, for a rel32, the at most 15 bytes from the field to the end
            // of its instruction): then every value fits, as code and data of one batch lie within 1 GiB.
            int targetLength = targetKind == RelocationTargetKind.Code ? code.Length : data.Length;
            if (addend < -16 || addend > targetLength)
            {
                throw r.Malformed($"relocation {i}: addend {addend} outside its target of {targetLength} bytes");
            }
            relocations[i] = new Relocation(section, offset, kind, new RelocationTarget(targetKind, targetIndex), addend);
        }
        var functions = new List<CompiledFunction>();
        int functionCount = r.Count(4 * 7 + 1);
        for (int i = 0; i < functionCount; i++)
        {
            int index = r.Int32();
            int start = r.Int32();
            int end = r.Int32();
            int patch = r.Int32();
            int frameSize = r.Int32();
            if ((uint)index >= (uint)interpreted.Length || interpreted[index] || seen[index])
            {
                throw r.Malformed($"function entry {i}: defined function {index} is out of range, interpreted or already present");
            }
            seen[index] = true;
            if (start < 0 || end <= start || end > code.Length)
            {
                throw r.Malformed($"defined function {index}: range {start}..{end} outside the chunk's {code.Length} bytes of code");
            }
            if (patch != -1 && (patch < start || patch > end - 4))
            {
                throw r.Malformed($"defined function {index}: frame-size field at {patch} outside the function");
            }
            int size = end - start;
            int lineCount = r.Int32();
            int lineBytesAt = r.Position;
            ReadOnlySpan<byte> lineBytes = r.Bytes(r.Count(1));
            if (lineCount < -1 || lineCount > lineBytes.Length / 2 || (lineCount == -1 && lineBytes.Length != 0))
            {
                throw r.Malformed($"defined function {index}: {lineCount} lines in {lineBytes.Length} bytes");
            }
            CodeLine[]? lines = lineCount >= 0 && readLines ? ReadLines(new Reader(lineBytes, 0), lineCount, size, index, lineBytesAt) : null;
            bool hasFrame = r.Bool();
            var frame = new CodeFrame(r.Int32(), r.Int32(), r.Int32(), r.Int32());
            bool frameFits = 0 <= frame.AfterPushRbp && frame.AfterPushRbp <= frame.AfterMovRbp && frame.AfterMovRbp <= frame.EpilogueStart &&
                             frame.EpilogueStart <= frame.EpilogueEnd && frame.EpilogueEnd <= size;
            int laterCount = r.Count(8);
            var later = new (int Start, int End)[laterCount];
            int previousEnd = frame.EpilogueEnd;
            for (int e = 0; e < laterCount; e++)
            {
                later[e] = (r.Int32(), r.Int32());
                // Epilogues follow one another, each non-empty, all inside the function.
                frameFits &= previousEnd <= later[e].Start && later[e].Start < later[e].End && later[e].End <= size;
                previousEnd = later[e].End;
            }
            if (hasFrame && !frameFits)
            {
                throw r.Malformed($"defined function {index}: frame description outside the function");
            }
            frame = frame with { LaterEpilogues = later };
            functions.Add(new CompiledFunction(index, start, end, patch, frameSize, lines, hasFrame ? frame : null));
        }

        var stubs = new List<(string, int, int)>();
        int stubCount = r.Count(2 + 8);
        for (int i = 0; i < stubCount; i++)
        {
            string name = r.String16();
            int start = r.Int32();
            int end = r.Int32();
            if (start < 0 || end < start || end > code.Length)
            {
                throw r.Malformed($"stub {name}: range {start}..{end} outside the chunk's code");
            }
            stubs.Add((name, start, end));
        }

        int siteCount = r.Count(1);
        var sites = new int[siteCount];
        long site = 0;
        for (int i = 0; i < siteCount; i++)
        {
            uint delta = r.VarUInt32();
            site += delta;
            if (site >= code.Length || (i > 0 && delta == 0))
            {
                throw r.Malformed($"trap site {i} at {site}: out of order or outside the code");
            }
            sites[i] = (int)site;
        }
        int recovery = r.Int32();
        if (siteCount > 0 ? recovery < 0 || recovery >= code.Length : recovery != -1)
        {
            throw r.Malformed($"trap recovery stub at {recovery} outside the code");
        }
        if (code.Length == 0 && (functions.Count > 0 || stubs.Count > 0 || data.Length > 0 || relocations.Length > 0))
        {
            throw r.Malformed("a chunk without code holds functions, stubs, data or relocations");
        }
        var chunk = new CompiledChunk(new AssembledCode(code, data, relocations)) { TrapSites = sites, TrapRecovery = recovery };
        chunk.Functions.AddRange(functions);
        chunk.Stubs.AddRange(stubs);
        return chunk;
    }

    /// <summary>A function's line table: LEB128 deltas, each code offset inside the function and above the one before.</summary>
    private static CodeLine[] ReadLines(Reader r, int count, int functionSize, int definedIndex, int fileOffset)
    {
        var lines = new CodeLine[count];
        long codeOffset = 0, bytecodeOffset = 0;
        for (int k = 0; k < count; k++)
        {
            uint codeDelta = r.VarUInt32();
            codeOffset += codeDelta;
            bytecodeOffset += UnZigZag(r.VarUInt32());
            if (codeOffset >= functionSize || (k > 0 && codeDelta == 0) || bytecodeOffset is < 0 or > int.MaxValue)
            {
                throw new SerializedModuleException(SerializedModuleError.Malformed,
                    $"malformed serialized module at offset {fileOffset}: defined function {definedIndex}: line {k} ({codeOffset} -> {bytecodeOffset}) out of order or outside the function");
            }
            lines[k] = new CodeLine((int)codeOffset, (int)bytecodeOffset);
        }
        if (r.Remaining != 0)
        {
            throw new SerializedModuleException(SerializedModuleError.Malformed,
                $"malformed serialized module at offset {fileOffset}: defined function {definedIndex}: {r.Remaining} bytes after its {count} lines");
        }
        return lines;
    }

    private static int UnZigZag(uint value) => (int)(value >> 1) ^ -(int)(value & 1);

    private static string TierName(Tier tier) => Enum.IsDefined(tier) ? tier.ToString() : $"#{(int)tier}";

    private static string DescribeOptions(CodeOptions options) =>
        $"fuel {((options & CodeOptions.ConsumeFuel) != 0 ? "on" : "off")}, bounds checks by {((options & CodeOptions.GuardPages) != 0 ? "guard pages" : "explicit compares")}, " +
        $"interrupt checks {((options & CodeOptions.NoInterruptChecks) != 0 ? "off" : "on")}";

    private static SerializedModuleException Truncated(long actual, long expected) =>
        new(SerializedModuleError.Truncated, $"the file is truncated: {actual} bytes, expected {expected}");

    /// <summary>A bounds-checked little-endian cursor; running past the end is a malformed file, never an exception from below.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data, int position)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position = position;

        public readonly int Remaining => _data.Length - _position;

        public readonly int Position => _position;

        public ReadOnlySpan<byte> Bytes(int count)
        {
            if ((uint)count > (uint)Remaining)
            {
                throw Malformed($"{count} bytes needed, {Remaining} left");
            }
            ReadOnlySpan<byte> s = _data.Slice(_position, count);
            _position += count;
            return s;
        }

        public byte Byte() => Bytes(1)[0];

        public bool Bool() => Byte() switch
        {
            0 => false,
            1 => true,
            byte b => throw Malformed($"{b} where a boolean belongs"),
        };

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Bytes(4));

        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4));

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Bytes(8));

        /// <summary>An unsigned LEB128 of at most five bytes (what <see cref="BinaryWriter.Write7BitEncodedInt"/> writes).</summary>
        public uint VarUInt32()
        {
            uint value = 0;
            for (int shift = 0; shift < 35; shift += 7)
            {
                byte b = Byte();
                if (shift == 28 && b > 0x0F)
                {
                    throw Malformed("a LEB128 number beyond 32 bits");
                }
                value |= (uint)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }
            throw Malformed("a LEB128 number beyond 32 bits");
        }

        /// <summary>A count of items of at least <paramref name="itemSize"/> bytes each, which must fit in what is left.</summary>
        public int Count(int itemSize)
        {
            int at = _position;
            uint count = UInt32();
            if (count > int.MaxValue || (itemSize > 0 && count > (uint)(Remaining / itemSize)))
            {
                throw Malformed($"count {count} at offset {at} exceeds the file");
            }
            return (int)count;
        }

        public string String16()
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2));
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Bytes(length));
            }
            catch (DecoderFallbackException)
            {
                throw Malformed("a name that is not UTF-8");
            }
        }

        public readonly SerializedModuleException Malformed(string what) =>
            new(SerializedModuleError.Malformed, $"malformed serialized module at offset {_position}: {what}");
    }
}
