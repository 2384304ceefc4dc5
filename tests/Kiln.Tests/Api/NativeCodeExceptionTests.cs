namespace Kiln.Tests.Api;

/// <summary>
/// The compiler layer's code-memory and diagnostics exceptions reach embedders as <see cref="NativeCodeException"/>,
/// with the original inside. (The CLI tests run kiln with a bad KILN_CODE_MEMORY and a contradicting
/// DOTNET_PerfMapEnabled, the two ways to provoke them from outside.)
/// </summary>
public class NativeCodeExceptionTests
{
    [Fact]
    public void CodeMemoryFailuresBecomeNativeCodeExceptions()
    {
        var original = new Jit.CodeMemoryException("mmap refused", 12);

        NativeCodeException e = Assert.Throws<NativeCodeException>(() => NativeCodeException.Translate<int>(() => throw original));

        Assert.Equal(NativeCodeFacility.CodeMemory, e.Facility);
        Assert.Equal("mmap refused", e.Message);
        Assert.Same(original, e.InnerException);
    }

    [Fact]
    public void DiagnosticsFailuresBecomeNativeCodeExceptions()
    {
        var original = new Jit.Diagnostics.JitDiagnosticsException("perf map not writable");

        NativeCodeException e = Assert.Throws<NativeCodeException>(() => NativeCodeException.Translate<int>(() => throw original));

        Assert.Equal(NativeCodeFacility.Diagnostics, e.Facility);
        Assert.Same(original, e.InnerException);
    }

    [Fact]
    public void OtherExceptionsPassThrough()
    {
        Assert.Throws<InvalidOperationException>(() => NativeCodeException.Translate<int>(() => throw new InvalidOperationException()));
        Assert.Equal(7, NativeCodeException.Translate(() => 7));
    }
}
