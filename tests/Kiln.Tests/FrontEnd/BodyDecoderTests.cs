using Kiln.FrontEnd;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Text;
using Kiln.Wasm.Validation;

namespace Kiln.Tests.FrontEnd;

/// <summary>
/// What the front end hands a tier: each case walks a body with a minimal tier (it opens and closes frames and
/// records branches, as every tier must) and compares the instructions handed out with the expected trace. Dead
/// code is decoded but not handed out; only the else or end that closes the dead frame is, marked "dead".
/// </summary>
public class BodyDecoderTests
{
    private struct Probe
    {
        public bool BranchedTo;
    }

    /// <summary>The instructions handed out for the module's first function; an else or end is marked when the frame's rest was unreachable.</summary>
    private static string Walk(string wat, bool validate = true)
    {
        WasmModule model = TextParser.ParseModule(wat);
        ValidationContext context = validate ? ModuleValidator.Validate(model) : new ValidationContext(model);
        var decoder = new BodyDecoder<Probe>(new IndexSpaces(context));
        ControlStack<Probe> controls = decoder.Controls;
        InstructionReader reader = decoder.Begin(0);
        var trace = new List<string>();
        while (decoder.Next(ref reader, out Instruction ins))
        {
            bool dead = controls.Unreachable && ins.Opcode is Opcode.Else or Opcode.End;
            trace.Add(ins.Info.Name + (dead ? " dead" : ""));
            switch (ins.Opcode)
            {
                case Opcode.Block:
                case Opcode.Loop:
                case Opcode.If:
                {
                    decoder.Spaces.BlockTypes(ins.BlockType, out ValType[] parameters, out ValType[] results);
                    FrameKind kind = ins.Opcode switch
                    {
                        Opcode.Block => FrameKind.Block,
                        Opcode.Loop => FrameKind.Loop,
                        _ => FrameKind.If,
                    };
                    // This tier keeps no value stack: every frame's parameters sit right above the enclosing frame.
                    controls.Push(kind, controls.Top.Height + parameters.Length, parameters, results);
                    break;
                }
                case Opcode.Else:
                    controls.EnterElse();
                    break;
                case Opcode.End:
                    controls.Pop(controls.Top.Data.BranchedTo);
                    break;
                case Opcode.Br:
                case Opcode.BrIf:
                    controls.Target(ins.Index).Data.BranchedTo = true;
                    break;
                case Opcode.BrTable:
                {
                    uint[] targets = new uint[ins.BrTableCount + 1];
                    reader.ReadBrTableTargets(in ins, targets);
                    foreach (uint depth in targets)
                    {
                        controls.Target(depth).Data.BranchedTo = true;
                    }
                    break;
                }
            }
        }
        Assert.True(reader.AtEnd);
        return string.Join(", ", trace);
    }

    [Fact]
    public void ReachableCodeIsHandedOutWhole()
    {
        string trace = Walk("""
            (module (func (param i32) (result i32)
              (block (result i32) (loop (br_if 0 (local.get 0))) (i32.const 1))))
            """);

        Assert.Equal("block, loop, local.get, br_if, end, i32.const, end, end", trace);
    }

    [Fact]
    public void DeadCodeIsSkippedOverNestedBlocksToTheFramesEnd()
    {
        // The dead if's else and the inner ends belong to dead frames: only the block's own end is handed out.
        string trace = Walk("""
            (module (func (result i32)
              (block (result i32)
                (br 0 (i32.const 1))
                (i32.const 2)
                (block (loop (if (i32.const 0) (then (nop)) (else (br 2)))))
                (drop))))
            """);

        Assert.Equal("block, i32.const, br, end dead, end", trace);
    }

    [Fact]
    public void ADeadThenArmEndsAtItsElseAndTheElseArmIsCompiled()
    {
        string trace = Walk("""
            (module (func (param i32) (result i32)
              (if (result i32) (local.get 0)
                (then (unreachable) (i32.const 5) (i32.add))
                (else (i32.const 6)))))
            """);

        Assert.Equal("local.get, if, unreachable, else dead, i32.const, end, end", trace);
    }

    [Fact]
    public void ADeadElseArmIsSkippedToTheIfsEnd()
    {
        string trace = Walk("""
            (module (func (param i32)
              (if (local.get 0)
                (then (nop))
                (else (return) (block (nop)) (nop)))
              (nop)))
            """);

        Assert.Equal("local.get, if, nop, else, return, end dead, nop, end", trace);
    }

    [Fact]
    public void AfterABlockNothingReachesTheCodeStaysDead()
    {
        // The block's end is unreachable and no branch targets it: what follows it is dead too, up to the function's end.
        string trace = Walk("""
            (module (func (result i32)
              (block (unreachable))
              (i32.const 1)))
            """);

        Assert.Equal("block, unreachable, end dead, end dead", trace);
    }

    [Fact]
    public void ABranchToTheEnclosingBlockMakesItsEndReachable()
    {
        string trace = Walk("""
            (module (func (param i32)
              (block (br_table 0 1 0 (local.get 0)) (nop))
              (nop)))
            """);

        Assert.Equal("block, local.get, br_table, end dead, nop, end", trace);
    }

    [Fact]
    public void AnImmediateOutOfRangeIsRefusedWhereItIsCompiled()
    {
        // Parsed but not validated: local 3 does not exist. The front end's checks stop it before any tier sees it.
        const string Bad = "(module (func (param i32) (drop (local.get 3))))";

        Assert.Throws<InternalErrorException>(() => Walk(Bad, validate: false));
    }

    [Fact]
    public void DeadCodeIsNotChecked()
    {
        // The same bad index in dead code is decoded and dropped: no tier turns it into anything.
        string trace = Walk("(module (func (param i32) (return) (drop (local.get 3))))", validate: false);

        Assert.Equal("return, end dead", trace);
    }

    [Fact]
    public void EachFunctionGetsItsOwnSignatureLocalsAndFunctionFrame()
    {
        WasmModule model = TextParser.ParseModule("""
            (module
              (func (import "m" "f"))
              (func (param i64) (result f32) (local i32 i32) (f32.const 1))
              (func (param v128) (local f64)))
            """);
        var decoder = new BodyDecoder<Probe>(new IndexSpaces(ModuleValidator.Validate(model)));

        decoder.Begin(0);
        Assert.Equal(1u, decoder.FunctionIndex);
        Assert.Equal(3, decoder.LocalCount);
        Assert.Equal([ValType.I64, ValType.I32, ValType.I32], decoder.LocalTypes.AsSpan(0, 3).ToArray());
        Assert.Equal(1, decoder.Controls.Count);
        Assert.Equal(FrameKind.Function, decoder.Controls.Top.Kind);
        Assert.Equal([ValType.F32], decoder.Controls.Top.BranchTypes);
        decoder.Controls.Push(FrameKind.Block, 0, [], []);

        // Abandoned half way (a tier that threw): the next function starts afresh.
        decoder.Begin(1);
        Assert.Equal(2u, decoder.FunctionIndex);
        Assert.Equal([ValType.V128, ValType.F64], decoder.LocalTypes.AsSpan(0, decoder.LocalCount).ToArray());
        Assert.Equal(1, decoder.Controls.Count);
        Assert.Empty(decoder.Controls.Top.Results);
        Assert.False(decoder.Controls.Unreachable);
    }
}
