using Kiln.Jit.Diagnostics;
using Kiln.Jit.X64;

namespace Kiln.Jit.GdbProbe;

/// <summary>
/// Two functions emitted with Kiln's assembler, for testing diagnostics with real tools: <c>probe!outer</c> calls
/// <c>probe!inner</c>, which spins <c>count</c> times (so a profiler has something to sample) and then calls a host
/// function. Both use the standard <c>push rbp; mov rbp, rsp; sub rsp, 16</c> frame, and both carry a line table
/// into <c>probe.wat</c>, so debuggers and unwinders are exercised on the layout Kiln's compilers emit. A third,
/// <c>probe!entry</c>, has the shape of a qsort comparator and calls outer with a fixed host function, so a native
/// caller with its own unwind info (libc's qsort) can sit below the generated frames.
/// </summary>
/// <remarks>
/// Signature of both (System V): <c>long f(fn, long count, a0, a1)</c>; inner returns <c>fn(a0, a1) + 1</c>, outer
/// returns inner's result + 100.
/// </remarks>
public static unsafe class ProbeFunctions
{
    public const string OuterName = "probe!outer";
    public const string InnerName = "probe!inner";
    public const string EntryName = "probe!entry";
    public const string SourceFile = "probe.wat";

    /// <summary>Lines of the line tables, so tests can check what GDB reports.</summary>
    public const int InnerFirstLine = 10;
    public const int InnerCallLine = 12;
    public const int OuterFirstLine = 20;
    public const int OuterCallLine = 21;

    /// <summary>Both functions, sealed, with their descriptions (registered when <paramref name="diagnostics"/> is given).</summary>
    public sealed class Installed : IDisposable
    {
        internal Installed(CodeBatch batch, JitFunction outer, JitFunction inner, JitFunction entry, JitRegistration registration)
        {
            Batch = batch;
            Outer = outer;
            Inner = inner;
            Entry = entry;
            Registration = registration;
        }

        public JitFunction Entry { get; }

        public nint EntryAddress => Batch.GetAddress(Entry.Item!.Value);

        public CodeBatch Batch { get; }

        public JitFunction Outer { get; }

        public JitFunction Inner { get; }

        public JitRegistration Registration { get; }

        public nint OuterAddress => Batch.GetAddress(Outer.Item!.Value);

        public nint InnerAddress => Batch.GetAddress(Inner.Item!.Value);

        /// <summary>Calls outer(fn, count, a0, a1).</summary>
        public long Call(nint fn, long count, nint a0, nint a1) =>
            ((delegate* unmanaged<nint, long, nint, nint, long>)OuterAddress)(fn, count, a0, a1);

        public void Dispose() => Batch.Dispose();
    }

