using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using static Kiln.Wasm.Tests.Binary.WasmBuilder;

namespace Kiln.Wasm.Tests.Binary;

public class ModuleReaderTests
{
    private static MalformedModuleException Malformed(byte[] bytes) =>
        Assert.Throws<MalformedModuleException>(() => ModuleReader.Read(bytes));

    [Fact]
    public void ReadsTheEmptyModule()
    {
        WasmModule module = ModuleReader.Read(new WasmBuilder().Build());
        Assert.Empty(module.Types);
        Assert.Empty(module.Bodies);
        Assert.Null(module.StartFunction);
        Assert.Null(module.DataCount);
    }

    [Fact]
    public void ReadsEverySectionOfTheRichModule()
    {
        WasmModule m = ModuleReader.Read(SampleModules.Rich());
        Assert.Equal(3, m.Types.Count);
        Assert.Equal(new FuncType([ValType.I32, ValType.I32], [ValType.I32]), m.Types[1]);
        Assert.Equal(["f", "g", "t"], m.Imports.Select(i => i.Name));
        Assert.Equal(2u, m.Imports[0].FunctionTypeIndex);
        Assert.Equal(new GlobalType(ValType.I32, false), m.Imports[1].Global);
        Assert.Equal(new TableType(ValType.FuncRef, new Limits(1, null)), m.Imports[2].Table);
        Assert.Equal([1u, 0u], m.FunctionTypeIndices);
        Assert.Equal(new TableType(ValType.FuncRef, new Limits(2, 10)), Assert.Single(m.Tables));
        Assert.Equal(new Limits(1, 2), Assert.Single(m.Memories).Limits);
        Assert.Equal(new GlobalType(ValType.I64, true), m.Globals[0].Type);
        Assert.Equal([0x42, 0x7F, 0x0B], m.Globals[0].Init.Code.ToArray());
        Assert.Equal(new Export("tab", ExternKind.Table, 1), m.Exports[2]);
        Assert.Equal(2u, m.StartFunction);
        Assert.Equal(3u, m.DataCount);
        Assert.Equal(2, m.Bodies.Count);
        Assert.Equal([new LocalGroup(1, ValType.I64)], m.Bodies[0].Locals);
        Assert.Equal((byte)Opcode.End, m.Bodies[0].Code.Span[^1]);
        Assert.Equal(0x20, m.Bodies[0].Code.Span[0]);
    }

    [Fact]
    public void ReadsAllEightElementSegmentEncodings()
    {
        List<ElementSegment> e = ModuleReader.Read(SampleModules.Rich()).Elements;
        Assert.Equal(8, e.Count);
        SegmentMode[] modes = [SegmentMode.Active, SegmentMode.Passive, SegmentMode.Active, SegmentMode.Declarative,
            SegmentMode.Active, SegmentMode.Passive, SegmentMode.Active, SegmentMode.Declarative];
        Assert.Equal(modes, e.Select(s => s.Mode));
        Assert.Equal([0u, 0u, 1u, 0u, 0u, 0u, 1u, 0u], e.Select(s => s.TableIndex));
        Assert.Equal([true, true, true, true, false, false, false, false], e.Select(s => s.UsesFunctionIndices));
        Assert.Equal(ValType.ExternRef, e[5].ElementType);
        Assert.All(e.Where(s => s.Mode == SegmentMode.Active), s => Assert.NotNull(s.Offset));
        Assert.All(e.Where(s => s.Mode != SegmentMode.Active), s => Assert.Null(s.Offset));
        // Function indices become ref.func items.
        Assert.Equal([0xD2, 0x01, 0x0B], e[1].Items[0].Code.ToArray());
        Assert.Equal([0xD2, 0x02, 0x0B], e[1].Items[1].Code.ToArray());
        Assert.Equal([0xD0, 0x70, 0x0B], e[6].Items[0].Code.ToArray());
        Assert.Equal([0x23, 0x00, 0x0B], e[2].Offset!.Code.ToArray());
    }

    [Fact]
    public void ReadsAllThreeDataSegmentEncodings()
    {
        List<DataSegment> d = ModuleReader.Read(SampleModules.Rich()).Data;
        Assert.Equal([SegmentMode.Active, SegmentMode.Passive, SegmentMode.Active], d.Select(s => s.Mode));
        Assert.Equal("hi"u8.ToArray(), d[0].Bytes.ToArray());
        Assert.Equal("abc"u8.ToArray(), d[1].Bytes.ToArray());
        Assert.Null(d[1].Offset);
        Assert.Equal([0x41, 0x10, 0x0B], d[2].Offset!.Code.ToArray());
    }

