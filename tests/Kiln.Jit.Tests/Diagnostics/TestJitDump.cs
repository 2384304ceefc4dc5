namespace Kiln.Jit.Tests.Diagnostics;

/// <summary>The directory of this test process's jitdump: one per process (perf's rule), shared by every test of it.</summary>
internal static class TestJitDump
{
    private static readonly Lazy<string> s_directory = new(() =>
    {
        string dir = Path.Combine(Path.GetTempPath(), $"kiln-test-jitdump-{Environment.ProcessId}");
        // It goes when the process does.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary directory is harmless.
            }
        };
        return dir;
    });

    public static string Directory => s_directory.Value;
}
