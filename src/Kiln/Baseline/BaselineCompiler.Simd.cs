using Kiln.Jit.X64;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Baseline;

/// <summary>
/// SIMD (v128): the dispatch, v128.const, and the memory instructions. A v128 value lives in an xmm
/// register like a float (the pool's xmm1..xmm14; xmm0 and xmm15 are scratch within one instruction),
/// is spilled to a 16-byte slot (functions that use v128 get 16-byte slots, <see cref="WideSlotSize"/>),
/// and crosses calls in two consecutive 8-byte slots of the argument area (<see cref="Vm.SlotLayout"/>).
/// A v128 is never a constant on the value stack: v128.const loads it into a register at once.
/// The lanes, shuffles, bitwise operations and comparisons are in <c>.SimdInteger.cs</c>, the integer lane
/// arithmetic in <c>.SimdArithmetic.cs</c>, the float lanes in <c>.SimdFloat.cs</c>. The forms used need SSSE3
/// and SSE4.1 (every x86-64 CPU made since 2008 has them); on a CPU without them a function that uses v128 is
/// refused with an <see cref="UnsupportedFeatureException"/> before any of it is compiled.
/// </summary>
internal sealed unsafe partial class BaselineCompiler
{
    private void Simd(in Instruction ins)
    {
        Opcode op = ins.Opcode;
        switch (op)
        {
            case Opcode.V128Const:
            {
                Xmm x = AllocXmm();
                LoadV128Constant(x, ins.V128.Low, ins.V128.High);
                PushReg(ValType.V128, x.Index);
                return;
            }
            case >= Opcode.V128Load and <= Opcode.V128Store:
            case >= Opcode.V128Load8Lane and <= Opcode.V128Load64Zero:
                SimdMemory(in ins);
                return;
        }
        if (SimdInteger(in ins) || SimdArithmetic(in ins) || SimdFloat(in ins))
        {
            return;
        }
        throw new UnsupportedFeatureException($"SIMD instruction {ins.Info.Name} at offset 0x{ins.Offset:x} is not supported by the baseline compiler");
    }

    /// <summary>Loads a 128-bit constant: all zeros and all ones without memory, else from the constant pool.</summary>
    private void LoadV128Constant(Xmm dst, ulong low, ulong high)
    {
        if ((low | high) == 0)
        {
            _asm.Pxor(dst, dst);
        }
        else if ((low & high) == ulong.MaxValue)
        {
            _asm.Pcmpeqd(dst, dst);
        }
        else
        {
            _asm.Movdqa(dst, _asm.Const128(low, high));
        }
    }

    /// <summary>The same 8-bit pattern in every byte of a 128-bit constant.</summary>
    private Mem BytesConstant(byte b)
    {
        ulong x = 0x0101_0101_0101_0101UL * b;
        return _asm.Const128(x, x);
    }

    /// <summary>Pops a v128 into an xmm register the caller owns (and may overwrite).</summary>
    private Xmm PopV128() => PopXmm();

    private void PushV128(Xmm x) => PushReg(ValType.V128, x.Index);

    /// <summary>a = a op b on the top two v128 values (b on top); the lambdas passed are static, so nothing is allocated.</summary>
    private void SimdBinary(Action<Assembler, Xmm, Xmm> emit)
    {
        Xmm b = PopV128();
        Xmm a = PopV128();
        emit(_asm, a, b);
        FreeXmm(b);
        PushV128(a);
    }

    /// <summary>x = op x on the top v128 value.</summary>
    private void SimdUnary(Action<Assembler, Xmm> emit)
    {
        Xmm x = PopV128();
        emit(_asm, x);
        PushV128(x);
    }

    private static int SimdAccessSize(Opcode op) => op switch
    {
        Opcode.V128Load or Opcode.V128Store => 16,
        Opcode.V128Load8Splat or Opcode.V128Load8Lane or Opcode.V128Store8Lane => 1,
        Opcode.V128Load16Splat or Opcode.V128Load16Lane or Opcode.V128Store16Lane => 2,
        Opcode.V128Load32Splat or Opcode.V128Load32Lane or Opcode.V128Store32Lane or Opcode.V128Load32Zero => 4,
        // The extending loads read 8 bytes, as do the 64-bit splat, lane and zero forms.
        _ => 8,
    };