    public static Installed Install(CodeMemory memory, JitDiagnostics? diagnostics, nint entryHostFunction = 0)
    {
        using CodeBatchBuilder builder = memory.CreateBatch(4096);
        var asm = new Assembler();

        // inner: push rbp; mov rbp, rsp; sub rsp, 16; spin: dec rsi; jnz spin; mov rax, rdi; mov rdi, rdx; mov rsi, rcx;
        // call rax; add rax, 1; mov rsp, rbp; pop rbp; ret
        List<SourceLocation> innerLines = [new(0, SourceFile, InnerFirstLine)];
        asm.Push(Gpr.Rbp);
        asm.Mov(OperandSize.S64, Gpr.Rbp, Gpr.Rsp);
        asm.Sub(OperandSize.S64, Gpr.Rsp, 16);
        Label spin = asm.CreateLabel();
        innerLines.Add(new(asm.Position, SourceFile, InnerFirstLine + 1));
        asm.Bind(spin);
        asm.Dec(OperandSize.S64, Gpr.Rsi);
        asm.Jcc(Condition.NotZero, spin);
        innerLines.Add(new(asm.Position, SourceFile, InnerCallLine));
        asm.Mov(OperandSize.S64, Gpr.Rax, Gpr.Rdi);
        asm.Mov(OperandSize.S64, Gpr.Rdi, Gpr.Rdx);
        asm.Mov(OperandSize.S64, Gpr.Rsi, Gpr.Rcx);
        asm.Call(Gpr.Rax);
        innerLines.Add(new(asm.Position, SourceFile, InnerCallLine + 1));
        asm.Add(OperandSize.S64, Gpr.Rax, 1);
        asm.Mov(OperandSize.S64, Gpr.Rsp, Gpr.Rbp);
        asm.Pop(Gpr.Rbp);
        int innerEpilogue = asm.Position;
        asm.Ret();
        asm.Finish();
        CodeItem inner = builder.AddFunction(asm.Code);
        var innerFunction = new JitFunction(InnerName, inner, FrameLayout.RbpFrame(1, 4).WithEpilogue(innerEpilogue, inner.Length), innerLines);

        // outer: push rbp; mov rbp, rsp; sub rsp, 16; mov rax, inner; call rax; add rax, 100; mov rsp, rbp; pop rbp; ret
        asm.Reset();
        List<SourceLocation> outerLines = [new(0, SourceFile, OuterFirstLine)];
        asm.Push(Gpr.Rbp);
        asm.Mov(OperandSize.S64, Gpr.Rbp, Gpr.Rsp);
        asm.Sub(OperandSize.S64, Gpr.Rsp, 16);
        outerLines.Add(new(asm.Position, SourceFile, OuterCallLine));
        asm.MovAbs(Gpr.Rax, builder.GetExecutableAddress(inner));
        asm.Call(Gpr.Rax);
        outerLines.Add(new(asm.Position, SourceFile, OuterCallLine + 1));
        asm.Add(OperandSize.S64, Gpr.Rax, 100);
        asm.Mov(OperandSize.S64, Gpr.Rsp, Gpr.Rbp);
        asm.Pop(Gpr.Rbp);
        int outerEpilogue = asm.Position;
        asm.Ret();
        asm.Finish();
        CodeItem outer = builder.AddFunction(asm.Code);
        var outerFunction = new JitFunction(OuterName, outer, FrameLayout.RbpFrame(1, 4).WithEpilogue(outerEpilogue, outer.Length), outerLines);

        // entry (int cmp(a, b)): push rbp; mov rbp, rsp; mov rdi, host; mov esi, 1; xor edx, edx; xor ecx, ecx;
        // mov rax, outer; call rax; xor eax, eax; pop rbp; ret
        asm.Reset();
        asm.Push(Gpr.Rbp);
        asm.Mov(OperandSize.S64, Gpr.Rbp, Gpr.Rsp);
        asm.MovAbs(Gpr.Rdi, entryHostFunction);
        asm.Mov(OperandSize.S32, Gpr.Rsi, 1);
        asm.Xor(OperandSize.S32, Gpr.Rdx, Gpr.Rdx);
        asm.Xor(OperandSize.S32, Gpr.Rcx, Gpr.Rcx);
        asm.MovAbs(Gpr.Rax, builder.GetExecutableAddress(outer));
        asm.Call(Gpr.Rax);
        asm.Xor(OperandSize.S32, Gpr.Rax, Gpr.Rax);
        asm.Pop(Gpr.Rbp);
        int entryEpilogue = asm.Position;
        asm.Ret();
        asm.Finish();
        CodeItem entry = builder.AddFunction(asm.Code);
        var entryFunction = new JitFunction(EntryName, entry, FrameLayout.RbpFrame(1, 4).WithEpilogue(entryEpilogue, entry.Length));

        CodeBatch batch = builder.Seal();
        JitRegistration registration = diagnostics is null
            ? JitRegistration.Empty
            : diagnostics.Register(batch, [outerFunction, innerFunction, entryFunction]);
        return new Installed(batch, outerFunction, innerFunction, entryFunction, registration);
    }
}
