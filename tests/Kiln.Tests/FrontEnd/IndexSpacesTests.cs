using Kiln.FrontEnd;
using Kiln.Wasm.Model;
using Kiln.Wasm.Text;
using Kiln.Wasm.Validation;

namespace Kiln.Tests.FrontEnd;

/// <summary>The index spaces the tiers read: imports first in every space, block types without copies, locals with parameters first.</summary>
public class IndexSpacesTests
{
    private const string Wat = """
        (module
          (type $pair (func (param i32 i64) (result f32)))
          (func $f (import "m" "f") (param i64))
          (global (import "m" "g") (mut f32))
          (table (import "m" "t") 1 externref)
          (memory (import "m" "mem") 1)
          (func $a (param i32) (result i32) (local f64 f64) (local v128) (local.get 0))
          (func $b (type $pair) (f32.const 0))
          (global i32 (i32.const 0))
          (global (mut f64) (f64.const 0))
          (table 2 funcref))
        """;

    private static IndexSpaces Spaces(string wat) => new(ModuleValidator.Validate(TextParser.ParseModule(wat)));

    [Fact]
    public void ImportsComeFirstInEverySpace()
    {
        IndexSpaces s = Spaces(Wat);

        Assert.Equal(1, s.ImportedFunctionCount);
        Assert.Equal(3, s.FunctionTypes.Length);
        Assert.Equal([ValType.I64], s.FunctionTypes[0].Params.ToArray());
        Assert.Equal([ValType.I32], s.FunctionTypes[1].Params.ToArray());
        Assert.Equal([ValType.I32, ValType.I64], s.FunctionTypes[2].Params.ToArray());
        Assert.Same(s.FunctionTypes[2], s.DefinedFunctionType(1));
        Assert.Equal([ValType.F32, ValType.I32, ValType.F64], s.GlobalTypes);
        Assert.Equal([ValType.ExternRef, ValType.FuncRef], s.TableElementTypes);
        Assert.True(s.HasMemory);
    }

    [Fact]
    public void AModuleWithoutMemoryHasNone()
    {
        IndexSpaces s = Spaces("(module (func))");

        Assert.False(s.HasMemory);
        Assert.Empty(s.GlobalTypes);
        Assert.Empty(s.TableElementTypes);
    }

    [Fact]
    public void LocalTypesListParametersThenDeclaredLocalsAndGrowTheBuffer()
    {
        IndexSpaces s = Spaces(Wat);
        ValType[] buffer = new ValType[1];

        int count = s.LocalTypes(0, ref buffer);

        Assert.Equal(4, s.LocalCount(0));
        Assert.Equal(4, count);
        Assert.Equal([ValType.I32, ValType.F64, ValType.F64, ValType.V128], buffer.AsSpan(0, count).ToArray());
        ValType[] kept = buffer;
        Assert.Equal(2, s.LocalTypes(1, ref buffer));
        Assert.Same(kept, buffer);
        Assert.Equal([ValType.I32, ValType.I64], buffer.AsSpan(0, 2).ToArray());
    }

    [Fact]
    public void BlockTypeFromATypeIndexHasItsParametersAndResults()
    {
        IndexSpaces s = Spaces(Wat);

        s.BlockTypes(BlockType.FromTypeIndex(0), out ValType[] parameters, out ValType[] results);

        Assert.Equal([ValType.I32, ValType.I64], parameters);
        Assert.Equal([ValType.F32], results);
        // The function type's own arrays: resolving a block type allocates nothing.
        s.BlockTypes(BlockType.FromTypeIndex(0), out ValType[] again, out ValType[] againResults);
        Assert.Same(parameters, again);
        Assert.Same(results, againResults);
    }

    [Fact]
    public void BlockTypeOfOneValueOrNoneHasNoParameters()
    {
        IndexSpaces s = Spaces(Wat);

        s.BlockTypes(BlockType.Value(ValType.F64), out ValType[] parameters, out ValType[] results);
        s.BlockTypes(BlockType.Value(ValType.F64), out _, out ValType[] same);
        s.BlockTypes(BlockType.Empty, out ValType[] emptyParameters, out ValType[] emptyResults);

        Assert.Empty(parameters);
        Assert.Equal([ValType.F64], results);
        Assert.Same(results, same);
        Assert.Empty(emptyParameters);
        Assert.Empty(emptyResults);
    }
}
