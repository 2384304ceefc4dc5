using System.Runtime.InteropServices;
using System.Text;
using Kiln.Jit.Diagnostics;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Text;

namespace Kiln.Tests.Api;

/// <summary>
/// The baseline compiler's line tables: each compiled function maps its machine code to the bytecode offsets of its
/// body, the code observer receives them with the fixed frame, and they reach perf's jitdump (a DEBUG_INFO record
/// right before each LOAD) and GDB (a non-empty <c>.debug_line</c> in the registered object).
/// </summary>
public class EngineLineTableTests
{
    private const string Wat = """
        (module
          (func $sum (export "sum") (param i32) (result i32) (local i32)
            (block $done
              (loop $again
                (br_if $done (i32.eqz (local.get 0)))
                (local.set 1 (i32.add (local.get 1) (local.get 0)))
                (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
                (br $again)))
            (local.get 1))
          (func $pick (export "pick") (param i32) (result i32)
            (if (result i32) (local.get 0)
              (then (call $sum (local.get 0)))
              (else (return (i32.const 7)) (i32.const 8)))))
        """;

    private static readonly byte[] s_binary = ModuleWriter.Write(TextParser.ParseModule(Wat));

    /// <summary>Each defined function's instructions as [start, end) module offsets, by the address it was compiled to.</summary>
    private static Dictionary<nint, (CodeSymbol Symbol, int Start, int End)> Functions(Module module)
    {
        WasmModule model = ModuleReader.Read(s_binary);
        IReadOnlyList<CodeSymbol> compiled = module.CompiledFunctions;
        Assert.Equal(model.Bodies.Count, compiled.Count);
        var result = new Dictionary<nint, (CodeSymbol, int, int)>();
        for (int i = 0; i < compiled.Count; i++)
        {
            FunctionBody body = model.Bodies[i];
            result[compiled[i].Address] = (compiled[i], body.CodeOffset, body.CodeOffset + body.Code.Length);
        }
        return result;
    }

    private static void CheckEntries(IReadOnlyList<(long Address, int Line)> entries, nint address, int size, int start, int end)
    {
        Assert.True(entries.Count >= 4, $"expected an entry per emitting instruction, got {entries.Count}");
        Assert.Equal(address, (nint)entries[0].Address);
        for (int i = 0; i < entries.Count; i++)
        {
            Assert.InRange(entries[i].Address, address, address + size - 1);
            Assert.InRange(entries[i].Line, start, end - 1);
            if (i > 0)
            {
                Assert.True(entries[i].Address > entries[i - 1].Address, $"entry {i} does not advance the code address");
                Assert.NotEqual(entries[i - 1].Line, entries[i].Line);
            }
        }
    }

