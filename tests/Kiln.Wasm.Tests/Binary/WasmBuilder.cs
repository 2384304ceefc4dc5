using System.Text;
using Kiln.Wasm.Binary;

namespace Kiln.Wasm.Tests.Binary;

/// <summary>
/// Builds binary modules by hand for tests: sections are given as raw content and get their id and
/// size prepended, so a test states exactly the bytes it is about.
/// </summary>
internal sealed class WasmBuilder
{
    private readonly List<byte> _bytes = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00];

    public const byte I32 = 0x7F;
    public const byte I64 = 0x7E;
    public const byte F32 = 0x7D;
    public const byte F64 = 0x7C;
    public const byte V128 = 0x7B;
    public const byte FuncRef = 0x70;
    public const byte ExternRef = 0x6F;

    /// <summary>Offset in the module that the next section's content will start at (after id and a one-byte size).</summary>
    public int Length => _bytes.Count;

    public WasmBuilder Section(SectionId id, params byte[] content)
    {
        _bytes.Add((byte)id);
        _bytes.AddRange(U32((uint)content.Length));
        _bytes.AddRange(content);
        return this;
    }

    public WasmBuilder Raw(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    /// <summary>A type section of <c>[params] -&gt; [results]</c> pairs.</summary>
    public WasmBuilder Types(params (byte[] Params, byte[] Results)[] types) =>
        Section(SectionId.Type, Vec(types.Select(t => Cat([0x60], Vec(t.Params.Select(p => new[] { p })), Vec(t.Results.Select(r => new[] { r })))).ToArray()));

    public WasmBuilder Functions(params uint[] typeIndices) =>
        Section(SectionId.Function, Vec(typeIndices.Select(U32)));

    /// <summary>A code section; each body is (locals as (count, type) runs, instructions without the final end).</summary>
    public WasmBuilder Code(params (byte[] Locals, byte[] Code)[] bodies) =>
        Section(SectionId.Code, Vec(bodies.Select(b => Sized(Cat(b.Locals, b.Code, [0x0B])))));

    /// <summary>A one-function module: type, function and code sections.</summary>
    public static WasmBuilder Function(byte[] parameters, byte[] results, byte[] code, byte[]? locals = null) =>
        new WasmBuilder().Types((parameters, results)).Functions(0).Code((locals ?? [0x00], code));

    public byte[] Build() => [.. _bytes];

    public static byte[] U32(uint value)
    {
        var buffer = new byte[5];
        int n = Leb128.WriteUnsigned(buffer, value);
        return buffer[..n];
    }

    public static byte[] S32(int value)
    {
        var buffer = new byte[5];
        int n = Leb128.WriteSigned(buffer, value);
        return buffer[..n];
    }

    public static byte[] Name(string name)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(name);
        return Cat(U32((uint)utf8.Length), utf8);
    }

    public static byte[] Vec(IEnumerable<byte[]> items)
    {
        byte[][] all = items.ToArray();
        return Cat([U32((uint)all.Length), .. all]);
    }

    public static byte[] Vec(params byte[][] items) => Vec((IEnumerable<byte[]>)items);

    public static byte[] Sized(byte[] content) => Cat(U32((uint)content.Length), content);

    public static byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
