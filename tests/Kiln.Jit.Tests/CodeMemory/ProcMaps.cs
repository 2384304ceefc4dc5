using System.Globalization;

namespace Kiln.Jit.Tests;

/// <summary>One line of <c>/proc/self/maps</c>: an address range, its permissions (<c>r-xp</c>) and what backs it.</summary>
internal readonly record struct MapsEntry(ulong Start, ulong End, string Permissions, string Path, string Line)
{
    public bool IsWritableAndExecutable => Permissions.Length >= 3 && Permissions[1] == 'w' && Permissions[2] == 'x';

    public bool Contains(nint address) => (ulong)address >= Start && (ulong)address < End;
}

/// <summary>Reads the process's memory map, the kernel's own view of what is mapped with which permissions.</summary>
internal static class ProcMaps
{
    public static List<MapsEntry> Read()
    {
        var entries = new List<MapsEntry>();
        foreach (string line in File.ReadAllLines("/proc/self/maps"))
        {
            // "start-end perms offset dev inode   path"
            string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            string[] range = fields[0].Split('-');
            entries.Add(new MapsEntry(
                ulong.Parse(range[0], NumberStyles.HexNumber),
                ulong.Parse(range[1], NumberStyles.HexNumber),
                fields[1],
                fields.Length > 5 ? fields[5].Trim() : "",
                line));
        }
        return entries;
    }

    public static MapsEntry? Find(nint address)
    {
        foreach (MapsEntry entry in Read())
        {
            if (entry.Contains(address))
            {
                return entry;
            }
        }
        return null;
    }

    /// <summary>True when any byte of [address, address + length) is mapped.</summary>
    public static bool AnyMapped(nint address, long length) => Overlapping(address, length).Count != 0;

    /// <summary>
    /// True when [address, address + length) is free of anything that could be Kiln's (anonymous memory or a kiln-code
    /// memfd). The runtime maps its own views (<c>memfd:doublemapper</c>) into freed ranges within microseconds, so a
    /// few snapshots are taken: a leaked mapping of ours stays in all of them, a passing runtime mapping does not.
    /// </summary>
    public static bool FreeOfKilnMappings(nint address, long length, out string evidence)
    {
        evidence = "";
        for (int attempt = 0; attempt < 5; attempt++)
        {
            List<MapsEntry> suspects = Overlapping(address, length)
                .Where(e => e.Path.Length == 0 || e.Path.Contains("kiln-code"))
                .ToList();
            if (suspects.Count == 0)
            {
                return true;
            }
            evidence = string.Join("\n", suspects.Select(e => e.Line));
            Thread.Sleep(10);
        }
        return false;
    }

    private static List<MapsEntry> Overlapping(nint address, long length)
    {
        ulong start = (ulong)address, end = start + (ulong)length;
        return Read().Where(e => e.Start < end && e.End > start).ToList();
    }
}
