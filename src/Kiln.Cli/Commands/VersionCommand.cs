using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Kiln.Cli.Commands;

/// <summary><c>kiln version</c>: the version, the platform, the code-memory strategy and the bounds checks in use.</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the version, the platform, the W^X strategy and the bounds checks in use");
        command.SetAction(_ =>
        {
            string version = typeof(VersionCommand).Assembly
                .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            Console.WriteLine($"kiln {version}");
            Console.WriteLine($"platform: {RuntimeInformation.OSDescription.Trim()} {RuntimeInformation.ProcessArchitecture}, .NET {Environment.Version}");
            Console.WriteLine($"w^x: {Engine.DescribeCodeMemory()}");
            Console.WriteLine($"bounds checks: {DescribeBoundsChecks()}");
            return 0;
        });
        return command;
    }

    /// <summary>What a compiling engine would use here, and why (guard pages fall back to explicit checks off Linux x86-64).</summary>
    private static string DescribeBoundsChecks()
    {
        try
        {
            using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline });
            return $"{engine.BoundsChecks} ({engine.BoundsCheckReason})";
        }
        catch (Exception e) when (e is ArgumentException or NativeCodeException or UnsupportedFeatureException or PlatformNotSupportedException)
        {
            return $"unavailable ({e.Message})";
        }
    }
}
