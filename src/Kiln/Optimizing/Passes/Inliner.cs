using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Passes;

/// <summary>Where the inliner finds callees: the optimized IR of a function, never modified by the inliner.</summary>
internal interface IInlineSource
{
    /// <summary>
    /// The IR of function <paramref name="functionIndex"/> (the module's index space, as <c>call fnN</c> names it) if it
    /// may be inlined: a defined function, small, and not the function being compiled; else null.
    /// </summary>
    IrFunction? Callee(int functionIndex);
}

/// <summary>
/// Inlines small direct callees. A Wasm call costs far more than its body when the body is a few instructions: the
/// arguments and results go through memory, the callee checks the stack limit and the interrupt word, and every value
/// live across the call is kept in a frame slot since the call clobbers every register. The pass copies the callee's
/// blocks into the caller instead: the block holding the call is split after it, its first half jumps to a copy of
/// the callee's entry (whose parameters become the call's arguments), every <c>return</c> of the copy jumps to the
/// second half with the returned values as its block parameters, which replace the call's results. The callee's IR
/// comes already optimized (<see cref="IInlineSource"/>); the caller's passes run after this one.
/// </summary>
/// <remarks>
/// Limits: a callee of at most <see cref="MaxCalleeInsts"/> instructions, and the caller grows by at most
/// <see cref="MaxGrowth"/> instructions. Only callees that make no call are inlined (<see cref="Calls"/>), so inlined
/// code holds no call to inline in turn (so no recursion either). Callees that may trap are inlined: every copied
/// instruction is listed in <see cref="IrFunction.InlinedFrom"/>, and the emitter sends a trap there through a stub that
/// pushes a frame for the callee, so backtraces keep every frame the other tiers show. Callees with v128 constants or SIMD instructions are skipped (their
/// immediates index the callee's constant table). Inlined instructions carry the call's bytecode offset, so line
/// tables name the call site; loop headers stay loop headers, so interrupts are still checked in inlined loops. A callee's
/// entry checks (stack limit, interrupt, fuel) disappear with its frame, so a compiler counting fuel must not run
/// this pass: fuel counts function entries.
/// </remarks>
internal static class Inliner
{
    /// <summary>Largest callee, in IR instructions after its own optimization.</summary>
    public const int MaxCalleeInsts = 40;

    /// <summary>Most instructions inlining may add to one caller.</summary>
    public const int MaxGrowth = 1000;

    /// <summary>Inlines what <paramref name="source"/> offers; returns how many calls were replaced.</summary>
    public static int Run(IrFunction f, IInlineSource source)
    {
        var calls = new List<int>();
        foreach (int b in f.Layout)
        {
            foreach (int inst in f.Block(b).Insts)
            {
                if (f.Inst(inst).Op == Op.Call)
                {
                    calls.Add(inst);
                }
            }
        }
        // Replacements of call results by the continuation's parameters, applied once at the end.
        var replaced = new List<(int Result, int Param)>();
        int growth = 0;
        int inlined = 0;
        foreach (int call in calls)
        {
            IrFunction? callee = source.Callee((int)f.Inst(call).Imm);
            if (callee is null || !Inlinable(callee, out int size) || growth + size > MaxGrowth)
            {
                continue;
            }
            growth += size;
            InlineCall(f, call, (int)f.Inst(call).Imm, callee, replaced);
            inlined++;
        }
        if (inlined == 0)
        {
            return 0;
        }
        int[] map = f.IdentityMap();
        foreach ((int result, int param) in replaced)
        {
            map[result] = param;
        }
        f.RewriteUses(map);
        f.ControlFlowChanged();
        return inlined;
    }

    /// <summary>Whether the callee is small enough and holds nothing this pass cannot copy; its size in instructions.</summary>
    private static bool Inlinable(IrFunction callee, out int size)
    {
        size = 0;
        foreach (int b in callee.Layout)
        {
            foreach (int inst in callee.Block(b).Insts)
            {
                if (callee.Inst(inst).Op is Op.Vconst or Op.Simd || Calls(callee.Inst(inst).Op))
                {
                    return false;
                }
                foreach (ref BlockCall t in callee.Targets(inst))
                {
                    if (t.Block == callee.Entry)
                    {
                        // The entry's parameters become the call's arguments: a branch back to it has nowhere to go
                        // (the builder never makes one; hand-written IR might).
                        return false;
                    }
                }
                size++;
            }
        }
        return size <= MaxCalleeInsts;
    }

