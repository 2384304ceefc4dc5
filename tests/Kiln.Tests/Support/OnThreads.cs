namespace Kiln.Tests.Support;

/// <summary>Runs the same work on several threads of their own at once, for tests of code racing itself.</summary>
internal static class OnThreads
{
    /// <summary>Starts <paramref name="count"/> threads running <paramref name="work"/> and waits for all of them.</summary>
    public static void Run(int count, ThreadStart work)
    {
        Thread[] threads = [.. Enumerable.Range(0, count).Select(_ => new Thread(work))];
        foreach (Thread t in threads)
        {
            t.Start();
        }
        foreach (Thread t in threads)
        {
            t.Join();
        }
    }
}
