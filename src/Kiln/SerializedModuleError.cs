namespace Kiln;

/// <summary>Why a serialized module was refused (<see cref="SerializedModuleException.Error"/>).</summary>
public enum SerializedModuleError
{
    /// <summary>The bytes do not start with the serialized-module magic (a .wasm file, or something else).</summary>
    NotSerializedModule,
    /// <summary>The file was written in a format version this Kiln does not read.</summary>
    FormatVersion,
    /// <summary>The file is shorter than its header says (or longer: bytes were appended).</summary>
    Truncated,
    /// <summary>
    /// The SHA-256 (or, with <see cref="EngineOptions.CodeCacheKey"/>, the HMAC-SHA256) over the file does not match:
    /// the file was corrupted or changed, or was written with another key (or none).
    /// </summary>
    IntegrityCheck,
    /// <summary>The file was written by another version of Kiln (code generation may differ between versions).</summary>
    KilnVersion,
    /// <summary>The file holds code of another tier than the engine's.</summary>
    Tier,
    /// <summary>The code uses CPU extensions this processor (or this process, see <c>DOTNET_EnableXxx</c>) lacks.</summary>
    CpuFeatures,
    /// <summary>The code was compiled for other code-shaping engine options (fuel, bounds checks, interpreted functions).</summary>
    EngineOptions,
    /// <summary>The file passed its integrity check but its contents are inconsistent (or its Wasm module is invalid).</summary>
    Malformed,
}
