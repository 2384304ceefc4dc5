using System.Globalization;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Support;

/// <summary>
/// Builds <see cref="WasmModule"/>s for tests from instruction lines such as <c>"i32.const 5"</c>,
/// encoded with the opcode table and LEB128, so tests do not depend on the text parser.
/// Immediates: indices and constants as numbers, block types as <c>i32</c>/<c>type 3</c>,
/// memargs as <c>offset align</c> (both optional), br_table as the labels then the default.
/// </summary>
internal sealed class ModuleBuilder
{
    public WasmModule Module { get; } = new();

    public uint AddType(ValType[] parameters, ValType[] results)
    {
        var type = new FuncType(parameters, results);
        int i = Module.Types.FindIndex(t => t.Equals(type));
        if (i >= 0)
        {
            return (uint)i;
        }
        Module.Types.Add(type);
        return (uint)(Module.Types.Count - 1);
    }

    public uint ImportFunction(string module, string name, ValType[] parameters, ValType[] results)
    {
        if (Module.FunctionTypeIndices.Count > 0)
        {
            throw new InvalidOperationException("imports come before definitions");
        }
        Module.Imports.Add(new Import(module, name, ExternKind.Function) { FunctionTypeIndex = AddType(parameters, results) });
        return (uint)(Module.ImportedFunctionCount - 1);
    }

    public void ImportMemory(string module, string name, uint min, uint? max = null) =>
        Module.Imports.Add(new Import(module, name, ExternKind.Memory) { Memory = new MemoryType(new Limits(min, max)) });

    public void ImportTable(string module, string name, ValType type, uint min, uint? max = null) =>
        Module.Imports.Add(new Import(module, name, ExternKind.Table) { Table = new TableType(type, new Limits(min, max)) });

    public void ImportGlobal(string module, string name, ValType type, bool mutable) =>
        Module.Imports.Add(new Import(module, name, ExternKind.Global) { Global = new GlobalType(type, mutable) });

    /// <summary>Adds a function; returns its index in the function index space.</summary>
    public uint AddFunction(ValType[] parameters, ValType[] results, ValType[] locals, params string[] code)
    {
        Module.FunctionTypeIndices.Add(AddType(parameters, results));
        Module.Bodies.Add(new FunctionBody(locals.Select(t => new LocalGroup(1, t)).ToArray(), Encode(code), 0));
        return (uint)(Module.TotalFunctionCount - 1);
    }

    public uint AddFunction(string exportName, ValType[] parameters, ValType[] results, ValType[] locals, params string[] code)
    {
        uint index = AddFunction(parameters, results, locals, code);
        Export(exportName, ExternKind.Function, index);
        Module.Names.FunctionNames[index] = exportName;
        return index;
    }

    public void Export(string name, ExternKind kind, uint index) => Module.Exports.Add(new Export(name, kind, index));

    public void AddMemory(uint min, uint? max = null) => Module.Memories.Add(new MemoryType(new Limits(min, max)));

    public void AddTable(ValType type, uint min, uint? max = null) => Module.Tables.Add(new TableType(type, new Limits(min, max)));

    public uint AddGlobal(ValType type, bool mutable, string init)
    {
        Module.Globals.Add(new Wasm.Model.Global(new GlobalType(type, mutable), Expr(init)));
        return (uint)(Module.ImportedGlobalCount + Module.Globals.Count - 1);
    }

    public void AddActiveElements(uint table, string offset, params uint[] functions) =>
        Module.Elements.Add(new ElementSegment
        {
            Mode = SegmentMode.Active,
            ElementType = ValType.FuncRef,
            TableIndex = table,
            Offset = Expr(offset),
            Items = functions.Select(f => ConstExpr.RefFunc(f, 0)).ToList(),
        });

    public void AddPassiveElements(params uint[] functions) =>
        Module.Elements.Add(new ElementSegment
        {
            Mode = SegmentMode.Passive,
            ElementType = ValType.FuncRef,
            Items = functions.Select(f => ConstExpr.RefFunc(f, 0)).ToList(),
        });

    public void AddActiveData(string offset, byte[] bytes) =>
        Module.Data.Add(new DataSegment { Mode = SegmentMode.Active, Offset = Expr(offset), Bytes = bytes });

    public void AddPassiveData(byte[] bytes)
    {
        Module.Data.Add(new DataSegment { Mode = SegmentMode.Passive, Bytes = bytes });
        Module.DataCount = (uint)Module.Data.Count;
    }

    public static ConstExpr Expr(string instruction) => new(Encode([instruction]), 0);