    /// <summary>
    /// Loads and stores of v128 and of single lanes. Each touches memory with exactly one instruction, marked as a trap
    /// site under guard pages (<see cref="EffectiveAddress"/>); Spec 4.4.7: the whole access must be in bounds.
    /// </summary>
    private void SimdMemory(in Instruction ins)
    {
        EnsureMemoryRegisters();
        Opcode op = ins.Opcode;
        int size = SimdAccessSize(op);
        switch (op)
        {
            case Opcode.V128Store:
            case >= Opcode.V128Store8Lane and <= Opcode.V128Store64Lane:
            {
                Xmm value = PopV128();
                Val index = Pop();
                Mem addr = EffectiveAddress(in index, _height, ins.MemOffset, size, out Gpr indexReg, out bool site);
                MarkIf(site);
                switch (op)
                {
                    case Opcode.V128Store:
                        _asm.Movdqu(addr, value);
                        break;
                    case Opcode.V128Store8Lane:
                        _asm.Pextrb(addr, value, (byte)ins.Index);
                        break;
                    case Opcode.V128Store16Lane:
                        _asm.Pextrw(addr, value, (byte)ins.Index);
                        break;
                    case Opcode.V128Store32Lane:
                        _asm.Pextrd(addr, value, (byte)ins.Index);
                        break;
                    default:
                        _asm.Pextrq(addr, value, (byte)ins.Index);
                        break;
                }
                FreeXmm(value);
                if (index.Loc != Loc.Const)
                {
                    FreeGpr(indexReg);
                }
                return;
            }
            case >= Opcode.V128Load8Lane and <= Opcode.V128Load64Lane:
            {
                Xmm value = PopV128();
                Val index = Pop();
                Mem addr = EffectiveAddress(in index, _height, ins.MemOffset, size, out Gpr indexReg, out bool site);
                MarkIf(site);
                switch (op)
                {
                    case Opcode.V128Load8Lane:
                        _asm.Pinsrb(value, addr, (byte)ins.Index);
                        break;
                    case Opcode.V128Load16Lane:
                        _asm.Pinsrw(value, addr, (byte)ins.Index);
                        break;
                    case Opcode.V128Load32Lane:
                        _asm.Pinsrd(value, addr, (byte)ins.Index);
                        break;
                    default:
                        _asm.Pinsrq(value, addr, (byte)ins.Index);
                        break;
                }
                if (index.Loc != Loc.Const)
                {
                    FreeGpr(indexReg);
                }
                PushV128(value);
                return;
            }
        }
        Val idx = Pop();
        Mem address = EffectiveAddress(in idx, _height, ins.MemOffset, size, out Gpr idxReg, out bool loadSite);
        Xmm x = AllocXmm();
        if (op is Opcode.V128Load8Splat or Opcode.V128Load16Splat)
        {
            // pinsr leaves the other lanes as they were: zero the register first, so the shuffle reads no stale bits.
            _asm.Pxor(x, x);
        }
        MarkIf(loadSite);
        switch (op)
        {
            case Opcode.V128Load:
                _asm.Movdqu(x, address);
                break;
            case Opcode.V128Load8x8S:
                _asm.Pmovsxbw(x, address);
                break;
            case Opcode.V128Load8x8U:
                _asm.Pmovzxbw(x, address);
                break;
            case Opcode.V128Load16x4S:
                _asm.Pmovsxwd(x, address);
                break;
            case Opcode.V128Load16x4U:
                _asm.Pmovzxwd(x, address);
                break;
            case Opcode.V128Load32x2S:
                _asm.Pmovsxdq(x, address);
                break;
            case Opcode.V128Load32x2U:
                _asm.Pmovzxdq(x, address);
                break;
            case Opcode.V128Load8Splat:
                _asm.Pinsrb(x, address, 0);
                _asm.Pxor(Xmm.Xmm0, Xmm.Xmm0);
                _asm.Pshufb(x, Xmm.Xmm0);
                break;
            case Opcode.V128Load16Splat:
                _asm.Pinsrw(x, address, 0);
                _asm.Pshuflw(x, x, 0);
                _asm.Pshufd(x, x, 0);
                break;
            case Opcode.V128Load32Splat:
                _asm.Movd(x, address);
                _asm.Pshufd(x, x, 0);
                break;
            case Opcode.V128Load64Splat:
                _asm.Movddup(x, address);
                break;
            case Opcode.V128Load32Zero:
                _asm.Movd(x, address);
                break;
            case Opcode.V128Load64Zero:
                _asm.Movq(x, address);
                break;
            default:
                throw new InternalErrorException($"baseline compiler: {ins.Info.Name} is not a SIMD load");
        }
        if (idx.Loc != Loc.Const)
        {
            FreeGpr(idxReg);
        }
        PushV128(x);
    }
}
