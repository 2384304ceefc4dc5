using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Kiln.Jit.Linking;
using Kiln.Jit.X64;

namespace Kiln.Jit.Tests.X64;

/// <summary>
/// Packed forms run on this CPU: Iced proves the bytes mean the intended instruction, this proves the
/// operand order is the one the method documents (which source is which, where the blend mask goes).
/// The expected values come from .NET's hardware intrinsics on the same inputs.
/// </summary>
public sealed unsafe class SimdExecutionTests
{
    private const int Results = 14;

    [Fact]
    public void PackedFormsComputeWhatTheIntrinsicsCompute()
    {
        // A CPU without these is not an x86-64 Kiln tests run on today; the check keeps the test honest if one appears.
        Assert.True(CpuFeatures.Host.Has(CpuFeature.Ssse3 | CpuFeature.Sse41 | CpuFeature.Avx | CpuFeature.Avx2), CpuFeatures.Host.ToString());

        var random = new Random(12345);
        byte* buffers = (byte*)NativeMemory.AlignedAlloc(16 * (2 + Results), 16);
        try
        {
            for (int round = 0; round < 20; round++)
            {
                for (int i = 0; i < 32; i++)
                {
                    buffers[i] = (byte)random.Next(256);
                }
                Vector128<byte> a = Vector128.Load(buffers);
                Vector128<byte> b = Vector128.Load(buffers + 16);
                Run(buffers, buffers + 16, buffers + 32);
                Vector128<byte>[] expected = Expected(a, b);
                for (int k = 0; k < Results; k++)
                {
                    Assert.True(expected[k] == Vector128.Load(buffers + 32 + 16 * k), $"result {k}: expected {expected[k]}, got {Vector128.Load(buffers + 32 + 16 * k)}");
                }
            }
        }
        finally
        {
            NativeMemory.AlignedFree(buffers);
        }
    }

    private static readonly byte[] s_reverse = [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0];

    private static Vector128<byte>[] Expected(Vector128<byte> a, Vector128<byte> b) =>
    [
        Sse2.Add(a, b),
        Sse2.Subtract(a.AsInt16(), b.AsInt16()).AsByte(),
        Ssse3.Shuffle(a, Vector128.Create(s_reverse)),
        Sse41.Max(a.AsSByte(), b.AsSByte()).AsByte(),
        Sse.CompareLessThan(a.AsSingle(), b.AsSingle()).AsByte(),
        Avx2.BroadcastScalarToVector128(a.AsInt32()).AsByte(),
        Sse2.ShiftRightArithmetic(a.AsInt32(), 3).AsByte(),
        Sse2.ShiftLeftLogical128BitLane(a, 5),
        Sse41.ConvertToVector128Int16(a.AsSByte()).AsByte(),
        Sse41.MultiplyLow(a.AsInt32(), b.AsInt32()).AsByte(),
        Sse41.Insert(a, 0x5A, 7),
        Vector128.Create(Sse41.X64.Extract(b.AsUInt64(), 1), a.AsUInt64().GetElement(1)).AsByte(),
        Ssse3.AlignRight(a, b, 3),
        Sse.Shuffle(a.AsSingle(), b.AsSingle(), 0x1B).AsByte(),
    ];

    /// <summary>out[k] = the k-th operation on a and b (System V: rdi = a, rsi = b, rdx = out).</summary>
    private static void Run(byte* a, byte* b, byte* results)
    {
        var asm = new Assembler(CpuFeatures.Host);
        Gpr pa = Gpr.Rdi, pb = Gpr.Rsi, pout = Gpr.Rdx;
        Xmm x0 = Xmm.Xmm0, x1 = Xmm.Xmm1, t = Xmm.Xmm2, mask = Xmm.Xmm8, w = Xmm.Xmm9;
        asm.Movdqu(x0, Mem.At(pa));
        asm.Movdqu(x1, Mem.At(pb));
        int k = 0;
        void Store(Xmm result) => asm.Movdqu(Mem.At(pout, 16 * k++), result);

        asm.Movdqa(t, x0);
        asm.Paddb(t, x1);
        Store(t);
        asm.Vpsubw(t, x0, x1);
        Store(t);
        asm.Movdqa(t, x0);
        asm.Pshufb(t, asm.Const128(0x0809_0A0B_0C0D_0E0F, 0x0001_0203_0405_0607));
        Store(t);
        asm.Movdqa(mask, x0);
        asm.Pcmpgtb(mask, x1);
        asm.Vpblendvb(w, x1, x0, mask);
        Store(w);
        asm.Movaps(t, x0);
        asm.Cmpps(t, x1, FloatComparison.LessThan);
        Store(t);
        asm.Vpbroadcastd(t, x0);
        Store(t);
        asm.Movdqa(Xmm.Xmm12, x0);
        asm.Psrad(Xmm.Xmm12, 3);
        Store(Xmm.Xmm12);
        asm.Vpslldq(Xmm.Xmm13, x0, 5);
        Store(Xmm.Xmm13);
        asm.Pmovsxbw(Xmm.Xmm14, Mem.At(pa));
        Store(Xmm.Xmm14);
        asm.Movdqa(Xmm.Xmm15, x0);
        asm.Pmulld(Xmm.Xmm15, Mem.At(pb));
        Store(Xmm.Xmm15);
        asm.Mov(OperandSize.S32, Gpr.R10, 0x5A);
        asm.Vpinsrb(t, x0, Gpr.R10, 7);
        Store(t);
        asm.Pextrq(Gpr.R11, x1, 1);
        asm.Movdqa(t, x0);
        asm.Pinsrq(t, Gpr.R11, 0);
        Store(t);
        asm.Vpalignr(t, x0, x1, 3);
        Store(t);
        asm.Vshufps(t, x0, x1, 0x1B);
        Store(t);
        asm.Ret();
        asm.Finish();
        Assert.Equal(Results, k);

        using var memory = new CodeMemory();
        using CodeBatchBuilder builder = memory.CreateBatch(asm.Code.Length, asm.ReadOnlyData.Length);
        CodeItem code = builder.AddFunction(asm.Code);
        CodeItem data = builder.AddReadOnlyData(asm.ReadOnlyData, alignment: 16);
        Relocator.Apply(builder.GetWritableSpan(code), builder.GetWritableSpan(data), asm.Relocations,
            new RelocationContext((ulong)builder.GetExecutableAddress(code), (ulong)builder.GetExecutableAddress(data), [], null));
        using CodeBatch batch = builder.Seal();
        ((delegate* unmanaged<byte*, byte*, byte*, void>)batch.GetAddress(code))(a, b, results);
    }
}