    [Fact]
    public void KeepsCustomSectionsAndParsesNames()
    {
        byte[] bytes = SampleModules.Rich();
        WasmModule m = ModuleReader.Read(bytes);
        CustomSection other = Assert.Single(m.CustomSections);
        Assert.Equal("other", other.Name);
        Assert.Equal([1, 2, 3], other.Content.ToArray());
        Assert.Equal(bytes.AsSpan(other.Offset, 3).ToArray(), other.Content.ToArray());
        Assert.Equal("rich", m.Names.ModuleName);
        Assert.Equal("add", m.GetFunctionName(new FuncIndex(1)));
        Assert.Equal("start", m.Names.FunctionNames[2]);
        Assert.Equal("func[0]", m.GetFunctionName(new FuncIndex(0)));
        Assert.Equal("b", m.Names.LocalNames[1][1]);
    }

    [Fact]
    public void MalformedNameSectionDoesNotFailTheModule()
    {
        // Module name, then a function-name map whose count runs past the subsection.
        byte[] bytes = new WasmBuilder()
            .Section(SectionId.Custom, Cat(Name("name"), [0x00], Sized(Name("m")), [0x01, 0x03, 0x05, 0x00, 0x01]))
            .Build();
        WasmModule m = ModuleReader.Read(bytes);
        Assert.Equal("m", m.Names.ModuleName);
        Assert.Empty(m.Names.FunctionNames);
    }

    [Theory]
    [InlineData("", "unexpected end")]
    [InlineData("0061736d01", "unexpected end")]
    [InlineData("0061736e01000000", "magic header not detected")]
    [InlineData("0061736d02000000", "unknown binary version")]
    [InlineData("0061736d010000000d0100", "malformed section id")]
    [InlineData("0061736d01000000010100010100", "unexpected content after last section")]
    [InlineData("0061736d010000000a0100010100", "unexpected content after last section")]
    [InlineData("0061736d0100000001020000", "section size mismatch")]
    [InlineData("0061736d010000000105", "length out of bounds")]
    [InlineData("0061736d0100000002050100000400", "malformed import kind")]
    [InlineData("0061736d010000000603017f02", "malformed mutability")]
    [InlineData("0061736d01000000040101", "unexpected end of section or function")]
    [InlineData("0061736d010000000404016f0200", "integer too large")]
    [InlineData("0061736d01000000040401050000", "malformed reference type")]
    [InlineData("0061736d0100000003020100", "function and code section have inconsistent lengths")]
    [InlineData("0061736d010000000c0101", "data count and data section have inconsistent lengths")]
    [InlineData("0061736d0100000007050101ff0000", "malformed UTF-8 encoding")]
    public void RejectsMalformedModules(string hex, string reason)
    {
        Assert.StartsWith(reason, Malformed(Convert.FromHexString(hex)).Reason);
    }

    [Fact]
    public void ErrorsInBodiesNameTheFunctionAndOffset()
    {
        // Two locals runs of 40000 each: over the 50000 cap.
        byte[] locals = Cat([0x02], U32(40000), [I32], U32(40000), [I64]);
        byte[] bytes = Function([], [], [], locals).Build();
        MalformedModuleException e = Malformed(bytes);
        Assert.Equal("too many locals", e.Reason);
        Assert.Equal(0u, e.FunctionIndex);
        Assert.InRange(e.Offset, 20, bytes.Length);
        Assert.Contains("in function 0", e.Message);
    }

    [Fact]
    public void AcceptsLocalsUpToTheCap()
    {
        byte[] locals = Cat([0x01], U32(ModuleReader.MaxLocals), [I32]);
        WasmModule m = ModuleReader.Read(Function([], [], [], locals).Build());
        Assert.Equal(ModuleReader.MaxLocals, m.Bodies[0].LocalCount);
    }

    [Fact]
    public void BodyWithoutFinalEndIsMalformed()
    {
        // Body: no locals, i32.const 1, drop; no end, and nothing after it in the module.
        byte[] bytes = new WasmBuilder().Types(([], [])).Functions(0).Section(SectionId.Code, Vec(Sized([0x00, 0x41, 0x01, 0x1A]))).Build();
        MalformedModuleException e = Malformed(bytes);
        Assert.Equal("unexpected end of section or function", e.Reason);
        Assert.Equal(0u, e.FunctionIndex);
    }

    [Fact]
    public void FunctionIndicesInCodeCountImports()
    {
        byte[] bytes = new WasmBuilder()
            .Types(([], []))
            .Section(SectionId.Import, Vec(Cat(Name("m"), Name("f"), [0x00, 0x00])))
            .Functions(0)
            .Section(SectionId.Code, Vec(Sized([0x00, 0x41]))) // cut short
            .Build();
        Assert.Equal(1u, Malformed(bytes).FunctionIndex);
    }

    [Fact]
    public void BodiesAndDataAreSlicesOfTheInput()
    {
        byte[] bytes = SampleModules.Rich();
        WasmModule m = ModuleReader.Read(bytes);
        FunctionBody body = m.Bodies[1];
        Assert.Equal(bytes.AsSpan(body.CodeOffset, body.Code.Length).ToArray(), body.Code.ToArray());
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(m.Data[0].Bytes, out ArraySegment<byte> segment));
        Assert.Same(bytes, segment.Array);
    }
}
