using Kiln.FrontEnd;
using Kiln.Optimizing;
using Kiln.Optimizing.Ir;
using Kiln.Optimizing.Passes;
using Kiln.Wasm.Text;
using Kiln.Wasm.Validation;

namespace Kiln.Tests.Optimizing;

/// <summary>
/// The builder makes a block parameter only where a variable's values differ: a local that merely passes a join, or
/// a loop that never assigns it, gets none, and whatever the builder leaves, <see cref="TrivialBlockParams"/> finds
/// nothing more to remove (the builder skips that pass when it made no parameter that could be trivial).
/// </summary>
public class SsaBuilderParameterTests
{
    private static int ParamCount(IrFunction f, int block) => f.Block(block).Params.Count;

    /// <summary>Builds the module's first function; <paramref name="made"/>: the parameters its variable lookups made.</summary>
    private static IrFunction BuildFirst(string wat, out int made)
    {
        var builder = new SsaBuilder(new IndexSpaces(ModuleValidator.Validate(TextParser.ParseModule(wat))));
        IrFunction f = builder.Build(0);
        IrVerifier.VerifyOrThrow(f);
        made = builder.JoinParamCount;
        return f;
    }

    [Fact]
    public void LoopHeaderHasParametersOnlyForTheLocalsItsLoopAssigns()
    {
        // Locals 0 and 1 are read in the loop; only local 2 (the counter) is assigned there.
        IrFunction f = BuildFirst("""
            (module (func (param i32 i32) (result i32) (local i32)
              (loop
                local.get 2
                local.get 0
                i32.add
                local.get 1
                i32.add
                local.set 2
                local.get 2
                i32.const 100
                i32.lt_u
                br_if 0)
              local.get 2))
            """, out int made);
        Assert.Equal(1, made);
        Assert.Equal(1, ParamCount(f, f.LoopHeaders.Single()));
        Assert.False(TrivialBlockParams.Run(f));
    }

    [Fact]
    public void JoinHasParametersOnlyForTheLocalsAnArmAssigns()
    {
        // Local 2 differs between the arms, locals 0 and 1 pass through the join unchanged.
        IrFunction f = BuildFirst("""
            (module (func (param i32 i32) (result i32) (local i32)
              local.get 0
              if
                i32.const 10
                local.set 2
              else
                i32.const 20
                local.set 2
              end
              local.get 2
              local.get 1
              i32.add
              local.get 0
              i32.add))
            """, out int made);
        Assert.Equal(1, made);
        int withParams = f.Layout.Count(b => b != f.Entry && ParamCount(f, b) > 0);
        Assert.Equal(1, withParams);
        Assert.Equal(1, f.Layout.Where(b => b != f.Entry).Sum(b => ParamCount(f, b)));
        Assert.False(TrivialBlockParams.Run(f));
    }

    [Fact]
    public void LookupThatComesRoundALoopGetsItsParameterAtTheJoin()
    {
        // Local 1 is assigned on one arm of an if inside the loop and read only after the loop. That read asks the
        // if's end (a join), whose other arm leads to the loop header, which is sealed by then and asks its back edge,
        // which comes from the same join: the join gets its parameter when the lookup comes round to it, the header
        // one too (the value from before the loop, or the join's), and the join's arguments are the assigned value
        // and the header's parameter. Local 0 is read at the header while the loop is open, and passes the join.
        IrFunction f = BuildFirst("""
            (module (func (param i32 i32) (result i32)
              (loop
                local.get 0
                if
                  i32.const 7
                  local.set 1
                end
                local.get 0
                i32.const 1
                i32.sub
                local.tee 0
                br_if 0)
              local.get 1))
            """, out int made);
        Assert.Equal(3, made);
        int header = f.LoopHeaders.Single();
        Assert.Equal(2, ParamCount(f, header));
        int[] joins = [.. f.Layout.Where(b => b != f.Entry && b != header && ParamCount(f, b) > 0)];
        int join = Assert.Single(joins);
        Assert.Equal(1, ParamCount(f, join));
        Assert.False(TrivialBlockParams.Run(f));
        Assert.Contains($"return v{f.Block(join).Params[0]}", IrPrinter.Print(f), StringComparison.Ordinal);
    }

    [Fact]
    public void ManyShapesLeaveNothingForTheTrivialParameterPass()
    {
        // Nested loops, br_if chains, block results, br_table and a loop assigning a local its own value.
        List<IrFunction> fs = OptimizingFiles.Build("""
            (module
              (func (param i32 i32) (result i32) (local i32 i32)
                (block (result i32)
                  (loop
                    (loop
                      local.get 2
                      local.get 1
                      i32.add
                      local.set 2
                      local.get 3
                      local.set 3
                      local.get 2
                      i32.const 50
                      i32.lt_u
                      br_if 0)
                    local.get 0
                    i32.const 1
                    i32.sub
                    local.tee 0
                    br_if 0)
                  local.get 2
                  local.get 2
                  br_if 0
                  drop
                  local.get 3)
                local.get 1
                br_table 0 0)
              (func (param i32) (result i32) (local i32)
                (block
                  (block
                    local.get 0
                    br_if 0
                    i32.const 5
                    local.set 1
                    local.get 0
                    i32.const 2
                    i32.gt_u
                    br_if 1)
                  local.get 1
                  i32.const 1
                  i32.add
                  local.set 1)
                local.get 1))
            """);
        Assert.Equal(2, fs.Count);
        // Build verified each one already.
        Assert.All(fs, f => Assert.False(TrivialBlockParams.Run(f)));
    }
}
