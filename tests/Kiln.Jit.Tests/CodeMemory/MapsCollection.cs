namespace Kiln.Jit.Tests;

/// <summary>
/// Tests that read /proc/self/maps to see whether an address range is gone, or that set the process environment,
/// run alone: a test on another thread mapping memory into a just-freed range would make them lie.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MapsCollection
{
    public const string Name = "Process-wide memory map";
}
