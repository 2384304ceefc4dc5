using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Tests.Binary;
using Kiln.Wasm.Validation;
using static Kiln.Wasm.Tests.Binary.WasmBuilder;

namespace Kiln.Wasm.Tests.Validation;

public class ModuleValidatorTests
{
    private static ValidationContext Validate(byte[] bytes) => ModuleValidator.Validate(ModuleReader.Read(bytes));

    private static InvalidModuleException Invalid(byte[] bytes) =>
        Assert.Throws<InvalidModuleException>(() => Validate(bytes));

    /// <summary>A function <c>[] -&gt; [results]</c> in a module with one memory of one page.</summary>
    private static byte[] WithMemory(byte[] results, byte[] code, byte[]? locals = null) =>
        new WasmBuilder().Types(([], results)).Functions(0).Section(SectionId.Memory, Vec([0x00, 0x01]))
            .Code((locals ?? [0x00], code)).Build();

    [Fact]
    public void AcceptsTheSampleModules()
    {
        ValidationContext context = Validate(SampleModules.Rich());
        Assert.Equal(3, context.FunctionCount);
        Assert.Equal(2, context.TableCount);
        Assert.Equal(1, context.ImportedGlobalCount);
        Assert.True(context.IsDeclaredFunction(1));
        Validate(SampleModules.Add());
    }

    [Fact]
    public void ValidateExceptBodiesSkipsOnlyTheNamedBodiesAndStillChecksTheModule()
    {
        // i32.const 1, f32.neg: an invalid body, which only validation would decode.
        byte[] badBody = Function([], [], [0x41, 0x01, 0x8C]).Build();
        ModuleValidator.ValidateExceptBodies(ModuleReader.Read(badBody), i => i == 0);
        Assert.Throws<InvalidModuleException>(() => ModuleValidator.ValidateExceptBodies(ModuleReader.Read(badBody), _ => false));
        // Module-level rules hold whatever is skipped: an export of a function that does not exist.
        byte[] badExport = new WasmBuilder().Types(([], [])).Functions(0).Section(SectionId.Export, Vec([0x01, (byte)'f', 0x00, 0x05]))
            .Code(([0x00], [])).Build();
        Assert.Throws<InvalidModuleException>(() => ModuleValidator.ValidateExceptBodies(ModuleReader.Read(badExport), _ => true));
    }