    /// <summary>
    /// Whether the instruction calls: a Wasm call (or speculation's guard, which belongs to one), or a runtime helper
    /// (memory.grow, the bulk-memory and table-changing instructions). Then the callee is not inlined: inlined code keeps
    /// no frame of its own, so a trap further down would miss the callee's frame in its backtrace. Traps are fine: the
    /// emitter reports a trap in inlined code with a frame for the callee (<see cref="IrFunction.InlinedFrom"/>).
    /// </summary>
    private static bool Calls(Op op) => op is Op.Call or Op.CallIndirect or Op.CallIndirectGuard or Op.MemoryGrow
        or Op.MemoryFill or Op.MemoryCopy or Op.MemoryInit or Op.DataDrop or Op.TableGrow or Op.TableFill or Op.TableCopy
        or Op.TableInit or Op.ElemDrop;

    /// <summary>Replaces <paramref name="call"/> by a copy of <paramref name="callee"/>.</summary>
    private static void InlineCall(IrFunction f, int call, int calleeIndex, IrFunction callee, List<(int Result, int Param)> replaced)
    {
        int block = f.Inst(call).Block;
        List<int> insts = f.Block(block).Insts;
        int at = insts.IndexOf(call);
        int[] args = f.Args(call).ToArray();
        int[] results = f.ResultValues(call).ToArray();
        int savedOffset = f.CurrentSourceOffset;
        f.CurrentSourceOffset = f.SourceOffset(call);

        // The continuation: the instructions after the call, with the call's results as parameters.
        int cont = f.CreateBlock();
        foreach (int r in results)
        {
            replaced.Add((r, f.AddBlockParam(cont, f.Value(r).Type)));
        }
        for (int i = at + 1; i < insts.Count; i++)
        {
            f.Append(cont, insts[i]);
        }
        insts.RemoveRange(at, insts.Count - at);
        f.KillInst(call);

        // Callee value v becomes caller value valueBase + v, except the entry's parameters: the call's arguments.
        int valueBase = f.ValueCount;
        List<int> entryParams = callee.Block(callee.Entry).Params;
        int Map(int v)
        {
            int p = entryParams.IndexOf(v);
            return p >= 0 ? args[p] : valueBase + v;
        }
        var blocks = new Dictionary<int, int>(callee.Layout.Count);
        foreach (int cb in callee.Layout)
        {
            int nb = f.CreateBlock();
            blocks[cb] = nb;
            if (cb != callee.Entry)
            {
                foreach (int p in callee.Block(cb).Params)
                {
                    f.AddBlockParam(nb, callee.Value(p).Type, valueBase + p);
                }
            }
            if (callee.LoopHeaders.Contains(cb))
            {
                f.LoopHeaders.Add(nb);
            }
        }
        int[] signatures = [.. callee.Signatures.Select(f.InternSignature)];

        var mapped = new List<int>();
        foreach (int cb in callee.Layout)
        {
            int nb = blocks[cb];
            foreach (int ci in callee.Block(cb).Insts)
            {
                ref InstData d = ref callee.Inst(ci);
                mapped.Clear();
                foreach (int a in callee.Args(ci))
                {
                    mapped.Add(Map(a));
                }
                if (d.Op == Op.Return)
                {
                    int jump = f.CreateInst(Op.Jump, IrType.I32, []);
                    f.AddTarget(jump, cont, mapped.ToArray());
                    f.Append(nb, jump);
                    f.InlinedFrom[jump] = calleeIndex;
                    continue;
                }
                int ni = f.CreateInst(d.Op, d.Type, mapped.ToArray(), d.Imm);
                f.InlinedFrom[ni] = calleeIndex;
                ref InstData n = ref f.Inst(ni);
                n.Aux = d.Op is Op.Call or Op.CallIndirect ? signatures[d.Aux] : d.Aux;
                n.Imm2 = d.Imm2;
                foreach (int r in callee.ResultValues(ci))
                {
                    f.AddResult(ni, callee.Value(r).Type, valueBase + r);
                }
                foreach (ref BlockCall t in callee.Targets(ci))
                {
                    mapped.Clear();
                    foreach (int a in callee.CallArgs(t))
                    {
                        mapped.Add(Map(a));
                    }
                    f.AddTarget(ni, blocks[t.Block], mapped.ToArray());
                }
                f.Append(nb, ni);
            }
        }
        int enter = f.CreateInst(Op.Jump, IrType.I32, []);
        f.AddTarget(enter, blocks[callee.Entry], []);
        f.Append(block, enter);

        // Layout: the caller's block, the callee's blocks in their order, then the continuation.
        int pos = f.Layout.IndexOf(block) + 1;
        f.Layout.InsertRange(pos, [.. callee.Layout.Select(cb => blocks[cb]), cont]);
        f.CurrentSourceOffset = savedOffset;
    }
}
