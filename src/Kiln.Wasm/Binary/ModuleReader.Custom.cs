using Kiln.Wasm.Model;

namespace Kiln.Wasm.Binary;

/// <summary>Custom sections (spec 5.5.3) and the name section (spec 7.4.1).</summary>
public static partial class ModuleReader
{
    private static void ReadCustomSection(ReadOnlySpan<byte> content, int offset, State state)
    {
        var r = new WasmReader(content, offset);
        string name = ReadName(ref r);
        if (name == "name")
        {
            ReadNameSection(content[r.Position..], r.Offset, state.Module.Names);
            return;
        }
        state.Module.CustomSections.Add(new CustomSection(name, state.Bytes.Slice(r.Offset, r.Remaining), r.Offset));
    }

    /// <summary>
    /// Spec 7.4: the name section is only a debugging aid, so a malformed one never fails the
    /// module: subsections decoded before the fault are kept, the rest is ignored.
    /// </summary>
    private static void ReadNameSection(ReadOnlySpan<byte> content, int offset, NameSection names)
    {
        var r = new WasmReader(content, offset);
        int lastId = -1;
        try
        {
            while (!r.AtEnd)
            {
                byte id = r.ReadByte();
                int size = ReadLength(ref r);
                var sub = new WasmReader(r.Data.Slice(r.Position, size), r.Offset);
                r.Position += size;
                // Spec 7.4.1: subsections appear at most once, in increasing id order.
                if (id <= lastId)
                {
                    return;
                }
                lastId = id;
                switch (id)
                {
                    case 0:
                        string moduleName = ReadName(ref sub);
                        names.ModuleName = moduleName;
                        break;
                    case 1:
                        var functionNames = new Dictionary<uint, string>();
                        ReadNameMap(ref sub, functionNames);
                        foreach ((uint index, string functionName) in functionNames)
                        {
                            names.FunctionNames[index] = functionName;
                        }
                        break;
                    case 2:
                        var localNames = new Dictionary<uint, Dictionary<uint, string>>();
                        int count = ReadCount(ref sub);
                        for (int i = 0; i < count; i++)
                        {
                            uint function = sub.ReadU32();
                            var map = new Dictionary<uint, string>();
                            ReadNameMap(ref sub, map);
                            localNames[function] = map;
                        }
                        foreach ((uint index, Dictionary<uint, string> map) in localNames)
                        {
                            names.LocalNames[index] = map;
                        }
                        break;
                }
            }
        }
        catch (MalformedModuleException)
        {
            // Ignored on purpose: see the summary.
        }
    }

    private static void ReadNameMap(ref WasmReader r, Dictionary<uint, string> map)
    {
        int count = ReadCount(ref r);
        for (int i = 0; i < count; i++)
        {
            uint index = r.ReadU32();
            map[index] = ReadName(ref r);
        }
    }
}
