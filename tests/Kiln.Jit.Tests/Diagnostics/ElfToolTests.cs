using System.Runtime.InteropServices;
using Kiln.Jit.Diagnostics;
using Kiln.Jit.GdbProbe;
using Kiln.Jit.X64;

namespace Kiln.Jit.Tests.Diagnostics;

/// <summary>
/// The ELF and DWARF that Kiln generates, read by binutils' readelf: the GDB shim (exported symbols, no executable
/// stack, small), the per-batch GDB object (FUNC symbols, CFI rows, line table), and CFI for saved registers and
/// epilogues. Plus GDB's descriptor list kept consistent as objects come and go.
/// </summary>
public unsafe class ElfToolTests
{
    [ToolFact("readelf")]
    public void TheShimExportsBothSymbolsAndAsksForANonExecutableStack()
    {
        byte[] shim = GdbJitShim.Build();
        Assert.InRange(shim.Length, 512, 2048);
        string path = WriteTemp(shim, ".so");
        try
        {
            string symbols = ReadElf("--dyn-syms", "-W", path);
            Assert.Matches(@"FUNC\s+GLOBAL\s+DEFAULT\s+\d+\s+__jit_debug_register_code", symbols);
            Assert.Matches(@"24 OBJECT\s+GLOBAL\s+DEFAULT\s+\d+\s+__jit_debug_descriptor", symbols);
            string segments = ReadElf("-lW", path);
            Assert.Matches(@"GNU_STACK(\s+0x0+){5}\s+RW\s", segments);
            Assert.Contains("(SONAME)", ReadElf("-d", path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [ToolFact("readelf")]
    public void TheGdbObjectHasFunctionSymbolsCfiAndLines()
    {
        using var memory = new CodeMemory(new CodeMemoryOptions { Strategy = CodeMemoryStrategy.Mprotect, UseEnvironment = false });
        using ProbeFunctions.Installed probe = ProbeFunctions.Install(memory, diagnostics: null);
        JitFunction[] functions = [probe.Outer, probe.Inner, probe.Entry];
        long[] addresses = [probe.OuterAddress, probe.InnerAddress, probe.EntryAddress];
        byte[] ehFrame = EhFrame.Build([.. functions.Select((f, i) => new CfiFunction(addresses[i], f.Size, f.Frame))], EhFramePointers.Absolute);
        string path = WriteTemp(JitDiagnostics.BuildGdbObject(functions, addresses, probe.Batch.CodeAddress, probe.Batch.CodeBytes, ehFrame), ".o");
        try
        {
            string symbols = ReadElf("-sW", path);
            Assert.Matches($@"{probe.Inner.Size}\s+FUNC\s+GLOBAL\s+DEFAULT\s+1\s+probe!inner", symbols);
            Assert.Matches($@"{probe.Outer.Size}\s+FUNC\s+GLOBAL\s+DEFAULT\s+1\s+probe!outer", symbols);
            Assert.Contains($"{probe.Batch.CodeAddress:x16}", ReadElf("-SW", path));

            string frames = ReadElf("--debug-dump=frames-interp", path);
            Assert.Matches($@"{probe.InnerAddress + 1:x16}\s+rsp\+16\s+c-16", frames);
            Assert.Matches($@"{probe.InnerAddress + 4:x16}\s+rbp\+16\s+c-16", frames);

            string lines = ReadElf("--debug-dump=decodedline", path);
            foreach (SourceLocation line in probe.Inner.Lines)
            {
                Assert.Matches($@"probe\.wat\s+{line.Line}\s+0x{probe.InnerAddress + line.CodeOffset:x}", lines);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [ToolFact("readelf")]
    public void SavedRegistersAndEpiloguesBecomeCfiRows()
    {
        // push rbp; mov rbp, rsp; push rbx (ends at 5); push r12 (ends at 7); body; pop r12; pop rbx; pop rbp (ends at 0x30); ret;
        // more body (0x31..0x3f): the frame is back after the ret.
        FrameLayout frame = FrameLayout.RbpFrame(1, 4)
            .WithSavedRegister(Gpr.Rbx, 5, 24)
            .WithSavedRegister(Gpr.R12, 7, 32)
            .WithEpilogue(0x30, 0x31);
        const long address = 0x10000;
        byte[] ehFrame = EhFrame.Build([new CfiFunction(address, 0x40, frame)], EhFramePointers.Absolute);
        string path = WriteTemp(GdbJitObject.Build(address, 0x40, [new GdbJitObject.Symbol("f", address, 0x40)], ehFrame, null), ".o");
        try
        {
            string frames = ReadElf("--debug-dump=frames-interp", path);
            // Columns: CFA, rbx, rbp, r12, ra.
            Assert.Matches(@"0000000000010005\s+rbp\+16\s+c-24\s+c-16\s+u\s+c-8", frames);
            Assert.Matches(@"0000000000010007\s+rbp\+16\s+c-24\s+c-16\s+c-32\s+c-8", frames);
            Assert.Matches(@"0000000000010030\s+rsp\+8\s+u\s+u\s+u\s+c-8", frames);
            Assert.Matches(@"0000000000010031\s+rbp\+16\s+c-24\s+c-16\s+c-32\s+c-8", frames);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FrameLayoutsThatCannotBeRightAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameLayout.RbpFrame(4, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameLayout.RbpFrame(1, 4).WithSavedRegister(Gpr.Rbx, 2, 24));
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameLayout.RbpFrame(1, 4).WithSavedRegister(Gpr.Rbx, 5, 12));
        Assert.Throws<ArgumentException>(() => FrameLayout.RbpFrame(1, 4).WithSavedRegister(Gpr.Rbp, 5, 24));
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameLayout.RbpFrame(1, 4).WithEpilogue(10, 12).WithEpilogue(11, 13));
        Assert.Throws<InvalidOperationException>(() => FrameLayout.NoFrame.WithEpilogue(1, 2));
        var item = new CodeItem(1, CodeItemKind.Function, 0, 8);
        Assert.Throws<ArgumentException>(() => new JitFunction("f", item, FrameLayout.RbpFrame(1, 4).WithEpilogue(8, 9)));
        Assert.Throws<ArgumentException>(() => new JitFunction("f", item, FrameLayout.NoFrame, [new(4, "a.wat", 2), new(2, "a.wat", 3)]));
        Assert.Throws<ArgumentException>(() => new JitFunction("f", item, FrameLayout.NoFrame, [new(0, "a.wat", 0)]));
        Assert.Throws<ArgumentException>(() => new JitFunction("f", item with { Kind = CodeItemKind.ReadOnlyData }, FrameLayout.NoFrame));
    }

    [Fact]
    public void GdbsListStaysLinkedAsObjectsComeAndGo()
    {
        var diagnostics = new JitDiagnostics(new JitDiagnosticsOptions { DebugInfo = true });
        using var memory = new CodeMemory(new CodeMemoryOptions { Strategy = CodeMemoryStrategy.Mprotect, UseEnvironment = false });
        var descriptor = (GdbJitInterface.JitDescriptor*)NativeLibrary.GetExport(NativeLibrary.Load(diagnostics.GdbShimPath!), GdbJitShim.DescriptorName);
        int before = Entries(descriptor).Count;
        ProbeFunctions.Installed a = ProbeFunctions.Install(memory, diagnostics);
        ProbeFunctions.Installed b = ProbeFunctions.Install(memory, diagnostics);
        ProbeFunctions.Installed c = ProbeFunctions.Install(memory, diagnostics);
        Assert.True(b.Registration.IsRegisteredWithGdb && b.Registration.IsRegisteredWithUnwinder);
        Assert.Equal(before + 3, Entries(descriptor).Count);
        Assert.Equal(1u, descriptor->Version);
        Assert.Equal(0u, descriptor->ActionFlag);

        b.Dispose();
        List<nint> after = Entries(descriptor);
        Assert.Equal(before + 2, after.Count);
        a.Dispose();
        c.Dispose();
        Assert.Equal(before, Entries(descriptor).Count);
    }

    private static List<nint> Entries(GdbJitInterface.JitDescriptor* descriptor)
    {
        List<nint> entries = [];
        GdbJitInterface.JitCodeEntry* previous = null;
        for (GdbJitInterface.JitCodeEntry* e = descriptor->FirstEntry; e is not null; e = e->Next)
        {
            Assert.True(e->Prev == previous, "a broken prev link");
            Assert.Equal("\u007fELF", System.Text.Encoding.ASCII.GetString(e->SymfileAddress, 4));
            entries.Add((nint)e);
            previous = e;
        }
        return entries;
    }

    private static string ReadElf(params string[] args)
    {
        (int exit, string stdout, string stderr) = ExternalTools.Run(ExternalTools.Require("readelf"), args, TimeSpan.FromSeconds(30));
        Assert.True(exit == 0 && !stderr.Contains("Error", StringComparison.Ordinal), $"readelf {string.Join(' ', args)}: {stderr}");
        return stdout;
    }

    private static string WriteTemp(byte[] bytes, string extension)
    {
        string path = Path.Combine(Path.GetTempPath(), $"kiln-test-{Guid.NewGuid():N}{extension}");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
