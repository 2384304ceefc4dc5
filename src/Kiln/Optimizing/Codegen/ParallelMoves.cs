using Kiln.Jit.X64;
using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Codegen;

/// <summary>
/// Sequentializes a parallel move (block arguments to parameters on an edge, arguments to a call area): every source is
/// read before any destination is written. A move whose destination no other pending move reads goes first; when none
/// is free, the rest are cycles, and one destination is saved to a temporary register (rcx for integers and
/// references, xmm1 for floats and v128) and its readers redirected there, which frees it. Constants go last, since no move reads their
/// destinations' old values by then. Memory-to-memory copies use rax (see <see cref="MoveEmitter"/>).
/// </summary>
internal static class ParallelMoves
{
    public static readonly Location GprTemp = Location.OfGpr(Gpr.Rcx);
    public static readonly Location XmmTemp = Location.OfXmm(Xmm.Xmm1);

    /// <summary>The moves in an order that gives the parallel semantics; sources may name the temporaries.</summary>
    public static List<Move> Sequentialize(IEnumerable<Move> moves) => Sequentialize([.. moves], new Lists());

    /// <summary>
    /// The working lists of <see cref="Sequentialize(List{Move}, Lists)"/>, which an emitter keeps and passes to
    /// every call instead of allocating them per edge and per call.
    /// </summary>
    public sealed class Lists
    {
        internal readonly List<Move> Pending = [];
        internal readonly List<Move> Constants = [];
        internal readonly List<Move> Order = [];
        internal readonly Dictionary<Location, int> Readers = [];
    }

    /// <summary>
    /// As <see cref="Sequentialize(IEnumerable{Move})"/>, in <paramref name="lists"/>: the returned list is
    /// <paramref name="lists"/>' own, valid until the next call with them.
    /// </summary>
    public static List<Move> Sequentialize(List<Move> moves, Lists lists)
    {
        List<Move> pending = lists.Pending;
        pending.Clear();
        List<Move>? constants = null;
        foreach (Move m in moves)
        {
            if (m.Src == m.Dst)
            {
                continue;
            }
            if (m.Src.Kind == LocationKind.Const)
            {
                if (constants is null)
                {
                    constants = lists.Constants;
                    constants.Clear();
                }
                constants.Add(m);
            }
            else
            {
                pending.Add(m);
            }
        }
        List<Move> order = lists.Order;
        order.Clear();
        // Many moves (a join of many block parameters): how many pending moves read each location, so a destination's
        // readers are counted in constant time rather than by a scan of the pending moves.
        Dictionary<Location, int>? readers = pending.Count > ReaderCountThreshold ? lists.Readers : null;
        if (readers is not null)
        {
            readers.Clear();
            foreach (Move m in pending)
            {
                readers[m.Src] = readers.GetValueOrDefault(m.Src) + 1;
            }
        }
        while (pending.Count > 0)
        {
            bool progress = false;
            for (int i = 0; i < pending.Count; i++)
            {
                if (!(readers is null ? IsRead(pending, pending[i].Dst, i) : IsRead(readers, pending[i])))
                {
                    if (readers is not null)
                    {
                        readers[pending[i].Src]--;
                    }
                    order.Add(pending[i]);
                    pending.RemoveAt(i);
                    i--;
                    progress = true;
                }
            }
            if (progress)
            {
                continue;
            }
            // Only cycles remain: save the first destination and let its readers take the copy.
            Location blocked = pending[0].Dst;
            IrType contentType = pending.First(m => m.Src == blocked).Type;
            Location temp = RegisterAllocator.InGpr(contentType) ? GprTemp : XmmTemp;
            order.Add(new Move(temp, blocked, contentType));
            for (int i = 0; i < pending.Count; i++)
            {
                if (pending[i].Src == blocked)
                {
                    pending[i] = pending[i] with { Src = temp };
                    if (readers is not null)
                    {
                        readers[blocked]--;
                        readers[temp] = readers.GetValueOrDefault(temp) + 1;
                    }
                }
            }
        }
        if (constants is not null)
        {
            order.AddRange(constants);
        }
        return order;
    }

    private const int ReaderCountThreshold = 8;

    /// <summary>Whether a pending move other than <paramref name="move"/> reads its destination.</summary>
    private static bool IsRead(Dictionary<Location, int> readers, in Move move) =>
        readers.GetValueOrDefault(move.Dst) - (move.Src == move.Dst ? 1 : 0) > 0;

