using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Tests.Binary;
using Kiln.Wasm.Validation;
using static Kiln.Wasm.Tests.Binary.WasmBuilder;

namespace Kiln.Wasm.Tests.Validation;

public class FunctionValidatorTests
{
    [Fact]
    public void StepExposesTheTypedStackToATranslator()
    {
        // [i32 i64] -> [i64]: local.get 1, local.get 0, i64.extend_i32_u, i64.add
        WasmModule module = ModuleReader.Read(Function([I32, I64], [I64], [0x20, 0x01, 0x20, 0x00, 0xAD, 0x7C]).Build());
        var validator = new FunctionValidator(new ValidationContext(module));
        InstructionReader reader = validator.Begin(0);
        Assert.Equal([ValType.I32, ValType.I64], validator.Locals.ToArray());
        var seen = new List<string>();
        while (!validator.IsFinished)
        {
            Instruction ins = reader.Read();
            validator.Step(ins, reader);
            string top = validator.OperandCount > 0 ? validator.PeekOperand(0).ToText() : "-";
            seen.Add($"{ins.Info.Name}:{validator.OperandCount}:{top}");
        }
        validator.End(reader);
        Assert.Equal(["local.get:1:i64", "local.get:2:i32", "i64.extend_i32_u:2:i64", "i64.add:1:i64", "end:1:i64"], seen);
    }

    [Fact]
    public void ReportsControlFramesAndReachability()
    {
        // block [] -> [i32]: i32.const 1, br 0, (unreachable here) end, drop
        WasmModule module = ModuleReader.Read(Function([], [], [0x02, 0x7F, 0x41, 0x01, 0x0C, 0x00, 0x0B, 0x1A]).Build());
        var validator = new FunctionValidator(new ValidationContext(module));
        InstructionReader reader = validator.Begin(0);
        Instruction block = reader.Read();
        validator.Step(block, reader);
        Assert.Equal(Opcode.Block, block.Opcode);
        Assert.Equal(2, validator.ControlDepth);
        Assert.Equal([ValType.I32], validator.GetControl(0).EndTypes);
        Instruction ins = reader.Read();
        validator.Step(ins, reader);
        Assert.False(validator.IsUnreachable);
        ins = reader.Read();
        validator.Step(ins, reader);
        Assert.Equal(Opcode.Br, ins.Opcode);
        Assert.True(validator.IsUnreachable);
        Assert.Equal(0, validator.OperandCount);
    }

    [Fact]
    public void ValidatingBodiesAllocatesNothingOnceWarm()
    {
        WasmModule module = ModuleReader.Read(SampleModules.Rich());
        var validator = new FunctionValidator(new ValidationContext(module));
        validator.Validate(1);
        validator.Validate(2);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            validator.Validate(1);
            validator.Validate(2);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void DeepNestingGrowsTheStacks()
    {
        // 1000 nested blocks each yielding an i32, then 1000 ends and drops.
        const int depth = 1000;
        byte[] code = Cat(
            Enumerable.Repeat(new byte[] { 0x02, 0x7F }, depth).SelectMany(b => b).ToArray(),
            [0x41, 0x00],
            Enumerable.Repeat(new byte[] { 0x0B }, depth).SelectMany(b => b).ToArray(),
            [0x1A]);
        ModuleValidator.Validate(ModuleReader.Read(Function([], [], code).Build()));
    }
}