    /// <summary>Encodes instruction lines, appending the final <c>end</c>.</summary>
    public static byte[] Encode(string[] lines)
    {
        var bytes = new List<byte>();
        foreach (string line in lines)
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            OpcodeInfo info = OpcodeTable.TryGetByName(parts[0]) ?? throw new ArgumentException($"unknown instruction {parts[0]}");
            if (parts[0] == "select" && parts.Length > 1)
            {
                info = OpcodeTable.Get(Opcode.SelectTyped);
            }
            ushort code = (ushort)info.Opcode;
            if (code > 0xFF)
            {
                bytes.Add((byte)(code >> 8));
                Leb128.WriteUnsigned(bytes, (ulong)(code & 0xFF));
            }
            else
            {
                bytes.Add((byte)code);
            }
            EncodeImmediates(info.Immediate, parts.AsSpan(1), bytes);
        }
        bytes.Add(0x0B);
        return bytes.ToArray();
    }

    private static void EncodeImmediates(ImmediateKind kind, ReadOnlySpan<string> args, List<byte> bytes)
    {
        switch (kind)
        {
            case ImmediateKind.None:
                return;
            case ImmediateKind.Label:
            case ImmediateKind.Function:
            case ImmediateKind.Local:
            case ImmediateKind.Global:
            case ImmediateKind.Table:
            case ImmediateKind.Data:
            case ImmediateKind.Element:
                Leb128.WriteUnsigned(bytes, uint.Parse(args[0], CultureInfo.InvariantCulture));
                return;
            case ImmediateKind.I32:
                Leb128.WriteSigned(bytes, ParseInt(args[0], 32));
                return;
            case ImmediateKind.I64:
                Leb128.WriteSigned(bytes, ParseInt(args[0], 64));
                return;
            case ImmediateKind.F32:
            {
                uint bits = args[0].StartsWith("bits:", StringComparison.Ordinal)
                    ? Convert.ToUInt32(args[0][5..], 16)
                    : BitConverter.SingleToUInt32Bits(float.Parse(args[0], CultureInfo.InvariantCulture));
                bytes.AddRange(BitConverter.GetBytes(bits));
                return;
            }
            case ImmediateKind.F64:
            {
                ulong bits = args[0].StartsWith("bits:", StringComparison.Ordinal)
                    ? Convert.ToUInt64(args[0][5..], 16)
                    : BitConverter.DoubleToUInt64Bits(double.Parse(args[0], CultureInfo.InvariantCulture));
                bytes.AddRange(BitConverter.GetBytes(bits));
                return;
            }
            case ImmediateKind.MemArg:
                Leb128.WriteUnsigned(bytes, args.Length > 1 ? uint.Parse(args[1], CultureInfo.InvariantCulture) : 0);
                Leb128.WriteUnsigned(bytes, args.Length > 0 ? uint.Parse(args[0], CultureInfo.InvariantCulture) : 0);
                return;
            case ImmediateKind.BlockType:
                if (args.Length == 0)
                {
                    bytes.Add(0x40);
                }
                else if (args[0] == "type")
                {
                    Leb128.WriteSigned(bytes, long.Parse(args[1], CultureInfo.InvariantCulture));
                }
                else
                {
                    bytes.Add((byte)ParseValType(args[0]));
                }
                return;
            case ImmediateKind.BrTable:
                Leb128.WriteUnsigned(bytes, (ulong)(args.Length - 1));
                foreach (string a in args)
                {
                    Leb128.WriteUnsigned(bytes, uint.Parse(a, CultureInfo.InvariantCulture));
                }
                return;
            case ImmediateKind.CallIndirect:
                Leb128.WriteUnsigned(bytes, uint.Parse(args[0], CultureInfo.InvariantCulture));
                Leb128.WriteUnsigned(bytes, args.Length > 1 ? uint.Parse(args[1], CultureInfo.InvariantCulture) : 0);
                return;
            case ImmediateKind.Memory:
                bytes.Add(0);
                return;
            case ImmediateKind.MemoryInit:
                Leb128.WriteUnsigned(bytes, uint.Parse(args[0], CultureInfo.InvariantCulture));
                bytes.Add(0);
                return;
            case ImmediateKind.MemoryCopy:
                bytes.Add(0);
                bytes.Add(0);
                return;
            case ImmediateKind.TableInit:
            case ImmediateKind.TableCopy:
                Leb128.WriteUnsigned(bytes, uint.Parse(args[0], CultureInfo.InvariantCulture));
                Leb128.WriteUnsigned(bytes, uint.Parse(args[1], CultureInfo.InvariantCulture));
                return;
            case ImmediateKind.RefType:
                bytes.Add((byte)ParseValType(args[0]));
                return;
            case ImmediateKind.SelectTyped:
                Leb128.WriteUnsigned(bytes, (ulong)args.Length);
                foreach (string a in args)
                {
                    bytes.Add((byte)ParseValType(a));
                }
                return;
            default:
                throw new ArgumentException($"immediate kind {kind} not supported by the test encoder");
        }
    }

    private static long ParseInt(string s, int bits)
    {
        if (s.StartsWith("0x", StringComparison.Ordinal))
        {
            ulong u = Convert.ToUInt64(s[2..], 16);
            return bits == 32 ? (int)(uint)u : (long)u;
        }
        if (bits == 32 && uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out uint u32) && u32 > int.MaxValue)
        {
            return (int)u32;
        }
        return long.Parse(s, CultureInfo.InvariantCulture);
    }

    private static ValType ParseValType(string s) => s switch
    {
        "i32" => ValType.I32,
        "i64" => ValType.I64,
        "f32" => ValType.F32,
        "f64" => ValType.F64,
        "v128" => ValType.V128,
        "funcref" => ValType.FuncRef,
        "externref" => ValType.ExternRef,
        _ => throw new ArgumentException($"unknown value type {s}"),
    };
}
