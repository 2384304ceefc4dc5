namespace Kiln.Cli.Run;

/// <summary>
/// The exit statuses of <c>kiln run</c> besides the guest's own. A guest's proc_exit status (or 0
/// when it returns) is passed through; Kiln's own outcomes use values no test program uses.
/// </summary>
internal static class ExitCodes
{
    /// <summary>The module could not be loaded: missing file, malformed or invalid module, unsupported feature, link error.</summary>
    public const int BadModule = 1;

    /// <summary>The command line is wrong (unknown option, bad value).</summary>
    public const int Usage = 2;

    /// <summary>An internal error in Kiln (a bug): the message is printed, not a .NET stack trace.</summary>
    public const int Internal = 70;

    /// <summary><c>--isolate</c>: the sandbox could not be applied (namespaces under <c>--isolate=strict</c>, or the seccomp filter); the guest did not run.</summary>
    public const int IsolationFailed = 71;

    /// <summary>The guest trapped (including the timeout, fuel and call-depth limits): like an abort.</summary>
    public const int Trap = 134;
}
