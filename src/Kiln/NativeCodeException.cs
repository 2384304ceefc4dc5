namespace Kiln;

/// <summary>
/// The runtime could not set up native code as its options and the environment ask: the code memory (a
/// <c>KILN_CODE_MEMORY</c> that names no strategy, a kernel that refuses the W^X strategy's mappings or protection
/// changes, address space running out) or the profiler and debugger integrations (<c>DOTNET_PerfMapEnabled</c>
/// contradicting <see cref="EngineOptions.Profiler"/>, a perf map or jitdump file that cannot be written). Raised by
/// <see cref="Engine"/>'s constructor and <see cref="Engine.DescribeCodeMemory"/> (<see cref="NativeCodeFacility.CodeMemory"/>
/// and <see cref="NativeCodeFacility.Diagnostics"/>), by module creation on a compiling tier, before any Wasm code
/// runs, and (<see cref="CompilationMode.Lazy"/>) by the first call of a function, which compiles it. <see cref="Exception.InnerException"/> holds the compiler layer's own exception, whose type is not part of
/// the API.
/// </summary>
public sealed class NativeCodeException : Exception
{
    public NativeCodeException(NativeCodeFacility facility, string message, Exception? inner = null)
        : base(message, inner)
    {
        Facility = facility;
    }

    /// <summary>Which part failed: the code memory or the profiler and debugger integrations.</summary>
    public NativeCodeFacility Facility { get; }

    /// <summary>Runs <paramref name="body"/>, turning the compiler layer's code-memory and diagnostics exceptions into this one.</summary>
    internal static T Translate<T>(Func<T> body)
    {
        try
        {
            return body();
        }
        catch (Jit.CodeMemoryException e)
        {
            throw new NativeCodeException(NativeCodeFacility.CodeMemory, e.Message, e);
        }
        catch (Jit.Diagnostics.JitDiagnosticsException e)
        {
            throw new NativeCodeException(NativeCodeFacility.Diagnostics, e.Message, e);
        }
    }
}

/// <summary>The part of the native-code setup a <see cref="NativeCodeException"/> comes from.</summary>
public enum NativeCodeFacility
{
    /// <summary>The W^X code memory: its strategy, mappings and protection changes.</summary>
    CodeMemory,
    /// <summary>The perf map, jitdump and GDB JIT registrations (<see cref="EngineOptions.Profiler"/>, <see cref="EngineOptions.DebugInfo"/>).</summary>
    Diagnostics,
}