    [Fact]
    public void TypeMismatchCarriesOffsetAndFunction()
    {
        // i32.const 1, f32.neg
        byte[] bytes = Function([], [], [0x41, 0x01, 0x8C]).Build();
        InvalidModuleException e = Invalid(bytes);
        Assert.StartsWith("type mismatch", e.Reason);
        Assert.Equal(0u, e.FunctionIndex);
        Assert.Equal(0x8C, bytes[e.Offset]);
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x6A, 0x1A }, "unreachable makes the stack polymorphic")]
    [InlineData(new byte[] { 0x02, 0x7F, 0x41, 0x01, 0x0C, 0x00, 0x6A, 0x0B, 0x1A }, "br leaves the rest of the block unreachable")]
    [InlineData(new byte[] { 0x0F, 0x1B, 0x1A }, "select after return")]
    [InlineData(new byte[] { 0x00, 0xD1, 0x1A }, "ref.is_null on the polymorphic stack")]
    [InlineData(new byte[] { 0x02, 0x40, 0x41, 0x00, 0x0E, 0x01, 0x00, 0x01, 0x0B }, "br_table to empty labels")]
    public void AcceptsValidBodies(byte[] code, string why)
    {
        Assert.NotNull(why);
        Validate(Function([], [], code).Build());
    }

    [Theory]
    [InlineData(new byte[] { 0x41, 0x00 }, "type mismatch")] // a value left over
    [InlineData(new byte[] { 0x6A }, "type mismatch")] // empty stack
    [InlineData(new byte[] { 0x0C, 0x01 }, "unknown label 1")]
    [InlineData(new byte[] { 0x20, 0x00 }, "unknown local 0")]
    [InlineData(new byte[] { 0x23, 0x00, 0x1A }, "unknown global 0")]
    [InlineData(new byte[] { 0x10, 0x05 }, "unknown function 5")]
    [InlineData(new byte[] { 0x02, 0x05, 0x0B }, "unknown type 5")]
    [InlineData(new byte[] { 0x41, 0x00, 0x28, 0x02, 0x00, 0x1A }, "unknown memory 0")]
    [InlineData(new byte[] { 0x41, 0x00, 0x25, 0x00, 0x1A }, "unknown table 0")]
    [InlineData(new byte[] { 0xFC, 0x0D, 0x00 }, "unknown elem segment 0")]
    [InlineData(new byte[] { 0xD2, 0x00, 0x1A }, "undeclared function reference")]
    [InlineData(new byte[] { 0xD0, 0x70, 0xD0, 0x70, 0x41, 0x01, 0x1B, 0x1A }, "type mismatch")] // untyped select of references
    [InlineData(new byte[] { 0x41, 0x01, 0x41, 0x01, 0x41, 0x01, 0x1C, 0x02, 0x7F, 0x7F, 0x1A }, "invalid result arity")]
    [InlineData(new byte[] { 0x41, 0x01, 0x04, 0x7F, 0x41, 0x01, 0x0B, 0x1A }, "type mismatch")] // if with a result and no else
    [InlineData(new byte[] { 0x02, 0x7F, 0x02, 0x40, 0x41, 0x00, 0x0E, 0x01, 0x00, 0x01, 0x0B, 0x41, 0x00, 0x0B, 0x1A }, "type mismatch")] // br_table arities differ
    [InlineData(new byte[] { 0xFD, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFD, 0x15, 0x10, 0x1A }, "invalid lane index")]
    public void RejectsInvalidBodies(byte[] code, string reason)
    {
        Assert.StartsWith(reason, Invalid(Function([], [], code).Build()).Reason);
    }

    [Fact]
    public void ShuffleLanesIndexBothOperands()
    {
        byte[] zero = new byte[16];
        byte[] Shuffle(byte lane) => Cat([0xFD, 0x0C], zero, [0xFD, 0x0C], zero, [0xFD, 0x0D], Enumerable.Repeat(lane, 16).ToArray(), [0x1A]);
        Validate(Function([], [], Shuffle(31)).Build());
        Assert.Equal("invalid lane index", Invalid(Function([], [], Shuffle(32)).Build()).Reason);
    }

    [Fact]
    public void ChecksAlignmentAndLanesOfMemoryInstructions()
    {
        Validate(WithMemory([], [0x41, 0x00, 0x28, 0x02, 0x00, 0x1A]));
        Assert.Equal("alignment must not be larger than natural", Invalid(WithMemory([], [0x41, 0x00, 0x28, 0x03, 0x00, 0x1A])).Reason);
        Assert.Equal("alignment must not be larger than natural", Invalid(WithMemory([], [0x41, 0x00, 0xFD, 0x00, 0x05, 0x00, 0x1A])).Reason);
        byte[] v128 = Cat([0xFD, 0x0C], new byte[16]);
        // v128.load32_lane: natural alignment 2, 4 lanes.
        Validate(WithMemory([], Cat([0x41, 0x00], v128, [0xFD, 0x56, 0x02, 0x00, 0x03, 0x1A])));
        Assert.Equal("invalid lane index", Invalid(WithMemory([], Cat([0x41, 0x00], v128, [0xFD, 0x56, 0x02, 0x00, 0x04, 0x1A]))).Reason);
    }

    [Fact]
    public void DataInstructionsNeedTheDataCountSection()
    {
        byte[] noCount = WithMemory([], [0xFC, 0x09, 0x00]);
        Assert.Equal("data count section required", Assert.Throws<MalformedModuleException>(() => Validate(noCount)).Reason);
        byte[] withCount = new WasmBuilder().Types(([], [])).Functions(0).Section(SectionId.Memory, Vec([0x00, 0x01]))
            .Section(SectionId.DataCount, 0x01).Code(([0x00], [0xFC, 0x09, 0x01]))
            .Section(SectionId.Data, Vec(Cat([0x01], Name("a")))).Build();
        Assert.Equal("unknown data segment 1", Invalid(withCount).Reason);
    }

    [Fact]
    public void RefFuncNeedsADeclaration()
    {
        // Declared by a declarative element segment.
        byte[] declared = new WasmBuilder().Types(([], [])).Functions(0)
            .Section(SectionId.Element, Vec(Cat([0x03, 0x00], Vec([0x00]))))
            .Code(([0x00], [0xD2, 0x00, 0x1A])).Build();
        Validate(declared);
        Assert.Equal("undeclared function reference", Invalid(Function([], [], [0xD2, 0x00, 0x1A]).Build()).Reason);
    }

    [Theory]
    [InlineData(new byte[] { 0x7F, 0x00, 0x41, 0x00, 0x41, 0x00, 0x6A, 0x0B }, "constant expression required")]
    [InlineData(new byte[] { 0x7F, 0x00, 0x42, 0x00, 0x0B }, "type mismatch")]
    [InlineData(new byte[] { 0x7F, 0x00, 0x0B }, "type mismatch")]
    [InlineData(new byte[] { 0x7F, 0x00, 0x41, 0x00, 0x41, 0x00, 0x0B }, "type mismatch")]
    [InlineData(new byte[] { 0x7F, 0x00, 0x23, 0x00, 0x0B }, "unknown global 0")]
    [InlineData(new byte[] { 0x70, 0x00, 0xD2, 0x00, 0x0B }, "unknown function 0")]
    public void ChecksConstantExpressions(byte[] global, string reason)
    {
        byte[] bytes = new WasmBuilder().Section(SectionId.Global, Vec(global)).Build();
        Assert.StartsWith(reason, Invalid(bytes).Reason);
    }

    [Fact]
    public void GlobalGetInConstantsReadsOnlyImmutableImports()
    {
        byte[] Module(byte mutability, uint index) => new WasmBuilder()
            .Section(SectionId.Import, Vec(Cat(Name("m"), Name("g"), [0x03, I32, mutability])))
            .Section(SectionId.Global, Vec([I32, 0x00, 0x41, 0x00, 0x0B], Cat([I32, 0x00, 0x23], U32(index), [0x0B])))
            .Build();
        Validate(Module(0x00, 0));
        Assert.Equal("constant expression required", Invalid(Module(0x01, 0)).Reason);
        Assert.Equal("unknown global 1", Invalid(Module(0x00, 1)).Reason);
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x81, 0x80, 0x04 }, "memory size must be at most 65536 pages (4GiB)")]
    [InlineData(new byte[] { 0x01, 0x00, 0x81, 0x80, 0x04 }, "memory size must be at most 65536 pages (4GiB)")]
    [InlineData(new byte[] { 0x01, 0x02, 0x01 }, "size minimum must not be greater than maximum")]
    public void ChecksMemoryLimits(byte[] limits, string reason)
    {
        Assert.Equal(reason, Invalid(new WasmBuilder().Section(SectionId.Memory, Vec(limits)).Build()).Reason);
        Validate(new WasmBuilder().Section(SectionId.Memory, Vec([0x01, 0x00, 0x80, 0x80, 0x04])).Build());
    }

    [Fact]
    public void AllowsMultipleTablesButOneMemory()
    {
        Validate(new WasmBuilder().Section(SectionId.Table, Vec([FuncRef, 0x00, 0x00], [ExternRef, 0x00, 0x00])).Build());
        byte[] twoMemories = new WasmBuilder()
            .Section(SectionId.Import, Vec(Cat(Name("m"), Name("mem"), [0x02, 0x00, 0x00])))
            .Section(SectionId.Memory, Vec([0x00, 0x00])).Build();
        Assert.Equal("multiple memories", Invalid(twoMemories).Reason);
        Assert.Equal("size minimum must not be greater than maximum",
            Invalid(new WasmBuilder().Section(SectionId.Table, Vec([FuncRef, 0x01, 0x02, 0x01])).Build()).Reason);
    }

    [Fact]
    public void ChecksExportsAndStart()
    {
        byte[] duplicate = new WasmBuilder().Types(([], [])).Functions(0)
            .Section(SectionId.Export, Vec(Cat(Name("f"), [0x00, 0x00]), Cat(Name("f"), [0x00, 0x00]))).Code(([0x00], [])).Build();
        InvalidModuleException e = Invalid(duplicate);
        Assert.Equal("duplicate export name", e.Reason);
        Assert.Equal("duplicate export name (export \"f\")", e.Message);
        Assert.Equal(-1, e.Offset);
        byte[] unknown = new WasmBuilder().Section(SectionId.Export, Vec(Cat(Name("g"), [0x03, 0x00]))).Build();
        Assert.Equal("unknown global 0", Invalid(unknown).Reason);
        byte[] start = new WasmBuilder().Types(([I32], [])).Functions(0).Section(SectionId.Start, 0x00).Code(([0x00], [])).Build();
        Assert.StartsWith("start function", Invalid(start).Reason);
    }

    [Fact]
    public void ChecksSegments()
    {
        byte[] elementIntoExternTable = new WasmBuilder().Types(([], [])).Functions(0)
            .Section(SectionId.Table, Vec([ExternRef, 0x00, 0x01]))
            .Section(SectionId.Element, Vec(Cat([0x00, 0x41, 0x00, 0x0B], Vec([0x00]))))
            .Code(([0x00], [])).Build();
        Assert.StartsWith("type mismatch", Invalid(elementIntoExternTable).Reason);
        byte[] dataWithoutMemory = new WasmBuilder().Section(SectionId.Data, Vec(Cat([0x00, 0x41, 0x00, 0x0B], Name("a")))).Build();
        Assert.Equal("unknown memory 0", Invalid(dataWithoutMemory).Reason);
        byte[] i64Offset = new WasmBuilder().Section(SectionId.Memory, Vec([0x00, 0x01]))
            .Section(SectionId.Data, Vec(Cat([0x00, 0x42, 0x00, 0x0B], Name("a")))).Build();
        Assert.StartsWith("type mismatch", Invalid(i64Offset).Reason);
    }

    [Fact]
    public void TablesOfElementsMustMatchTableInstructions()
    {
        // table.init of a funcref segment into an externref table.
        byte[] bytes = new WasmBuilder().Types(([], [])).Functions(0)
            .Section(SectionId.Table, Vec([ExternRef, 0x00, 0x01]))
            .Section(SectionId.Element, Vec(Cat([0x01, 0x00], Vec([0x00]))))
            .Code(([0x00], [0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x0C, 0x00, 0x00])).Build();
        Assert.StartsWith("type mismatch", Invalid(bytes).Reason);
    }

    [Fact]
    public void GlobalSetNeedsAMutableGlobal()
    {
        byte[] bytes = new WasmBuilder().Types(([], [])).Functions(0)
            .Section(SectionId.Global, Vec([I32, 0x00, 0x41, 0x00, 0x0B]))
            .Code(([0x00], [0x41, 0x01, 0x24, 0x00])).Build();
        Assert.Equal("global is immutable", Invalid(bytes).Reason);
    }

    [Fact]
    public void MalformedBodiesAreFoundByTheValidatorsDecode()
    {
        // memory.size with a non-zero reserved byte; else outside an if; an end too early.
        Assert.Equal("zero byte expected", Assert.Throws<MalformedModuleException>(() => Validate(WithMemory([], [0x3F, 0x01, 0x1A]))).Reason);
        Assert.Equal("END opcode expected", Assert.Throws<MalformedModuleException>(() => Validate(Function([], [], [0x05]).Build())).Reason);
        Assert.Equal("section size mismatch", Assert.Throws<MalformedModuleException>(() => Validate(Function([], [], [0x0B, 0x01]).Build())).Reason);
    }

    [Fact]
    public void ParallelValidationReportsTheLowestFailingFunction()
    {
        // 500 functions; 70 and 430 do not type-check (i32.const 1 where nothing is expected).
        const int count = 500;
        var bodies = new (byte[] Locals, byte[] Code)[count];
        for (int i = 0; i < count; i++)
        {
            bodies[i] = ([0x00], i is 70 or 430 ? [0x41, 0x01] : [0x01]);
        }
        byte[] bytes = new WasmBuilder().Types(([], [])).Functions(new uint[count]).Code(bodies).Build();
        WasmModule module = ModuleReader.Read(bytes);
        foreach (int? threads in new int?[] { 1, 2, 4, null })
        {
            InvalidModuleException e = Assert.Throws<InvalidModuleException>(() => ModuleValidator.Validate(module, threads));
            Assert.Equal(70u, e.FunctionIndex);
        }
        bodies[70] = bodies[430] = ([0x00], [0x01]);
        ModuleValidator.Validate(ModuleReader.Read(new WasmBuilder().Types(([], [])).Functions(new uint[count]).Code(bodies).Build()), 4);
    }
}
