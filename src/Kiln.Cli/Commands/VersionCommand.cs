using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Kiln.Cli.Commands;

/// <summary><c>kiln version</c>: the version, the platform and the code-memory strategy in use.</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the version, the platform and the W^X strategy in use");
        command.SetAction(_ =>
        {
            string version = typeof(VersionCommand).Assembly
                .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            Console.WriteLine($"kiln {version}");
            Console.WriteLine($"platform: {RuntimeInformation.OSDescription.Trim()} {RuntimeInformation.ProcessArchitecture}, .NET {Environment.Version}");
            Console.WriteLine($"w^x: {Kiln.Jit.CodeMemory.DescribeDefault()}");
            return 0;
        });
        return command;
    }
}
