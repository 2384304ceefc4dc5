using Kiln.Jit.X64;
using Kiln.Optimizing.Codegen;
using Kiln.Optimizing.Ir;

namespace Kiln.Tests.Optimizing.Codegen;

/// <summary>
/// <see cref="ParallelMoves.Sequentialize"/> against the parallel semantics: the sequence is run on a model of
/// registers and frame words (every location starts with a distinct token) and every destination must end up with its
/// source's original token, while locations no move writes keep theirs, except the temporaries.
/// </summary>
public class ParallelMovesTests
{
    private static readonly Location Rbx = Location.OfGpr(Gpr.Rbx);
    private static readonly Location Rsi = Location.OfGpr(Gpr.Rsi);
    private static readonly Location Rdi = Location.OfGpr(Gpr.Rdi);
    private static readonly Location R8 = Location.OfGpr(Gpr.R8);
    private static readonly Location X2 = Location.OfXmm(Xmm.Xmm2);
    private static readonly Location X3 = Location.OfXmm(Xmm.Xmm3);
    private static readonly Location S0 = Location.OfStack(Gpr.Rbp, -32);
    private static readonly Location S1 = Location.OfStack(Gpr.Rbp, -40);

    [Fact]
    public void SwapOfTwoRegistersGoesThroughTheTemporary()
    {
        List<Move> order = Check([new(Rbx, Rsi, IrType.I32), new(Rsi, Rbx, IrType.I32)]);
        Assert.Equal(3, order.Count);
        Assert.Contains(order, m => m.Dst == ParallelMoves.GprTemp);
    }

    [Fact]
    public void ThreeCycleAndAChainOffItAreOrdered()
    {
        // rbx <- rsi <- rdi <- rbx is a cycle; r8 <- rbx reads a member before the cycle overwrites it.
        Check([new(Rbx, Rsi, IrType.I64), new(Rsi, Rdi, IrType.I64), new(Rdi, Rbx, IrType.I64), new(R8, Rbx, IrType.I64)]);
    }

    [Fact]
    public void CyclesThroughFrameWordsAndXmmRegisters()
    {
        Check([new(S0, S1, IrType.I64), new(S1, S0, IrType.I64), new(X2, X3, IrType.F64), new(X3, X2, IrType.F64)]);
        Check([new(S0, Rbx, IrType.I32), new(Rbx, S0, IrType.I32)]);
        Check([new(S0, X2, IrType.F64), new(X2, S0, IrType.F64)]);
    }

    [Fact]
    public void ConstantsAreWrittenAfterTheirDestinationsAreRead()
    {
        List<Move> order = Check([new(Rbx, Location.OfConst(7), IrType.I32), new(Rsi, Rbx, IrType.I32)]);
        Assert.Equal(Location.OfConst(7), order[^1].Src);
    }

    [Fact]
    public void MovesToThemselvesVanish() => Assert.Empty(Check([new(Rbx, Rbx, IrType.I32)]));

    [Fact]
    public void FanOutFromOneSource() => Check([new(Rsi, Rbx, IrType.I32), new(Rdi, Rbx, IrType.I32), new(Rbx, Rdi, IrType.I32)]);

    private static List<Move> Check(List<Move> moves)
    {
        var state = new Dictionary<Location, string>();
        string Read(Location l) => l.Kind == LocationKind.Const ? "const" + l.Bits : state.TryGetValue(l, out string? v) ? v : "old " + l;
        List<Move> order = ParallelMoves.Sequentialize(moves);
        foreach (Move m in order)
        {
            state[m.Dst] = Read(m.Src);
        }
        foreach (Move m in moves)
        {
            string expected = m.Src.Kind == LocationKind.Const ? "const" + m.Src.Bits : "old " + m.Src;
            Assert.Equal(expected, Read(m.Dst));
        }
        foreach (Location written in order.Select(m => m.Dst))
        {
            bool isDestination = moves.Any(m => m.Dst == written);
            bool isTemp = written == ParallelMoves.GprTemp || written == ParallelMoves.XmmTemp;
            Assert.True(isDestination || isTemp, $"{written} was written but is no destination");
        }
        return order;
    }
}
