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
    public void RecordsWhetherAV128ValueOccurs()
    {
        WasmModule module = Kiln.Wasm.Text.TextParser.ParseModule("""
            (module
              (global $g v128 (v128.const i64x2 0 0))
              (func (result i32) (i32.add (i32.const 1) (i32.const 2)))
              (func (param v128))
              (func (local v128))
              (func (drop (global.get $g)))
              (func (result i32) (i32x4.extract_lane 0 (v128.const i64x2 1 2)))
              (func (drop (block (result v128) (unreachable)))))
            """);
        ModuleValidator.Validate(module);
        Assert.Equal([false, true, true, true, true, true], module.Bodies.Select(b => b.UsesV128));
    }

    [Fact]
    public void RecordsTheBusiestLocalsWeightedByLoopDepth()
    {
        WasmModule module = Kiln.Wasm.Text.TextParser.ParseModule("""
            (module
              (func (param $p i32) (param $f f64)
                (local $once i32) (local $twice i64) (local $inLoop i32) (local $deep i32) (local $g f32) (local $ref externref)
                (local.set $once (i32.const 1))
                (local.set $twice (i64.const 2)) (drop (local.get $twice))
                (drop (local.get $ref)) (drop (local.get $ref))
                (drop (local.get $f)) (drop (local.get $f)) (drop (local.get $f))
                (block (loop
                  (local.set $inLoop (local.get $p))
                  (local.set $g (f32.const 1))
                  (loop (local.set $deep (local.tee $deep (local.get $deep))))
                  (br_if 1 (local.get $inLoop))))))
            """);
        ModuleValidator.Validate(module);
        // Weights: $deep 3*64, $inLoop 2*8, $p 8, $g 8 (ties: integers first), $f 3, $twice 2; $once (1) and the externref are left out.
        Assert.Equal([5, 4, 0, 6, 1, 3], module.Bodies[0].HotLocals!);
    }

    [Fact]
    public void RecordsTheLocalsWrittenBeforeAnyRead()
    {
        WasmModule module = Kiln.Wasm.Text.TextParser.ParseModule("""
            (module
              (func (param $p i32)
                (local $set i32) (local $tee f64) (local $readFirst i32) (local $inBlock i32) (local $inLoop i32)
                (local $afterBranch i32) (local $setTwice i64) (local $never i32)
                (local.set $p (i32.const 1))
                (local.set $set (i32.const 2)) (drop (local.get $set))
                (drop (local.tee $tee (f64.const 3)))
                (drop (local.get $readFirst)) (local.set $readFirst (i32.const 4))
                (block (br_if 0 (local.get $p)) (local.set $inBlock (i32.const 5)))
                (drop (local.get $inBlock))
                (loop (local.set $inLoop (i32.const 6)))
                (local.set $setTwice (i64.const 7)) (local.set $setTwice (i64.const 8))
                (block (br 0) (local.set $afterBranch (i32.const 9)))
                (return)
                (local.set $never (i32.const 10)))
              (func (local $a i32) (drop (local.get $a))))
            """);
        ModuleValidator.Validate(module);
        // Only writes at the top level of reachable code count: not in a block or loop, not after a branch or return,
        // and never for a parameter (its value comes from the caller).
        Assert.Equal([false, true, true, false, false, false, false, true, false], module.Bodies[0].WrittenFirst!);
        Assert.Null(module.Bodies[1].WrittenFirst);
    }

    [Fact]
    public void RecordsTheLocalsWrittenOnceAndReadOnceInTheSameFrame()
    {
        WasmModule module = Kiln.Wasm.Text.TextParser.ParseModule("""
            (module
              (func (param $p i32)
                (local $once i32) (local $tee f64) (local $readTwice i32) (local $setTwice i32) (local $readFirst i32)
                (local $readInBlock i32) (local $setInBlock i32) (local $inLoop i32) (local $carried i32) (local $thenElse i32)
                (local.set $once (i32.const 1)) (drop (local.get $once))
                (drop (local.tee $tee (f64.const 2))) (drop (local.get $tee))
                (local.set $readTwice (i32.const 3)) (drop (local.get $readTwice)) (drop (local.get $readTwice))
                (local.set $setTwice (i32.const 4)) (local.set $setTwice (i32.const 5)) (drop (local.get $setTwice))
                (drop (local.get $readFirst)) (local.set $readFirst (i32.const 6))
                (local.set $readInBlock (i32.const 7)) (block (drop (local.get $readInBlock)))
                (block (local.set $setInBlock (i32.const 8))) (drop (local.get $setInBlock))
                (loop (local.set $inLoop (i32.const 9)) (block) (drop (local.get $inLoop)))
                (local.set $carried (i32.const 10)) (loop (drop (local.get $carried)) (br_if 0 (local.get $p)))
                (if (local.get $p) (then (local.set $thenElse (i32.const 11))) (else (drop (local.get $thenElse))))
                (local.set $p (i32.const 12)) (drop (local.get $p)))
              (func (local $a i32) (drop (local.get $a))))
            """);
        ModuleValidator.Validate(module);
        // One write, then one read directly in the same frame (a nested block in between is fine): the read may take
        // the value. A read in a nested block or loop, or in the other arm of an if, may run again or without the write.
        Assert.Equal([false, true, true, false, false, false, false, false, true, false, false], module.Bodies[0].ReadOnce!);
        Assert.Null(module.Bodies[1].ReadOnce);
    }

    [Fact]
    public void RecordsTheLocalsEachLoopWrites()
    {
        var locals = string.Join(" ", Enumerable.Range(0, 70).Select(i => $"(local $l{i} i32)"));
        WasmModule module = Kiln.Wasm.Text.TextParser.ParseModule($"""
            (module
              (func (param $p i32) {locals}
                (local.set $l0 (i32.const 1))
                (loop $outer
                  (local.set $l1 (local.get $p))
                  (loop $inner (drop (local.tee $l2 (local.get $l0))) (local.set $l66 (i32.const 3)))
                  (block (local.set $l3 (i32.const 4))))
                (loop (drop (local.get $l1)))
                (block (br 0) (loop (local.set $l4 (i32.const 5))))))
            """);
        ModuleValidator.Validate(module);
        FunctionBody body = module.Bodies[0];
        // Local indices count the parameter: $lN is N + 1. $l66 (67) shares bit 3 with index 3 ($l2). The inner loop's
        // writes count for the outer one; a loop in unreachable code is recorded too.
        ulong Bits(params int[] indices) => indices.Aggregate(0UL, (m, i) => m | (1UL << (i & 63)));
        Assert.Equal([Bits(2, 3, 67, 4), Bits(3, 67), 0UL, Bits(5)], body.LoopWrites!);
        Assert.Equal(4, body.LoopOffsets!.Length);
        Assert.True(body.LoopOffsets.SequenceEqual(body.LoopOffsets.Order()));
    }

    [Fact]
    public void HotLocalsKeepTheBusiestEightOfEachClass()
    {
        var locals = string.Join(" ", Enumerable.Range(0, 12).Select(i => $"(local $i{i} i32) (local $f{i} f64)"));
        // Local $iN (index 2N) is read N+2 times, $fN (index 2N+1) N+2 times.
        var uses = string.Concat(Enumerable.Range(0, 12).Select(i =>
            string.Concat(Enumerable.Repeat($"(drop (local.get $i{i})) (drop (local.get $f{i}))", i + 2))));
        WasmModule module = Kiln.Wasm.Text.TextParser.ParseModule($"(module (func {locals} {uses}))");
        ModuleValidator.Validate(module);
        int[] hot = module.Bodies[0].HotLocals!;
        Assert.Equal(2 * FunctionBody.HotLocalLimit, hot.Length);
        Assert.Equal(Enumerable.Range(4, 8).Reverse().SelectMany(i => new[] { 2 * i, (2 * i) + 1 }), hot);
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
