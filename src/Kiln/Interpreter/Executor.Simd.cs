using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Kiln.Wasm.Model;

namespace Kiln.Interpreter;

/// <summary>
/// The SIMD (v128) instructions and the v128 moves, one method beside the main loop so they add
/// nothing to the scalar instructions' dispatch: the loop sends every code from
/// <see cref="InterpOp.V128Copy"/> up here, and the SIMD instructions' switch runs on the Wasm opcode itself. A v128 is two consecutive slots
/// (<see cref="Vm.SlotLayout"/>), read as one <see cref="Vector128{T}"/>.
/// Every case reads all its operands before it writes its result: the result slot may overlap an
/// operand's (the translator reuses operand slots, and a <c>local.set</c> may retarget the result
/// into an operand's local).
/// <see cref="Vector128"/> operations are used where they give exactly the spec's result (integer
/// arithmetic and comparisons, bitwise operations, float arithmetic and comparisons, which follow
/// IEEE 754 like Wasm); lane-by-lane code is used where the hardware differs from the spec
/// (float min/max, rounding of NaNs, saturating conversions) or has no direct form.
/// </summary>
internal static unsafe partial class Executor
{
    /// <summary>
    /// Runs one SIMD instruction in the translator's encoding (<c>op [d] operands... immediates...</c>, slots in
    /// <paramref name="slots"/>) outside any frame: the optimizing tier's IR evaluator and constant folder call it so
    /// they compute exactly what the interpreter computes. Memory accesses trap as the interpreter's do.
    /// </summary>
    internal static void ExecuteSimdInstruction(int* code, ulong* slots, byte* mem, ulong memLen) => ExecuteSimd(code, slots, mem, memLen, null);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int* ExecuteSimd(int* ip, ulong* fp, byte* mem, ulong memLen, ulong** globalCells)
    {
        switch ((InterpOp)ip[0])
        {
            case InterpOp.V128Copy:
                // The halves may overlap (a value moved down by one slot): read both first.
                Put(fp, ip[1], Get<ulong>(fp, ip[2]));
                return ip + 3;
            case InterpOp.V128Select:
                Put(fp, ip[1], Get<ulong>(fp, *(int*)(fp + ip[4]) != 0 ? ip[2] : ip[3]));
                return ip + 5;
            case InterpOp.V128GlobalGet:
                Put(fp, ip[1], Unsafe.ReadUnaligned<Vector128<ulong>>(globalCells[ip[2]]));
                return ip + 3;
            case InterpOp.V128GlobalSet:
                Unsafe.WriteUnaligned(globalCells[ip[1]], Get<ulong>(fp, ip[2]));
                return ip + 3;
        }
        var opcode = (Opcode)(0xFD00 + (ip[0] - (int)InterpOp.Simd));
        switch (opcode)
        {
            // ----- memory (Spec 4.4.7: 64-bit effective address, the whole access in bounds) -----
            case Opcode.V128Load:
                Put(fp, ip[1], Unsafe.ReadUnaligned<Vector128<byte>>(mem + Address(fp, ip, 2, 16, memLen)));
                return ip + 4;
            case Opcode.V128Load8x8S:
                Put(fp, ip[1], Vector128.WidenLower(Load64(fp, ip, mem, memLen).AsSByte()));
                return ip + 4;
            case Opcode.V128Load8x8U:
                Put(fp, ip[1], Vector128.WidenLower(Load64(fp, ip, mem, memLen).AsByte()));
                return ip + 4;
            case Opcode.V128Load16x4S:
                Put(fp, ip[1], Vector128.WidenLower(Load64(fp, ip, mem, memLen).AsInt16()));
                return ip + 4;
            case Opcode.V128Load16x4U:
                Put(fp, ip[1], Vector128.WidenLower(Load64(fp, ip, mem, memLen).AsUInt16()));
                return ip + 4;
            case Opcode.V128Load32x2S:
                Put(fp, ip[1], Vector128.WidenLower(Load64(fp, ip, mem, memLen).AsInt32()));
                return ip + 4;
            case Opcode.V128Load32x2U:
                Put(fp, ip[1], Vector128.WidenLower(Load64(fp, ip, mem, memLen).AsUInt32()));
                return ip + 4;
            case Opcode.V128Load8Splat:
                Put(fp, ip[1], Vector128.Create(mem[Address(fp, ip, 2, 1, memLen)]));
                return ip + 4;
            case Opcode.V128Load16Splat:
                Put(fp, ip[1], Vector128.Create(Unsafe.ReadUnaligned<ushort>(mem + Address(fp, ip, 2, 2, memLen))));
                return ip + 4;
            case Opcode.V128Load32Splat:
                Put(fp, ip[1], Vector128.Create(Unsafe.ReadUnaligned<uint>(mem + Address(fp, ip, 2, 4, memLen))));
                return ip + 4;
            case Opcode.V128Load64Splat:
                Put(fp, ip[1], Vector128.Create(Unsafe.ReadUnaligned<ulong>(mem + Address(fp, ip, 2, 8, memLen))));
                return ip + 4;
            case Opcode.V128Load32Zero:
                Put(fp, ip[1], Vector128.CreateScalar(Unsafe.ReadUnaligned<uint>(mem + Address(fp, ip, 2, 4, memLen))));
                return ip + 4;
            case Opcode.V128Load64Zero:
                Put(fp, ip[1], Load64(fp, ip, mem, memLen));
                return ip + 4;
            case Opcode.V128Store:
            {
                // op addr value offset
                Vector128<byte> v = Get<byte>(fp, ip[2]);
                Unsafe.WriteUnaligned(mem + Address(fp, ip[1], ip[3], 16, memLen), v);
                return ip + 4;
            }
            case Opcode.V128Load8Lane:
            {
                // op d addr vec offset lane
                Vector128<byte> v = Get<byte>(fp, ip[3]);
                byte x = mem[Address(fp, ip[2], ip[4], 1, memLen)];
                Put(fp, ip[1], v.WithElement(ip[5], x));
                return ip + 6;
            }
            case Opcode.V128Load16Lane:
            {
                Vector128<ushort> v = Get<ushort>(fp, ip[3]);
                ushort x = Unsafe.ReadUnaligned<ushort>(mem + Address(fp, ip[2], ip[4], 2, memLen));
                Put(fp, ip[1], v.WithElement(ip[5], x));
                return ip + 6;
            }
            case Opcode.V128Load32Lane:
            {
                Vector128<uint> v = Get<uint>(fp, ip[3]);
                uint x = Unsafe.ReadUnaligned<uint>(mem + Address(fp, ip[2], ip[4], 4, memLen));
                Put(fp, ip[1], v.WithElement(ip[5], x));
                return ip + 6;
            }
            case Opcode.V128Load64Lane:
            {
                Vector128<ulong> v = Get<ulong>(fp, ip[3]);
                ulong x = Unsafe.ReadUnaligned<ulong>(mem + Address(fp, ip[2], ip[4], 8, memLen));
                Put(fp, ip[1], v.WithElement(ip[5], x));
                return ip + 6;
            }
            case Opcode.V128Store8Lane:
            {
                // op addr vec offset lane
                byte x = Get<byte>(fp, ip[2]).GetElement(ip[4]);
                mem[Address(fp, ip[1], ip[3], 1, memLen)] = x;
                return ip + 5;
            }
            case Opcode.V128Store16Lane:
            {
                ushort x = Get<ushort>(fp, ip[2]).GetElement(ip[4]);
                Unsafe.WriteUnaligned(mem + Address(fp, ip[1], ip[3], 2, memLen), x);
                return ip + 5;
            }
            case Opcode.V128Store32Lane:
            {
                uint x = Get<uint>(fp, ip[2]).GetElement(ip[4]);
                Unsafe.WriteUnaligned(mem + Address(fp, ip[1], ip[3], 4, memLen), x);
                return ip + 5;
            }
            case Opcode.V128Store64Lane:
            {
                ulong x = Get<ulong>(fp, ip[2]).GetElement(ip[4]);
                Unsafe.WriteUnaligned(mem + Address(fp, ip[1], ip[3], 8, memLen), x);
                return ip + 5;
            }

            // ----- constants, shuffles, splats, lanes -----
            case Opcode.V128Const:
                Put(fp, ip[1], Unsafe.ReadUnaligned<Vector128<byte>>(ip + 2));
                return ip + 6;
            case Opcode.I8x16Shuffle:
            {
                // op d a b lanes(4 words): lane i picks byte lanes[i] of a ++ b (checked < 32 by the translator).
                byte* both = stackalloc byte[32];
                Unsafe.WriteUnaligned(both, Get<byte>(fp, ip[2]));
                Unsafe.WriteUnaligned(both + 16, Get<byte>(fp, ip[3]));
                byte* lanes = (byte*)(ip + 4);
                Vector128<byte> r = default;
                byte* pr = (byte*)&r;
                for (int i = 0; i < 16; i++)
                {
                    pr[i] = both[lanes[i] & 31];
                }
                Put(fp, ip[1], r);
                return ip + 8;
            }
            case Opcode.I8x16Swizzle:
            {
                // Spec: an index of 16 or more selects 0.
                Vector128<byte> a = Get<byte>(fp, ip[2]);
                Vector128<byte> s = Get<byte>(fp, ip[3]);
                byte* pa = (byte*)&a;
                byte* ps = (byte*)&s;
                Vector128<byte> r = default;
                byte* pr = (byte*)&r;
                for (int i = 0; i < 16; i++)
                {
                    pr[i] = ps[i] < 16 ? pa[ps[i]] : (byte)0;
                }
                Put(fp, ip[1], r);
                return ip + 4;
            }
            case Opcode.I8x16Splat:
                Put(fp, ip[1], Vector128.Create((byte)fp[ip[2]]));
                return ip + 3;
            case Opcode.I16x8Splat:
                Put(fp, ip[1], Vector128.Create((ushort)fp[ip[2]]));
                return ip + 3;
            case Opcode.I32x4Splat:
            case Opcode.F32x4Splat:
                Put(fp, ip[1], Vector128.Create((uint)fp[ip[2]]));
                return ip + 3;
            case Opcode.I64x2Splat:
            case Opcode.F64x2Splat:
                Put(fp, ip[1], Vector128.Create(fp[ip[2]]));
                return ip + 3;
            case Opcode.I8x16ExtractLaneS:
                fp[ip[1]] = (uint)(int)Get<sbyte>(fp, ip[2]).GetElement(ip[3]);
                return ip + 4;
            case Opcode.I8x16ExtractLaneU:
                fp[ip[1]] = Get<byte>(fp, ip[2]).GetElement(ip[3]);
                return ip + 4;
            case Opcode.I16x8ExtractLaneS:
                fp[ip[1]] = (uint)(int)Get<short>(fp, ip[2]).GetElement(ip[3]);
                return ip + 4;
            case Opcode.I16x8ExtractLaneU:
                fp[ip[1]] = Get<ushort>(fp, ip[2]).GetElement(ip[3]);
                return ip + 4;
            case Opcode.I32x4ExtractLane:
            case Opcode.F32x4ExtractLane:
                fp[ip[1]] = Get<uint>(fp, ip[2]).GetElement(ip[3]);
                return ip + 4;
            case Opcode.I64x2ExtractLane:
            case Opcode.F64x2ExtractLane:
                fp[ip[1]] = Get<ulong>(fp, ip[2]).GetElement(ip[3]);
                return ip + 4;
            case Opcode.I8x16ReplaceLane:
                Put(fp, ip[1], Get<byte>(fp, ip[2]).WithElement(ip[4], (byte)fp[ip[3]]));
                return ip + 5;
            case Opcode.I16x8ReplaceLane:
                Put(fp, ip[1], Get<ushort>(fp, ip[2]).WithElement(ip[4], (ushort)fp[ip[3]]));
                return ip + 5;
            case Opcode.I32x4ReplaceLane:
            case Opcode.F32x4ReplaceLane:
                Put(fp, ip[1], Get<uint>(fp, ip[2]).WithElement(ip[4], (uint)fp[ip[3]]));
                return ip + 5;
            case Opcode.I64x2ReplaceLane:
            case Opcode.F64x2ReplaceLane:
                Put(fp, ip[1], Get<ulong>(fp, ip[2]).WithElement(ip[4], fp[ip[3]]));
                return ip + 5;

            // ----- comparisons: all-ones lanes for true -----
            case Opcode.I8x16Eq:
                Put(fp, ip[1], Vector128.Equals(Get<byte>(fp, ip[2]), Get<byte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I8x16Ne:
                Put(fp, ip[1], ~Vector128.Equals(Get<byte>(fp, ip[2]), Get<byte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I8x16LtS:
                Put(fp, ip[1], Vector128.LessThan(Get<sbyte>(fp, ip[2]), Get<sbyte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I8x16LtU:
                Put(fp, ip[1], Vector128.LessThan(Get<byte>(fp, ip[2]), Get<byte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I8x16GtS:
                Put(fp, ip[1], Vector128.GreaterThan(Get<sbyte>(fp, ip[2]), Get<sbyte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I8x16GtU:
                Put(fp, ip[1], Vector128.GreaterThan(Get<byte>(fp, ip[2]), Get<byte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I8x16LeS:
                Put(fp, ip[1], Vector128.LessThanOrEqual(Get<sbyte>(fp, ip[2]), Get<sbyte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I8x16LeU:
                Put(fp, ip[1], Vector128.LessThanOrEqual(Get<byte>(fp, ip[2]), Get<byte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I8x16GeS:
                Put(fp, ip[1], Vector128.GreaterThanOrEqual(Get<sbyte>(fp, ip[2]), Get<sbyte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I8x16GeU:
                Put(fp, ip[1], Vector128.GreaterThanOrEqual(Get<byte>(fp, ip[2]), Get<byte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8Eq:
                Put(fp, ip[1], Vector128.Equals(Get<ushort>(fp, ip[2]), Get<ushort>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8Ne:
                Put(fp, ip[1], ~Vector128.Equals(Get<ushort>(fp, ip[2]), Get<ushort>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8LtS:
                Put(fp, ip[1], Vector128.LessThan(Get<short>(fp, ip[2]), Get<short>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8LtU:
                Put(fp, ip[1], Vector128.LessThan(Get<ushort>(fp, ip[2]), Get<ushort>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8GtS:
                Put(fp, ip[1], Vector128.GreaterThan(Get<short>(fp, ip[2]), Get<short>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8GtU:
                Put(fp, ip[1], Vector128.GreaterThan(Get<ushort>(fp, ip[2]), Get<ushort>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8LeS:
                Put(fp, ip[1], Vector128.LessThanOrEqual(Get<short>(fp, ip[2]), Get<short>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8LeU:
                Put(fp, ip[1], Vector128.LessThanOrEqual(Get<ushort>(fp, ip[2]), Get<ushort>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8GeS:
                Put(fp, ip[1], Vector128.GreaterThanOrEqual(Get<short>(fp, ip[2]), Get<short>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8GeU:
                Put(fp, ip[1], Vector128.GreaterThanOrEqual(Get<ushort>(fp, ip[2]), Get<ushort>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4Eq:
                Put(fp, ip[1], Vector128.Equals(Get<uint>(fp, ip[2]), Get<uint>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4Ne:
                Put(fp, ip[1], ~Vector128.Equals(Get<uint>(fp, ip[2]), Get<uint>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4LtS:
                Put(fp, ip[1], Vector128.LessThan(Get<int>(fp, ip[2]), Get<int>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4LtU:
                Put(fp, ip[1], Vector128.LessThan(Get<uint>(fp, ip[2]), Get<uint>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4GtS:
                Put(fp, ip[1], Vector128.GreaterThan(Get<int>(fp, ip[2]), Get<int>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4GtU:
                Put(fp, ip[1], Vector128.GreaterThan(Get<uint>(fp, ip[2]), Get<uint>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4LeS:
                Put(fp, ip[1], Vector128.LessThanOrEqual(Get<int>(fp, ip[2]), Get<int>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4LeU:
                Put(fp, ip[1], Vector128.LessThanOrEqual(Get<uint>(fp, ip[2]), Get<uint>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4GeS:
                Put(fp, ip[1], Vector128.GreaterThanOrEqual(Get<int>(fp, ip[2]), Get<int>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4GeU:
                Put(fp, ip[1], Vector128.GreaterThanOrEqual(Get<uint>(fp, ip[2]), Get<uint>(fp, ip[3])));
                return ip + 4;
            case Opcode.I64x2Eq:
                Put(fp, ip[1], Vector128.Equals(Get<ulong>(fp, ip[2]), Get<ulong>(fp, ip[3])));
                return ip + 4;
            case Opcode.I64x2Ne:
                Put(fp, ip[1], ~Vector128.Equals(Get<ulong>(fp, ip[2]), Get<ulong>(fp, ip[3])));
                return ip + 4;
            case Opcode.I64x2LtS:
                Put(fp, ip[1], Vector128.LessThan(Get<long>(fp, ip[2]), Get<long>(fp, ip[3])));
                return ip + 4;
            case Opcode.I64x2GtS:
                Put(fp, ip[1], Vector128.GreaterThan(Get<long>(fp, ip[2]), Get<long>(fp, ip[3])));
                return ip + 4;
            case Opcode.I64x2LeS:
                Put(fp, ip[1], Vector128.LessThanOrEqual(Get<long>(fp, ip[2]), Get<long>(fp, ip[3])));
                return ip + 4;
            case Opcode.I64x2GeS:
                Put(fp, ip[1], Vector128.GreaterThanOrEqual(Get<long>(fp, ip[2]), Get<long>(fp, ip[3])));
                return ip + 4;
            // IEEE comparisons, as Wasm's: every ordered comparison with a NaN is false, ne is true.
            case Opcode.F32x4Eq:
                Put(fp, ip[1], Vector128.Equals(Get<float>(fp, ip[2]), Get<float>(fp, ip[3])));
                return ip + 4;
            case Opcode.F32x4Ne:
                Put(fp, ip[1], ~Vector128.Equals(Get<float>(fp, ip[2]), Get<float>(fp, ip[3])).AsUInt32());
                return ip + 4;
            case Opcode.F32x4Lt:
                Put(fp, ip[1], Vector128.LessThan(Get<float>(fp, ip[2]), Get<float>(fp, ip[3])));
                return ip + 4;
            case Opcode.F32x4Gt:
                Put(fp, ip[1], Vector128.GreaterThan(Get<float>(fp, ip[2]), Get<float>(fp, ip[3])));
                return ip + 4;
            case Opcode.F32x4Le:
                Put(fp, ip[1], Vector128.LessThanOrEqual(Get<float>(fp, ip[2]), Get<float>(fp, ip[3])));
                return ip + 4;
            case Opcode.F32x4Ge:
                Put(fp, ip[1], Vector128.GreaterThanOrEqual(Get<float>(fp, ip[2]), Get<float>(fp, ip[3])));
                return ip + 4;
            case Opcode.F64x2Eq:
                Put(fp, ip[1], Vector128.Equals(Get<double>(fp, ip[2]), Get<double>(fp, ip[3])));
                return ip + 4;
            case Opcode.F64x2Ne:
                Put(fp, ip[1], ~Vector128.Equals(Get<double>(fp, ip[2]), Get<double>(fp, ip[3])).AsUInt64());
                return ip + 4;
            case Opcode.F64x2Lt:
                Put(fp, ip[1], Vector128.LessThan(Get<double>(fp, ip[2]), Get<double>(fp, ip[3])));
                return ip + 4;
            case Opcode.F64x2Gt:
                Put(fp, ip[1], Vector128.GreaterThan(Get<double>(fp, ip[2]), Get<double>(fp, ip[3])));
                return ip + 4;
            case Opcode.F64x2Le:
                Put(fp, ip[1], Vector128.LessThanOrEqual(Get<double>(fp, ip[2]), Get<double>(fp, ip[3])));
                return ip + 4;
            case Opcode.F64x2Ge:
                Put(fp, ip[1], Vector128.GreaterThanOrEqual(Get<double>(fp, ip[2]), Get<double>(fp, ip[3])));
                return ip + 4;

            // ----- bitwise -----
            case Opcode.V128Not:
                Put(fp, ip[1], ~Get<ulong>(fp, ip[2]));
                return ip + 3;
            case Opcode.V128And:
                Put(fp, ip[1], Get<ulong>(fp, ip[2]) & Get<ulong>(fp, ip[3]));
                return ip + 4;
            case Opcode.V128Andnot:
                // AndNot(a, b) is a & ~b.
                Put(fp, ip[1], Vector128.AndNot(Get<ulong>(fp, ip[2]), Get<ulong>(fp, ip[3])));
                return ip + 4;
            case Opcode.V128Or:
                Put(fp, ip[1], Get<ulong>(fp, ip[2]) | Get<ulong>(fp, ip[3]));
                return ip + 4;
            case Opcode.V128Xor:
                Put(fp, ip[1], Get<ulong>(fp, ip[2]) ^ Get<ulong>(fp, ip[3]));
                return ip + 4;
            case Opcode.V128Bitselect:
                // Bits of a where the mask c is 1, of b where it is 0.
                Put(fp, ip[1], Vector128.ConditionalSelect(Get<ulong>(fp, ip[4]), Get<ulong>(fp, ip[2]), Get<ulong>(fp, ip[3])));
                return ip + 5;
            case Opcode.V128AnyTrue:
                fp[ip[1]] = Get<ulong>(fp, ip[2]) != Vector128<ulong>.Zero ? 1u : 0u;
                return ip + 3;
            case Opcode.I8x16AllTrue:
                fp[ip[1]] = Vector128.EqualsAny(Get<byte>(fp, ip[2]), Vector128<byte>.Zero) ? 0u : 1u;
                return ip + 3;
            case Opcode.I16x8AllTrue:
                fp[ip[1]] = Vector128.EqualsAny(Get<ushort>(fp, ip[2]), Vector128<ushort>.Zero) ? 0u : 1u;
                return ip + 3;
            case Opcode.I32x4AllTrue:
                fp[ip[1]] = Vector128.EqualsAny(Get<uint>(fp, ip[2]), Vector128<uint>.Zero) ? 0u : 1u;
                return ip + 3;
            case Opcode.I64x2AllTrue:
                fp[ip[1]] = Vector128.EqualsAny(Get<ulong>(fp, ip[2]), Vector128<ulong>.Zero) ? 0u : 1u;
                return ip + 3;
            case Opcode.I8x16Bitmask:
                fp[ip[1]] = Vector128.ExtractMostSignificantBits(Get<byte>(fp, ip[2]));
                return ip + 3;
            case Opcode.I16x8Bitmask:
                fp[ip[1]] = Vector128.ExtractMostSignificantBits(Get<ushort>(fp, ip[2]));
                return ip + 3;
            case Opcode.I32x4Bitmask:
                fp[ip[1]] = Vector128.ExtractMostSignificantBits(Get<uint>(fp, ip[2]));
                return ip + 3;
            case Opcode.I64x2Bitmask:
                fp[ip[1]] = Vector128.ExtractMostSignificantBits(Get<ulong>(fp, ip[2]));
                return ip + 3;

            // ----- shifts: the count is taken modulo the lane width (Spec 4.3.2 ishl/ishr) -----
            case Opcode.I8x16Shl:
                Put(fp, ip[1], Vector128.ShiftLeft(Get<byte>(fp, ip[2]), (int)(fp[ip[3]] & 7)));
                return ip + 4;
            case Opcode.I8x16ShrS:
                Put(fp, ip[1], Vector128.ShiftRightArithmetic(Get<sbyte>(fp, ip[2]), (int)(fp[ip[3]] & 7)));
                return ip + 4;
            case Opcode.I8x16ShrU:
                Put(fp, ip[1], Vector128.ShiftRightLogical(Get<byte>(fp, ip[2]), (int)(fp[ip[3]] & 7)));
                return ip + 4;
            case Opcode.I16x8Shl:
                Put(fp, ip[1], Vector128.ShiftLeft(Get<ushort>(fp, ip[2]), (int)(fp[ip[3]] & 15)));
                return ip + 4;
            case Opcode.I16x8ShrS:
                Put(fp, ip[1], Vector128.ShiftRightArithmetic(Get<short>(fp, ip[2]), (int)(fp[ip[3]] & 15)));
                return ip + 4;
            case Opcode.I16x8ShrU:
                Put(fp, ip[1], Vector128.ShiftRightLogical(Get<ushort>(fp, ip[2]), (int)(fp[ip[3]] & 15)));
                return ip + 4;
            case Opcode.I32x4Shl:
                Put(fp, ip[1], Vector128.ShiftLeft(Get<uint>(fp, ip[2]), (int)(fp[ip[3]] & 31)));
                return ip + 4;
            case Opcode.I32x4ShrS:
                Put(fp, ip[1], Vector128.ShiftRightArithmetic(Get<int>(fp, ip[2]), (int)(fp[ip[3]] & 31)));
                return ip + 4;
            case Opcode.I32x4ShrU:
                Put(fp, ip[1], Vector128.ShiftRightLogical(Get<uint>(fp, ip[2]), (int)(fp[ip[3]] & 31)));
                return ip + 4;
            case Opcode.I64x2Shl:
                Put(fp, ip[1], Vector128.ShiftLeft(Get<ulong>(fp, ip[2]), (int)(fp[ip[3]] & 63)));
                return ip + 4;
            case Opcode.I64x2ShrS:
                Put(fp, ip[1], Vector128.ShiftRightArithmetic(Get<long>(fp, ip[2]), (int)(fp[ip[3]] & 63)));
                return ip + 4;
            case Opcode.I64x2ShrU:
                Put(fp, ip[1], Vector128.ShiftRightLogical(Get<ulong>(fp, ip[2]), (int)(fp[ip[3]] & 63)));
                return ip + 4;

            // ----- integer arithmetic (wrapping unless saturating) -----
            case Opcode.I8x16Abs:
                Put(fp, ip[1], Abs(Get<sbyte>(fp, ip[2])));
                return ip + 3;
            case Opcode.I16x8Abs:
                Put(fp, ip[1], Abs(Get<short>(fp, ip[2])));
                return ip + 3;
            case Opcode.I32x4Abs:
                Put(fp, ip[1], Abs(Get<int>(fp, ip[2])));
                return ip + 3;
            case Opcode.I64x2Abs:
                Put(fp, ip[1], Abs(Get<long>(fp, ip[2])));
                return ip + 3;
            case Opcode.I8x16Neg:
                Put(fp, ip[1], -Get<byte>(fp, ip[2]));
                return ip + 3;
            case Opcode.I16x8Neg:
                Put(fp, ip[1], -Get<ushort>(fp, ip[2]));
                return ip + 3;
            case Opcode.I32x4Neg:
                Put(fp, ip[1], -Get<uint>(fp, ip[2]));
                return ip + 3;
            case Opcode.I64x2Neg:
                Put(fp, ip[1], -Get<ulong>(fp, ip[2]));
                return ip + 3;
            case Opcode.I8x16Popcnt:
            {
                Vector128<byte> a = Get<byte>(fp, ip[2]);
                byte* pa = (byte*)&a;
                Vector128<byte> r = default;
                byte* pr = (byte*)&r;
                for (int i = 0; i < 16; i++)
                {
                    pr[i] = (byte)BitOperations.PopCount(pa[i]);
                }
                Put(fp, ip[1], r);
                return ip + 3;
            }
            case Opcode.I8x16Add:
                Put(fp, ip[1], Get<byte>(fp, ip[2]) + Get<byte>(fp, ip[3]));
                return ip + 4;
            case Opcode.I8x16Sub:
                Put(fp, ip[1], Get<byte>(fp, ip[2]) - Get<byte>(fp, ip[3]));
                return ip + 4;
            case Opcode.I16x8Add:
                Put(fp, ip[1], Get<ushort>(fp, ip[2]) + Get<ushort>(fp, ip[3]));
                return ip + 4;
            case Opcode.I16x8Sub:
                Put(fp, ip[1], Get<ushort>(fp, ip[2]) - Get<ushort>(fp, ip[3]));
                return ip + 4;
            case Opcode.I16x8Mul:
                Put(fp, ip[1], Get<ushort>(fp, ip[2]) * Get<ushort>(fp, ip[3]));
                return ip + 4;
            case Opcode.I32x4Add:
                Put(fp, ip[1], Get<uint>(fp, ip[2]) + Get<uint>(fp, ip[3]));
                return ip + 4;
            case Opcode.I32x4Sub:
                Put(fp, ip[1], Get<uint>(fp, ip[2]) - Get<uint>(fp, ip[3]));
                return ip + 4;
            case Opcode.I32x4Mul:
                Put(fp, ip[1], Get<uint>(fp, ip[2]) * Get<uint>(fp, ip[3]));
                return ip + 4;
            case Opcode.I64x2Add:
                Put(fp, ip[1], Get<ulong>(fp, ip[2]) + Get<ulong>(fp, ip[3]));
                return ip + 4;
            case Opcode.I64x2Sub:
                Put(fp, ip[1], Get<ulong>(fp, ip[2]) - Get<ulong>(fp, ip[3]));
                return ip + 4;
            case Opcode.I64x2Mul:
                Put(fp, ip[1], Get<ulong>(fp, ip[2]) * Get<ulong>(fp, ip[3]));
                return ip + 4;
            // Saturating forms: computed exactly in lanes twice as wide, then clamped and narrowed.
            case Opcode.I8x16AddSatS:
            {
                Vector128<sbyte> a = Get<sbyte>(fp, ip[2]), b = Get<sbyte>(fp, ip[3]);
                Put(fp, ip[1], NarrowSaturateS8(Vector128.WidenLower(a) + Vector128.WidenLower(b), Vector128.WidenUpper(a) + Vector128.WidenUpper(b)));
                return ip + 4;
            }
            case Opcode.I8x16AddSatU:
            {
                Vector128<byte> a = Get<byte>(fp, ip[2]), b = Get<byte>(fp, ip[3]);
                Put(fp, ip[1], NarrowSaturateU8((Vector128.WidenLower(a) + Vector128.WidenLower(b)).AsInt16(), (Vector128.WidenUpper(a) + Vector128.WidenUpper(b)).AsInt16()));
                return ip + 4;
            }
            case Opcode.I8x16SubSatS:
            {
                Vector128<sbyte> a = Get<sbyte>(fp, ip[2]), b = Get<sbyte>(fp, ip[3]);
                Put(fp, ip[1], NarrowSaturateS8(Vector128.WidenLower(a) - Vector128.WidenLower(b), Vector128.WidenUpper(a) - Vector128.WidenUpper(b)));
                return ip + 4;
            }
            case Opcode.I8x16SubSatU:
            {
                Vector128<byte> a = Get<byte>(fp, ip[2]), b = Get<byte>(fp, ip[3]);
                Put(fp, ip[1], NarrowSaturateU8((Vector128.WidenLower(a) - Vector128.WidenLower(b)).AsInt16(), (Vector128.WidenUpper(a) - Vector128.WidenUpper(b)).AsInt16()));
                return ip + 4;
            }
            case Opcode.I16x8AddSatS:
            {
                Vector128<short> a = Get<short>(fp, ip[2]), b = Get<short>(fp, ip[3]);
                Put(fp, ip[1], NarrowSaturateS16(Vector128.WidenLower(a) + Vector128.WidenLower(b), Vector128.WidenUpper(a) + Vector128.WidenUpper(b)));
                return ip + 4;
            }
            case Opcode.I16x8AddSatU:
            {
                Vector128<ushort> a = Get<ushort>(fp, ip[2]), b = Get<ushort>(fp, ip[3]);
                Put(fp, ip[1], NarrowSaturateU16((Vector128.WidenLower(a) + Vector128.WidenLower(b)).AsInt32(), (Vector128.WidenUpper(a) + Vector128.WidenUpper(b)).AsInt32()));
                return ip + 4;
            }
            case Opcode.I16x8SubSatS:
            {
                Vector128<short> a = Get<short>(fp, ip[2]), b = Get<short>(fp, ip[3]);
                Put(fp, ip[1], NarrowSaturateS16(Vector128.WidenLower(a) - Vector128.WidenLower(b), Vector128.WidenUpper(a) - Vector128.WidenUpper(b)));
                return ip + 4;
            }
            case Opcode.I16x8SubSatU:
            {
                Vector128<ushort> a = Get<ushort>(fp, ip[2]), b = Get<ushort>(fp, ip[3]);
                Put(fp, ip[1], NarrowSaturateU16((Vector128.WidenLower(a) - Vector128.WidenLower(b)).AsInt32(), (Vector128.WidenUpper(a) - Vector128.WidenUpper(b)).AsInt32()));
                return ip + 4;
            }
            case Opcode.I8x16NarrowI16x8S:
                Put(fp, ip[1], NarrowSaturateS8(Get<short>(fp, ip[2]), Get<short>(fp, ip[3])));
                return ip + 4;
            case Opcode.I8x16NarrowI16x8U:
                Put(fp, ip[1], NarrowSaturateU8(Get<short>(fp, ip[2]), Get<short>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8NarrowI32x4S:
                Put(fp, ip[1], NarrowSaturateS16(Get<int>(fp, ip[2]), Get<int>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8NarrowI32x4U:
                Put(fp, ip[1], NarrowSaturateU16(Get<int>(fp, ip[2]), Get<int>(fp, ip[3])));
                return ip + 4;
            case Opcode.I8x16MinS:
                Put(fp, ip[1], Vector128.Min(Get<sbyte>(fp, ip[2]), Get<sbyte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I8x16MinU:
                Put(fp, ip[1], Vector128.Min(Get<byte>(fp, ip[2]), Get<byte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I8x16MaxS:
                Put(fp, ip[1], Vector128.Max(Get<sbyte>(fp, ip[2]), Get<sbyte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I8x16MaxU:
                Put(fp, ip[1], Vector128.Max(Get<byte>(fp, ip[2]), Get<byte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8MinS:
                Put(fp, ip[1], Vector128.Min(Get<short>(fp, ip[2]), Get<short>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8MinU:
                Put(fp, ip[1], Vector128.Min(Get<ushort>(fp, ip[2]), Get<ushort>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8MaxS:
                Put(fp, ip[1], Vector128.Max(Get<short>(fp, ip[2]), Get<short>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8MaxU:
                Put(fp, ip[1], Vector128.Max(Get<ushort>(fp, ip[2]), Get<ushort>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4MinS:
                Put(fp, ip[1], Vector128.Min(Get<int>(fp, ip[2]), Get<int>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4MinU:
                Put(fp, ip[1], Vector128.Min(Get<uint>(fp, ip[2]), Get<uint>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4MaxS:
                Put(fp, ip[1], Vector128.Max(Get<int>(fp, ip[2]), Get<int>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4MaxU:
                Put(fp, ip[1], Vector128.Max(Get<uint>(fp, ip[2]), Get<uint>(fp, ip[3])));
                return ip + 4;
            case Opcode.I8x16AvgrU:
            {
                // (a + b + 1) / 2 without overflow, in 16-bit lanes.
                Vector128<byte> a = Get<byte>(fp, ip[2]), b = Get<byte>(fp, ip[3]);
                Vector128<ushort> one = Vector128<ushort>.One;
                Vector128<ushort> lo = (Vector128.WidenLower(a) + Vector128.WidenLower(b) + one) >> 1;
                Vector128<ushort> hi = (Vector128.WidenUpper(a) + Vector128.WidenUpper(b) + one) >> 1;
                Put(fp, ip[1], Vector128.Narrow(lo, hi));
                return ip + 4;
            }
            case Opcode.I16x8AvgrU:
            {
                Vector128<ushort> a = Get<ushort>(fp, ip[2]), b = Get<ushort>(fp, ip[3]);
                Vector128<uint> one = Vector128<uint>.One;
                Vector128<uint> lo = (Vector128.WidenLower(a) + Vector128.WidenLower(b) + one) >> 1;
                Vector128<uint> hi = (Vector128.WidenUpper(a) + Vector128.WidenUpper(b) + one) >> 1;
                Put(fp, ip[1], Vector128.Narrow(lo, hi));
                return ip + 4;
            }
            case Opcode.I16x8Q15mulrSatS:
            {
                // Spec: sat_s((a * b + 2^14) >> 15); only -32768 * -32768 saturates.
                Vector128<short> a = Get<short>(fp, ip[2]), b = Get<short>(fp, ip[3]);
                Vector128<int> round = Vector128.Create(0x4000);
                Vector128<int> lo = ((Vector128.WidenLower(a) * Vector128.WidenLower(b)) + round) >> 15;
                Vector128<int> hi = ((Vector128.WidenUpper(a) * Vector128.WidenUpper(b)) + round) >> 15;
                Put(fp, ip[1], NarrowSaturateS16(lo, hi));
                return ip + 4;
            }

            // ----- extension, extended multiplication, pairwise addition, dot product -----
            case Opcode.I16x8ExtendLowI8x16S:
                Put(fp, ip[1], Vector128.WidenLower(Get<sbyte>(fp, ip[2])));
                return ip + 3;
            case Opcode.I16x8ExtendHighI8x16S:
                Put(fp, ip[1], Vector128.WidenUpper(Get<sbyte>(fp, ip[2])));
                return ip + 3;
            case Opcode.I16x8ExtendLowI8x16U:
                Put(fp, ip[1], Vector128.WidenLower(Get<byte>(fp, ip[2])));
                return ip + 3;
            case Opcode.I16x8ExtendHighI8x16U:
                Put(fp, ip[1], Vector128.WidenUpper(Get<byte>(fp, ip[2])));
                return ip + 3;
            case Opcode.I32x4ExtendLowI16x8S:
                Put(fp, ip[1], Vector128.WidenLower(Get<short>(fp, ip[2])));
                return ip + 3;
            case Opcode.I32x4ExtendHighI16x8S:
                Put(fp, ip[1], Vector128.WidenUpper(Get<short>(fp, ip[2])));
                return ip + 3;
            case Opcode.I32x4ExtendLowI16x8U:
                Put(fp, ip[1], Vector128.WidenLower(Get<ushort>(fp, ip[2])));
                return ip + 3;
            case Opcode.I32x4ExtendHighI16x8U:
                Put(fp, ip[1], Vector128.WidenUpper(Get<ushort>(fp, ip[2])));
                return ip + 3;
            case Opcode.I64x2ExtendLowI32x4S:
                Put(fp, ip[1], Vector128.WidenLower(Get<int>(fp, ip[2])));
                return ip + 3;
            case Opcode.I64x2ExtendHighI32x4S:
                Put(fp, ip[1], Vector128.WidenUpper(Get<int>(fp, ip[2])));
                return ip + 3;
            case Opcode.I64x2ExtendLowI32x4U:
                Put(fp, ip[1], Vector128.WidenLower(Get<uint>(fp, ip[2])));
                return ip + 3;
            case Opcode.I64x2ExtendHighI32x4U:
                Put(fp, ip[1], Vector128.WidenUpper(Get<uint>(fp, ip[2])));
                return ip + 3;
            // The products of extended lanes always fit the wide lane.
            case Opcode.I16x8ExtmulLowI8x16S:
                Put(fp, ip[1], Vector128.WidenLower(Get<sbyte>(fp, ip[2])) * Vector128.WidenLower(Get<sbyte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8ExtmulHighI8x16S:
                Put(fp, ip[1], Vector128.WidenUpper(Get<sbyte>(fp, ip[2])) * Vector128.WidenUpper(Get<sbyte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8ExtmulLowI8x16U:
                Put(fp, ip[1], Vector128.WidenLower(Get<byte>(fp, ip[2])) * Vector128.WidenLower(Get<byte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8ExtmulHighI8x16U:
                Put(fp, ip[1], Vector128.WidenUpper(Get<byte>(fp, ip[2])) * Vector128.WidenUpper(Get<byte>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4ExtmulLowI16x8S:
                Put(fp, ip[1], Vector128.WidenLower(Get<short>(fp, ip[2])) * Vector128.WidenLower(Get<short>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4ExtmulHighI16x8S:
                Put(fp, ip[1], Vector128.WidenUpper(Get<short>(fp, ip[2])) * Vector128.WidenUpper(Get<short>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4ExtmulLowI16x8U:
                Put(fp, ip[1], Vector128.WidenLower(Get<ushort>(fp, ip[2])) * Vector128.WidenLower(Get<ushort>(fp, ip[3])));
                return ip + 4;
            case Opcode.I32x4ExtmulHighI16x8U:
                Put(fp, ip[1], Vector128.WidenUpper(Get<ushort>(fp, ip[2])) * Vector128.WidenUpper(Get<ushort>(fp, ip[3])));
                return ip + 4;
            case Opcode.I64x2ExtmulLowI32x4S:
                Put(fp, ip[1], Vector128.WidenLower(Get<int>(fp, ip[2])) * Vector128.WidenLower(Get<int>(fp, ip[3])));
                return ip + 4;
            case Opcode.I64x2ExtmulHighI32x4S:
                Put(fp, ip[1], Vector128.WidenUpper(Get<int>(fp, ip[2])) * Vector128.WidenUpper(Get<int>(fp, ip[3])));
                return ip + 4;
            case Opcode.I64x2ExtmulLowI32x4U:
                Put(fp, ip[1], Vector128.WidenLower(Get<uint>(fp, ip[2])) * Vector128.WidenLower(Get<uint>(fp, ip[3])));
                return ip + 4;
            case Opcode.I64x2ExtmulHighI32x4U:
                Put(fp, ip[1], Vector128.WidenUpper(Get<uint>(fp, ip[2])) * Vector128.WidenUpper(Get<uint>(fp, ip[3])));
                return ip + 4;
            case Opcode.I16x8ExtaddPairwiseI8x16S:
                Put(fp, ip[1], PairwiseAdd(Vector128.WidenLower(Get<sbyte>(fp, ip[2])), Vector128.WidenUpper(Get<sbyte>(fp, ip[2]))));
                return ip + 3;
            case Opcode.I16x8ExtaddPairwiseI8x16U:
                Put(fp, ip[1], PairwiseAdd(Vector128.WidenLower(Get<byte>(fp, ip[2])), Vector128.WidenUpper(Get<byte>(fp, ip[2]))));
                return ip + 3;
            case Opcode.I32x4ExtaddPairwiseI16x8S:
                Put(fp, ip[1], PairwiseAdd(Vector128.WidenLower(Get<short>(fp, ip[2])), Vector128.WidenUpper(Get<short>(fp, ip[2]))));
                return ip + 3;
            case Opcode.I32x4ExtaddPairwiseI16x8U:
                Put(fp, ip[1], PairwiseAdd(Vector128.WidenLower(Get<ushort>(fp, ip[2])), Vector128.WidenUpper(Get<ushort>(fp, ip[2]))));
                return ip + 3;
            case Opcode.I32x4DotI16x8S:
            {
                // Spec: pairwise sums of the 32-bit products, wrapping (only -32768^2 * 2 wraps).
                Vector128<short> a = Get<short>(fp, ip[2]), b = Get<short>(fp, ip[3]);
                Vector128<int> lo = Vector128.WidenLower(a) * Vector128.WidenLower(b);
                Vector128<int> hi = Vector128.WidenUpper(a) * Vector128.WidenUpper(b);
                Put(fp, ip[1], PairwiseAdd(lo, hi));
                return ip + 4;
            }

            // ----- float arithmetic -----
            // abs and neg are sign-bit operations: NaN payloads pass unchanged (Spec 4.3.3 fabs, fneg).
            case Opcode.F32x4Abs:
                Put(fp, ip[1], Get<uint>(fp, ip[2]) & Vector128.Create(0x7FFF_FFFFu));
                return ip + 3;
            case Opcode.F32x4Neg:
                Put(fp, ip[1], Get<uint>(fp, ip[2]) ^ Vector128.Create(0x8000_0000u));
                return ip + 3;
            case Opcode.F64x2Abs:
                Put(fp, ip[1], Get<ulong>(fp, ip[2]) & Vector128.Create(0x7FFF_FFFF_FFFF_FFFFul));
                return ip + 3;
            case Opcode.F64x2Neg:
                Put(fp, ip[1], Get<ulong>(fp, ip[2]) ^ Vector128.Create(0x8000_0000_0000_0000ul));
                return ip + 3;
            // IEEE arithmetic: a NaN result is a quiet NaN, as Spec 4.3.3 requires.
            case Opcode.F32x4Sqrt:
                Put(fp, ip[1], Vector128.Sqrt(Get<float>(fp, ip[2])));
                return ip + 3;
            case Opcode.F32x4Add:
                Put(fp, ip[1], Get<float>(fp, ip[2]) + Get<float>(fp, ip[3]));
                return ip + 4;
            case Opcode.F32x4Sub:
                Put(fp, ip[1], Get<float>(fp, ip[2]) - Get<float>(fp, ip[3]));
                return ip + 4;
            case Opcode.F32x4Mul:
                Put(fp, ip[1], Get<float>(fp, ip[2]) * Get<float>(fp, ip[3]));
                return ip + 4;
            case Opcode.F32x4Div:
                Put(fp, ip[1], Get<float>(fp, ip[2]) / Get<float>(fp, ip[3]));
                return ip + 4;
            case Opcode.F64x2Sqrt:
                Put(fp, ip[1], Vector128.Sqrt(Get<double>(fp, ip[2])));
                return ip + 3;
            case Opcode.F64x2Add:
                Put(fp, ip[1], Get<double>(fp, ip[2]) + Get<double>(fp, ip[3]));
                return ip + 4;
            case Opcode.F64x2Sub:
                Put(fp, ip[1], Get<double>(fp, ip[2]) - Get<double>(fp, ip[3]));
                return ip + 4;
            case Opcode.F64x2Mul:
                Put(fp, ip[1], Get<double>(fp, ip[2]) * Get<double>(fp, ip[3]));
                return ip + 4;
            case Opcode.F64x2Div:
                Put(fp, ip[1], Get<double>(fp, ip[2]) / Get<double>(fp, ip[3]));
                return ip + 4;
            // min/max propagate NaN and order -0 below +0, unlike minps/maxps: lane by lane.
            case Opcode.F32x4Min:
                Put(fp, ip[1], Lanes(Get<float>(fp, ip[2]), Get<float>(fp, ip[3]), &WasmMath.F32Min));
                return ip + 4;
            case Opcode.F32x4Max:
                Put(fp, ip[1], Lanes(Get<float>(fp, ip[2]), Get<float>(fp, ip[3]), &WasmMath.F32Max));
                return ip + 4;
            case Opcode.F64x2Min:
                Put(fp, ip[1], Lanes(Get<double>(fp, ip[2]), Get<double>(fp, ip[3]), &WasmMath.F64Min));
                return ip + 4;
            case Opcode.F64x2Max:
                Put(fp, ip[1], Lanes(Get<double>(fp, ip[2]), Get<double>(fp, ip[3]), &WasmMath.F64Max));
                return ip + 4;
            // Spec: pmin is b < a ? b : a, pmax is a < b ? b : a, bit for bit (a NaN operand may pass through).
            case Opcode.F32x4Pmin:
            {
                Vector128<float> a = Get<float>(fp, ip[2]), b = Get<float>(fp, ip[3]);
                Put(fp, ip[1], Vector128.ConditionalSelect(Vector128.LessThan(b, a), b, a));
                return ip + 4;
            }
            case Opcode.F32x4Pmax:
            {
                Vector128<float> a = Get<float>(fp, ip[2]), b = Get<float>(fp, ip[3]);
                Put(fp, ip[1], Vector128.ConditionalSelect(Vector128.LessThan(a, b), b, a));
                return ip + 4;
            }
            case Opcode.F64x2Pmin:
            {
                Vector128<double> a = Get<double>(fp, ip[2]), b = Get<double>(fp, ip[3]);
                Put(fp, ip[1], Vector128.ConditionalSelect(Vector128.LessThan(b, a), b, a));
                return ip + 4;
            }
            case Opcode.F64x2Pmax:
            {
                Vector128<double> a = Get<double>(fp, ip[2]), b = Get<double>(fp, ip[3]);
                Put(fp, ip[1], Vector128.ConditionalSelect(Vector128.LessThan(a, b), b, a));
                return ip + 4;
            }
            // Rounding quiets a signalling NaN and rounds half to even (WasmMath, as the scalar forms).
            case Opcode.F32x4Ceil:
                Put(fp, ip[1], Lanes(Get<float>(fp, ip[2]), &WasmMath.F32Ceil));
                return ip + 3;
            case Opcode.F32x4Floor:
                Put(fp, ip[1], Lanes(Get<float>(fp, ip[2]), &WasmMath.F32Floor));
                return ip + 3;
            case Opcode.F32x4Trunc:
                Put(fp, ip[1], Lanes(Get<float>(fp, ip[2]), &WasmMath.F32Trunc));
                return ip + 3;
            case Opcode.F32x4Nearest:
                Put(fp, ip[1], Lanes(Get<float>(fp, ip[2]), &WasmMath.F32Nearest));
                return ip + 3;
            case Opcode.F64x2Ceil:
                Put(fp, ip[1], Lanes(Get<double>(fp, ip[2]), &WasmMath.F64Ceil));
                return ip + 3;
            case Opcode.F64x2Floor:
                Put(fp, ip[1], Lanes(Get<double>(fp, ip[2]), &WasmMath.F64Floor));
                return ip + 3;
            case Opcode.F64x2Trunc:
                Put(fp, ip[1], Lanes(Get<double>(fp, ip[2]), &WasmMath.F64Trunc));
                return ip + 3;
            case Opcode.F64x2Nearest:
                Put(fp, ip[1], Lanes(Get<double>(fp, ip[2]), &WasmMath.F64Nearest));
                return ip + 3;

            // ----- conversions -----
            case Opcode.I32x4TruncSatF32x4S:
            {
                Vector128<float> a = Get<float>(fp, ip[2]);
                Put(fp, ip[1], Vector128.Create(
                    WasmMath.I32TruncSatF32S(a[0]), WasmMath.I32TruncSatF32S(a[1]), WasmMath.I32TruncSatF32S(a[2]), WasmMath.I32TruncSatF32S(a[3])));
                return ip + 3;
            }
            case Opcode.I32x4TruncSatF32x4U:
            {
                Vector128<float> a = Get<float>(fp, ip[2]);
                Put(fp, ip[1], Vector128.Create(
                    WasmMath.I32TruncSatF32U(a[0]), WasmMath.I32TruncSatF32U(a[1]), WasmMath.I32TruncSatF32U(a[2]), WasmMath.I32TruncSatF32U(a[3])));
                return ip + 3;
            }
            case Opcode.I32x4TruncSatF64x2SZero:
            {
                Vector128<double> a = Get<double>(fp, ip[2]);
                Put(fp, ip[1], Vector128.Create(WasmMath.I32TruncSatF64S(a[0]), WasmMath.I32TruncSatF64S(a[1]), 0, 0));
                return ip + 3;
            }
            case Opcode.I32x4TruncSatF64x2UZero:
            {
                Vector128<double> a = Get<double>(fp, ip[2]);
                Put(fp, ip[1], Vector128.Create(WasmMath.I32TruncSatF64U(a[0]), WasmMath.I32TruncSatF64U(a[1]), 0u, 0u));
                return ip + 3;
            }
            case Opcode.F32x4ConvertI32x4S:
                // cvtdq2ps rounds to nearest, ties to even, as Spec 4.3.3 convert does.
                Put(fp, ip[1], Vector128.ConvertToSingle(Get<int>(fp, ip[2])));
                return ip + 3;
            case Opcode.F32x4ConvertI32x4U:
            {
                // Lane by lane: a u32 does not always fit the signed conversion, and one rounding is required.
                Vector128<uint> a = Get<uint>(fp, ip[2]);
                Put(fp, ip[1], Vector128.Create((float)a[0], (float)a[1], (float)a[2], (float)a[3]));
                return ip + 3;
            }
            case Opcode.F64x2ConvertLowI32x4S:
            {
                // Exact: every i32 is a double.
                Vector128<int> a = Get<int>(fp, ip[2]);
                Put(fp, ip[1], Vector128.Create((double)a[0], (double)a[1]));
                return ip + 3;
            }
            case Opcode.F64x2ConvertLowI32x4U:
            {
                Vector128<uint> a = Get<uint>(fp, ip[2]);
                Put(fp, ip[1], Vector128.Create((double)a[0], (double)a[1]));
                return ip + 3;
            }
            case Opcode.F32x4DemoteF64x2Zero:
            {
                // Rounds once to nearest even; a NaN stays a (quiet) NaN, as f32.demote_f64.
                Vector128<double> a = Get<double>(fp, ip[2]);
                Put(fp, ip[1], Vector128.Create((float)a[0], (float)a[1], 0f, 0f));
                return ip + 3;
            }
            case Opcode.F64x2PromoteLowF32x4:
            {
                Vector128<float> a = Get<float>(fp, ip[2]);
                Put(fp, ip[1], Vector128.Create((double)a[0], (double)a[1]));
                return ip + 3;
            }
            default:
                throw new InternalErrorException($"bad interpreter SIMD opcode {opcode}");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Get<T>(ulong* fp, int slot) => Unsafe.ReadUnaligned<Vector128<T>>(fp + slot);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<T>(ulong* fp, int slot, Vector128<T> value) => Unsafe.WriteUnaligned(fp + slot, value);

    /// <summary>The checked effective address of an access of <paramref name="size"/> bytes: address slot, offset immediate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Address(ulong* fp, int addressSlot, int offset, int size, ulong memLen)
    {
        ulong ea = (ulong)*(uint*)(fp + addressSlot) + (uint)offset;
        if (ea + (ulong)size > memLen)
        {
            ThrowMemoryOutOfBounds();
        }
        return ea;
    }

    /// <summary><see cref="Address(ulong*, int, int, int, ulong)"/> for the load layout <c>op d addr offset</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Address(ulong* fp, int* ip, int addressOperand, int size, ulong memLen) =>
        Address(fp, ip[addressOperand], ip[addressOperand + 1], size, memLen);

    /// <summary>Eight bytes from memory (<c>op d addr offset</c>) in the low half, the high half zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Load64(ulong* fp, int* ip, byte* mem, ulong memLen) =>
        Vector128.CreateScalar(Unsafe.ReadUnaligned<ulong>(mem + Address(fp, ip, 2, 8, memLen)));

    /// <summary>Wrapping absolute value (the most negative lane stays itself), without the scalar fallback's overflow check.</summary>
    private static Vector128<T> Abs<T>(Vector128<T> a) =>
        Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128<T>.Zero), -a, a);

    private static Vector128<sbyte> NarrowSaturateS8(Vector128<short> lo, Vector128<short> hi)
    {
        Vector128<short> min = Vector128.Create((short)sbyte.MinValue), max = Vector128.Create((short)sbyte.MaxValue);
        return Vector128.Narrow(Vector128.Min(Vector128.Max(lo, min), max), Vector128.Min(Vector128.Max(hi, min), max));
    }

    private static Vector128<byte> NarrowSaturateU8(Vector128<short> lo, Vector128<short> hi)
    {
        Vector128<short> max = Vector128.Create((short)byte.MaxValue);
        Vector128<ushort> l = Vector128.Min(Vector128.Max(lo, Vector128<short>.Zero), max).AsUInt16();
        Vector128<ushort> h = Vector128.Min(Vector128.Max(hi, Vector128<short>.Zero), max).AsUInt16();
        return Vector128.Narrow(l, h);
    }

    private static Vector128<short> NarrowSaturateS16(Vector128<int> lo, Vector128<int> hi)
    {
        Vector128<int> min = Vector128.Create((int)short.MinValue), max = Vector128.Create((int)short.MaxValue);
        return Vector128.Narrow(Vector128.Min(Vector128.Max(lo, min), max), Vector128.Min(Vector128.Max(hi, min), max));
    }

    private static Vector128<ushort> NarrowSaturateU16(Vector128<int> lo, Vector128<int> hi)
    {
        Vector128<int> max = Vector128.Create((int)ushort.MaxValue);
        Vector128<uint> l = Vector128.Min(Vector128.Max(lo, Vector128<int>.Zero), max).AsUInt32();
        Vector128<uint> h = Vector128.Min(Vector128.Max(hi, Vector128<int>.Zero), max).AsUInt32();
        return Vector128.Narrow(l, h);
    }

    /// <summary>Sums of adjacent lanes of <paramref name="lo"/> then <paramref name="hi"/> (lanes 2i and 2i+1 of their concatenation).</summary>
    private static Vector128<T> PairwiseAdd<T>(Vector128<T> lo, Vector128<T> hi)
        where T : IBinaryInteger<T>
    {
        int n = Vector128<T>.Count;
        Vector128<T> r = default;
        for (int i = 0; i < n / 2; i++)
        {
            r = r.WithElement(i, lo[2 * i] + lo[(2 * i) + 1]);
            r = r.WithElement((n / 2) + i, hi[2 * i] + hi[(2 * i) + 1]);
        }
        return r;
    }

    private static Vector128<float> Lanes(Vector128<float> a, delegate*<float, float> f) =>
        Vector128.Create(f(a[0]), f(a[1]), f(a[2]), f(a[3]));

    private static Vector128<double> Lanes(Vector128<double> a, delegate*<double, double> f) =>
        Vector128.Create(f(a[0]), f(a[1]));

    private static Vector128<float> Lanes(Vector128<float> a, Vector128<float> b, delegate*<float, float, float> f) =>
        Vector128.Create(f(a[0], b[0]), f(a[1], b[1]), f(a[2], b[2]), f(a[3], b[3]));

    private static Vector128<double> Lanes(Vector128<double> a, Vector128<double> b, delegate*<double, double, double> f) =>
        Vector128.Create(f(a[0], b[0]), f(a[1], b[1]));
}
