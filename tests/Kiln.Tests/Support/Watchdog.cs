using System.Runtime.ExceptionServices;

namespace Kiln.Tests.Support;

/// <summary>
/// Runs a test body that only ends if Kiln's interruption works (a loop that never exits on its own) on a
/// background thread, and fails the test when it has not ended in time: a broken interrupt then shows as a
/// failure instead of a test run that never finishes.
/// </summary>
internal static class Watchdog
{
    public static T Run<T>(Func<T> body, TimeSpan limit)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = body();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "watchdog body",
        };
        thread.Start();
        if (!thread.Join(limit))
        {
            Assert.Fail($"the test body did not end within {limit.TotalSeconds} s: the runaway code was not interrupted");
        }
        failure?.Throw();
        return result;
    }
}