    private static bool IsRead(List<Move> pending, Location dst, int except)
    {
        for (int j = 0; j < pending.Count; j++)
        {
            if (j != except && pending[j].Src == dst)
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>
/// Emits single copies between locations; memory to memory and constants to xmm go through rax, a v128 from memory to
/// memory through xmm0. A v128 in memory is accessed with movdqu: argument areas hold it at any 8-byte offset.
/// </summary>
internal static class MoveEmitter
{
    public static void Emit(Assembler asm, in Move m)
    {
        Location d = m.Dst;
        Location s = m.Src;
        if (d == s)
        {
            return;
        }
        if (m.Type == IrType.V128)
        {
            EmitV128(asm, d, s);
            return;
        }
        bool narrow = m.Type is IrType.I32 or IrType.F32;
        OperandSize size = narrow ? OperandSize.S32 : OperandSize.S64;
        switch (d.Kind, s.Kind)
        {
            case (LocationKind.Gpr, LocationKind.Gpr):
                asm.Mov(size, d.Gpr, s.Gpr);
                return;
            case (LocationKind.Gpr, LocationKind.Stack):
                // SECURITY/consistency: i32 words in memory may carry stray upper halves (a caller's argument area);
                // a 32-bit load keeps the invariant that i32 values in registers are zero-extended.
                asm.Mov(size, d.Gpr, s.Mem);
                return;
            case (LocationKind.Gpr, LocationKind.Const):
                LoadConstant(asm, d.Gpr, m.Type, s.Bits);
                return;
            case (LocationKind.Stack, LocationKind.Gpr):
                asm.Mov(OperandSize.S64, d.Mem, s.Gpr);
                return;
            case (LocationKind.Stack, LocationKind.Stack):
                asm.Mov(size, Gpr.Rax, s.Mem);
                asm.Mov(OperandSize.S64, d.Mem, Gpr.Rax);
                return;
            case (LocationKind.Stack, LocationKind.Const):
            {
                // Words hold the value zero-extended (i32/f32) or whole: one store when that fits a sign-extended imm32.
                long word = narrow ? (uint)s.Bits : s.Bits;
                if (word == (int)word)
                {
                    asm.Mov(OperandSize.S64, d.Mem, (int)word);
                    return;
                }
                LoadConstant(asm, Gpr.Rax, m.Type, s.Bits);
                asm.Mov(OperandSize.S64, d.Mem, Gpr.Rax);
                return;
            }
            case (LocationKind.Stack, LocationKind.Xmm):
                if (narrow)
                {
                    asm.Movss(d.Mem, s.Xmm);
                }
                else
                {
                    asm.Movsd(d.Mem, s.Xmm);
                }
                return;
            case (LocationKind.Xmm, LocationKind.Xmm):
                asm.Movaps(d.Xmm, s.Xmm);
                return;
            case (LocationKind.Xmm, LocationKind.Stack):
                if (narrow)
                {
                    asm.Movss(d.Xmm, s.Mem);
                }
                else
                {
                    asm.Movsd(d.Xmm, s.Mem);
                }
                return;
            case (LocationKind.Xmm, LocationKind.Const):
                LoadConstant(asm, d.Xmm, m.Type, s.Bits);
                return;
            default:
                throw new InternalErrorException($"optimizing tier: no move from {s} to {d} ({m.Type.ToText()})");
        }
    }

    private static void EmitV128(Assembler asm, Location d, Location s)
    {
        switch (d.Kind, s.Kind)
        {
            case (LocationKind.Xmm, LocationKind.Xmm):
                asm.Movaps(d.Xmm, s.Xmm);
                return;
            case (LocationKind.Xmm, LocationKind.Stack):
                asm.Movdqu(d.Xmm, s.Mem);
                return;
            case (LocationKind.Stack, LocationKind.Xmm):
                asm.Movdqu(d.Mem, s.Xmm);
                return;
            case (LocationKind.Stack, LocationKind.Stack):
                asm.Movdqu(Xmm.Xmm0, s.Mem);
                asm.Movdqu(d.Mem, Xmm.Xmm0);
                return;
            default:
                throw new InternalErrorException($"optimizing tier: no v128 move from {s} to {d}");
        }
    }

    public static void LoadConstant(Assembler asm, Gpr r, IrType type, long bits)
    {
        if (type is IrType.I32 or IrType.F32)
        {
            uint v = (uint)bits;
            if (v == 0)
            {
                asm.Xor(OperandSize.S32, r, r);
            }
            else
            {
                asm.Mov(OperandSize.S32, r, unchecked((int)v));
            }
            return;
        }
        if (bits == 0)
        {
            asm.Xor(OperandSize.S32, r, r);
        }
        else
        {
            asm.MovImm(r, bits);
        }
    }

    public static void LoadConstant(Assembler asm, Xmm x, IrType type, long bits)
    {
        if ((type == IrType.F32 ? (uint)bits : (ulong)bits) == 0)
        {
            asm.Xorps(x, x);
            return;
        }
        // From the constant pool: one load, no general-purpose register.
        if (type == IrType.F32)
        {
            asm.Movss(x, asm.ConstF32(BitConverter.Int32BitsToSingle(unchecked((int)(uint)bits))));
        }
        else
        {
            asm.Movsd(x, asm.ConstF64(BitConverter.Int64BitsToDouble(bits)));
        }
    }
}