    [Fact]
    public void TheJitDumpHasADebugInfoRecordWithBytecodeOffsetsBeforeEachLoad()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"kiln-engine-jitdump-{Environment.ProcessId}");
        Environment.SetEnvironmentVariable("KILN_JITDUMP_DIR", dir);
        // The process's one jitdump stays open until the process ends; so does its directory.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        };
        using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline, Profiler = CodeProfiler.JitDump });
        using var store = new Store(engine);
        Module module = Module.FromBinary(engine, s_binary, "lines");
        Instance instance = new Linker(engine).Instantiate(store, module);
        Assert.Equal(10, instance.GetFunction("pick")!.Invoke([Value.FromI32(4)])[0].AsI32());
        string description = engine.DescribeDiagnostics();
        string path = description[(description.IndexOf("jitdump ", StringComparison.Ordinal) + 8)..].Split(',')[0];
        byte[] dump = File.ReadAllBytes(path);
        Dictionary<nint, (CodeSymbol Symbol, int Start, int End)> functions = Functions(module);

        var seen = new HashSet<nint>();
        int offset = (int)BitConverter.ToUInt32(dump, 8); // the header's size
        (uint Id, int Offset) previous = (uint.MaxValue, 0);
        while (offset + 16 <= dump.Length)
        {
            uint id = BitConverter.ToUInt32(dump, offset);
            int size = (int)BitConverter.ToUInt32(dump, offset + 4);
            Assert.True(size >= 16 && offset + size <= dump.Length, $"record at {offset} has a bad size {size}");
            // Earlier engines of this process may have had code at the same address: the name tells ours apart.
            if (id == 0 && functions.TryGetValue((nint)BitConverter.ToInt64(dump, offset + 32), out var function)
                && LoadName(dump, offset) == function.Symbol.Name)
            {
                // JIT_CODE_LOAD of one of ours: the record right before it is its JIT_CODE_DEBUG_INFO.
                Assert.Equal(2u, previous.Id);
                int p = previous.Offset + 16;
                Assert.Equal(function.Symbol.Address, (nint)BitConverter.ToInt64(dump, p));
                long count = BitConverter.ToInt64(dump, p + 8);
                p += 16;
                var entries = new List<(long, int)>();
                for (long e = 0; e < count; e++)
                {
                    long address = BitConverter.ToInt64(dump, p);
                    int line = (int)BitConverter.ToUInt32(dump, p + 8);
                    int nul = Array.IndexOf(dump, (byte)0, p + 16);
                    Assert.Equal("lines", Encoding.UTF8.GetString(dump, p + 16, nul - (p + 16)));
                    entries.Add((address, line));
                    p = nul + 1;
                }
                CheckEntries(entries, function.Symbol.Address, function.Symbol.Size, function.Start, function.End);
                seen.Add(function.Symbol.Address);
            }
            previous = (id, offset);
            offset += size;
        }
        Assert.Equal(functions.Count, seen.Count);
    }

    /// <summary>The name in the JIT_CODE_LOAD record at <paramref name="offset"/> (after its 56 bytes of fixed fields).</summary>
    private static string LoadName(byte[] dump, int offset)
    {
        int start = offset + 56;
        return Encoding.UTF8.GetString(dump, start, Array.IndexOf(dump, (byte)0, start) - start);
    }

    [Theory]
    [InlineData(Tier.Baseline)]
    [InlineData(Tier.Optimizing)]
    public void TheObserverGetsLineTablesAndFramesAlsoForLazilyCompiledFunctions(Tier tier)
    {
        var observer = new RecordingObserver();
        using var engine = new Engine(new EngineOptions { Tier = tier, Compilation = CompilationMode.Lazy, CodeObserver = observer });
        using var store = new Store(engine);
        Module module = Module.FromBinary(engine, s_binary);
        Instance instance = new Linker(engine).Instantiate(store, module);
        Assert.Equal(7, instance.GetFunction("pick")!.Invoke([Value.FromI32(0)])[0].AsI32());
        Assert.Equal(6, instance.GetFunction("pick")!.Invoke([Value.FromI32(3)])[0].AsI32());
        // The optimizing tier inlines $sum into $pick (whose line table then names the call for the copy): called
        // directly, it is compiled on its own too.
        Assert.Equal(6, instance.GetFunction("sum")!.Invoke([Value.FromI32(3)])[0].AsI32());
        Dictionary<nint, (CodeSymbol Symbol, int Start, int End)> functions = Functions(module);
        Assert.Equal(2, functions.Count);
        foreach ((nint address, (CodeSymbol compiled, int start, int end)) in functions)
        {
            CodeSymbol symbol = Assert.Single(observer.Symbols, s => s.Address == address);
            CodeLineTable lines = Assert.IsType<CodeLineTable>(symbol.Lines);
            Assert.Equal("module.wasm", lines.File);
            CheckEntries([.. lines.Entries.Select(l => (address + (long)l.CodeOffset, l.BytecodeOffset))], address, symbol.Size, start, end);
            // The frame the compiler reports is the one in the code: push rbp; mov rbp, rsp ... pop rbp; ret.
            CodeFrame frame = Assert.IsType<CodeFrame>(symbol.Frame);
            byte[] code = module.GetMachineCode(symbol);
            Assert.Equal(compiled.Size, code.Length);
            Assert.Equal([0x55, 0x48, 0x89, 0xE5], code[..frame.AfterMovRbp]);
            Assert.Equal((frame.EpilogueStart, frame.EpilogueEnd), (code.Length - 1, code.Length));
            Assert.Equal([0x5D, 0xC3], code[^2..]);
        }
        // Stubs and trampolines have neither.
        Assert.Contains(observer.Symbols, s => s.Name.Contains("entry_trampoline", StringComparison.Ordinal) && s.Lines is null && s.Frame is null);
    }

    [Fact]
    public void ATextModuleHasNoBytecodeOffsetsSoNoLineTable()
    {
        var observer = new RecordingObserver();
        using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline, CodeObserver = observer });
        Module module = Module.FromText(engine, Wat);
        Assert.Equal(2, module.CompiledFunctions.Count);
        Assert.All(observer.Symbols, s => Assert.Null(s.Lines));
        Assert.Contains(observer.Symbols, s => s.Frame is not null);
    }

    [Fact]
    public unsafe void TheGdbObjectOfTheModuleHasADebugLineSection()
    {
        using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline, DebugInfo = true });
        using var store = new Store(engine);
        Module module = Module.FromBinary(engine, s_binary, "lines");
        Instance instance = new Linker(engine).Instantiate(store, module);
        Assert.Equal(10, instance.GetFunction("sum")!.Invoke([Value.FromI32(4)])[0].AsI32());
        nint function = module.CompiledFunctions[0].Address;

        // The descriptor GDB reads, in the shim the engine loaded: find the in-memory ELF whose .text holds the code.
        string shim = File.ReadLines("/proc/self/maps")
            .Select(l => l.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 6 && p[5].EndsWith("libkiln-gdbjit.so", StringComparison.Ordinal))
            .Select(p => p[5]).First();
        nint library = NativeLibrary.Load(shim);
        var descriptor = (nint*)NativeLibrary.GetExport(library, "__jit_debug_descriptor");
        long debugLine = -1;
        for (var entry = (nint*)descriptor[2]; entry is not null && debugLine < 0; entry = (nint*)entry[0])
        {
            var elf = new ReadOnlySpan<byte>((void*)entry[2], (int)entry[3]);
            Dictionary<string, (ulong Address, ulong Size)> sections = Sections(elf);
            if (sections.TryGetValue(".text", out var text) && (ulong)function >= text.Address && (ulong)function < text.Address + text.Size)
            {
                debugLine = sections.TryGetValue(".debug_line", out var line) ? (long)line.Size : 0;
            }
        }
        Assert.True(debugLine > 0, $"the module's GDB object has .debug_line of {debugLine} bytes");
    }

    /// <summary>Section name to (address, size), from an ELF64 object's section headers.</summary>
    private static Dictionary<string, (ulong, ulong)> Sections(ReadOnlySpan<byte> elf)
    {
        long shoff = BitConverter.ToInt64(elf[0x28..]);
        int shentsize = BitConverter.ToUInt16(elf[0x3A..]);
        int shnum = BitConverter.ToUInt16(elf[0x3C..]);
        int shstrndx = BitConverter.ToUInt16(elf[0x3E..]);
        long names = BitConverter.ToInt64(elf[((int)shoff + (shstrndx * shentsize) + 0x18)..]);
        var result = new Dictionary<string, (ulong, ulong)>();
        for (int i = 1; i < shnum; i++)
        {
            ReadOnlySpan<byte> h = elf.Slice((int)shoff + (i * shentsize), shentsize);
            ReadOnlySpan<byte> name = elf[(int)(names + BitConverter.ToUInt32(h))..];
            result[Encoding.ASCII.GetString(name[..name.IndexOf((byte)0)])] = (BitConverter.ToUInt64(h[0x10..]), BitConverter.ToUInt64(h[0x20..]));
        }
        return result;
    }

    private sealed class RecordingObserver : ICodeObserver
    {
        private readonly List<CodeSymbol> _symbols = [];

        public IReadOnlyList<CodeSymbol> Symbols
        {
            get
            {
                lock (_symbols)
                {
                    return [.. _symbols];
                }
            }
        }

        public void OnCodeSealed(IReadOnlyList<CodeSymbol> symbols)
        {
            lock (_symbols)
            {
                _symbols.AddRange(symbols);
            }
        }
    }
}
