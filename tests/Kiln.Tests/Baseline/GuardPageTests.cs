using System.Text;
using Iced.Intel;
using Kiln.Tests.Support;
using Kiln.Vm;
using Xunit.Abstractions;

namespace Kiln.Tests.Baseline;

/// <summary>
/// Bounds checks of the baseline tier in both strategies: guard pages (unchecked accesses that fault and become
/// traps through the signal handler) and explicit checks. Every load and store width at the memory's end, every
/// place a stored value can come from, constant addresses, large offsets that keep the explicit check, memory.grow,
/// a memory shared by two instances, backtraces, many traps in a row, and address space over thousands of memories.
/// </summary>
public class GuardPageTests(ITestOutputHelper output)
{
    private const int PageBytes = 65536;

    private static readonly (string Op, int Size, string Type)[] s_loads =
    [
        ("i32.load", 4, "i32"), ("i64.load", 8, "i64"), ("f32.load", 4, "f32"), ("f64.load", 8, "f64"),
        ("i32.load8_s", 1, "i32"), ("i32.load8_u", 1, "i32"), ("i32.load16_s", 2, "i32"), ("i32.load16_u", 2, "i32"),
        ("i64.load8_s", 1, "i64"), ("i64.load8_u", 1, "i64"), ("i64.load16_s", 2, "i64"), ("i64.load16_u", 2, "i64"),
        ("i64.load32_s", 4, "i64"), ("i64.load32_u", 4, "i64"),
    ];

    private static readonly (string Op, int Size, string Type)[] s_stores =
    [
        ("i32.store", 4, "i32"), ("i64.store", 8, "i64"), ("f32.store", 4, "f32"), ("f64.store", 8, "f64"),
        ("i32.store8", 1, "i32"), ("i32.store16", 2, "i32"), ("i64.store8", 1, "i64"), ("i64.store16", 2, "i64"), ("i64.store32", 4, "i64"),
    ];

    /// <summary>Stored values: all bits set for integers (a wide i64 constant takes the scratch-register path), 1.5 for floats.</summary>
    private static string ConstOf(string type) => type switch
    {
        "i32" => "(i32.const -1)",
        "i64" => "(i64.const 0x1122334455667788)",
        "f32" => "(f32.const 1.5)",
        _ => "(f64.const 1.5)",
    };

    private static Value ValueOf(string type) => type switch
    {
        "i32" => Value.FromI32(-1),
        "i64" => Value.FromI64(0x1122334455667788),
        "f32" => Value.FromF32(1.5f),
        _ => Value.FromF64(1.5),
    };

    /// <summary>
    /// For each load: <c>OP</c> (index from a local), <c>OP/off</c> (offset 16). For each store the value comes from a
    /// constant (<c>OP/const</c>), a local read from its slot (<c>OP/local</c>) or a register (<c>OP/reg</c>).
    /// </summary>
    private static string AccessModule()
    {
        var wat = new StringBuilder("(module (memory (export \"mem\") 1 4)\n");
        foreach ((string op, _, string type) in s_loads)
        {
            wat.Append($"(func (export \"{op}\") (param i32) (result {type}) ({op} (local.get 0)))\n");
            wat.Append($"(func (export \"{op}/off\") (param i32) (result {type}) ({op} offset=16 (local.get 0)))\n");
        }
        foreach ((string op, _, string type) in s_stores)
        {
            wat.Append($"(func (export \"{op}/const\") (param i32) ({op} (local.get 0) {ConstOf(type)}))\n");
            wat.Append($"(func (export \"{op}/local\") (param i32 {type}) ({op} (local.get 0) (local.get 1)))\n");
            string inRegister = type is "f32" or "f64" ? $"({type}.mul (local.get 1) ({type}.const 1))" : $"({type}.add (local.get 1) ({type}.const 0))";
            wat.Append($"(func (export \"{op}/reg\") (param i32 {type}) ({op} (local.get 0) {inRegister}))\n");
        }
        wat.Append("(func (export \"const_ok\") (result i32) (i32.load (i32.const 65532)))\n");
        wat.Append("(func (export \"const_oob\") (result i32) (i32.load (i32.const 65533)))\n");
        wat.Append("(func (export \"const_store_oob\") (i64.store (i32.const 65529) (i64.const -1)))\n");
        wat.Append("(func (export \"size\") (result i32) (memory.size))\n");
        wat.Append("(func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0)))\n");
        return wat.Append(')').ToString();
    }

    private static TestHost Host(BoundsCheckStrategy strategy)
    {
        var host = new TestHost(new EngineOptions { Tier = Tier.Baseline, BoundsChecks = strategy });
        Assert.Equal(strategy, host.Engine.BoundsChecks);
        return host;
    }

    private static TrapCode TrapOf(Action action) => Assert.Throws<TrapException>(action).Code;

    [Theory]
    [InlineData(BoundsCheckStrategy.GuardPages)]
    [InlineData(BoundsCheckStrategy.Explicit)]
    public void LoadsOfEveryWidthTrapExactlyPastTheEnd(BoundsCheckStrategy strategy)
    {
        using TestHost host = Host(strategy);
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, AccessModule()));
        Memory memory = instance.GetMemory("mem")!;
        memory.GetSpan(PageBytes - 32UL, 32).Fill(0x81);
        foreach ((string op, int size, _) in s_loads)
        {
            Func load = instance.GetFunction(op)!;
            Func loadOff = instance.GetFunction(op + "/off")!;
            // The last access that fits, then every start that straddles the end, then far beyond it.
            Assert.NotEqual(0UL, load.Invoke(Value.FromI32(PageBytes - size))[0].Bits);
            Assert.NotEqual(0UL, loadOff.Invoke(Value.FromI32(PageBytes - size - 16))[0].Bits);
            for (int start = PageBytes - size + 1; start <= PageBytes; start++)
            {
                Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => load.Invoke(Value.FromI32(start))));
                Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => loadOff.Invoke(Value.FromI32(start - 16))));
            }
            Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => load.Invoke(Value.FromI32(-1))));
            Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => loadOff.Invoke(Value.FromI32(-1))));
            Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => loadOff.Invoke(Value.FromI32(int.MaxValue))));
        }
        Assert.Equal(unchecked((int)0x81818181), instance.GetFunction<int>("const_ok").Invoke());
        Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => instance.GetFunction<int>("const_oob").Invoke()));
    }

    [Theory]
    [InlineData(BoundsCheckStrategy.GuardPages)]
    [InlineData(BoundsCheckStrategy.Explicit)]
    public void StoresOfEveryWidthTrapPastTheEndAndWriteNothing(BoundsCheckStrategy strategy)
    {
        using TestHost host = Host(strategy);
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, AccessModule()));
        Memory memory = instance.GetMemory("mem")!;
        foreach ((string op, int size, string type) in s_stores)
        {
            foreach (string source in new[] { "const", "local", "reg" })
            {
                Func store = instance.GetFunction($"{op}/{source}")!;
                Value[] Args(int index) => source == "const" ? [Value.FromI32(index)] : [Value.FromI32(index), ValueOf(type)];
                for (int start = PageBytes - size + 1; start <= PageBytes; start++)
                {
                    memory.GetSpan(PageBytes - 16UL, 16).Fill(0x5A);
                    Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => store.Invoke(Args(start))));
                    // Spec 4.4.7: a store that traps writes nothing, not even the bytes that were in bounds.
                    Assert.True(memory.GetSpan(PageBytes - 16UL, 16).IndexOfAnyExcept((byte)0x5A) < 0, $"{op}/{source} at {start} wrote before trapping");
                }
                memory.GetSpan(PageBytes - 16UL, 16).Fill(0x5A);
                store.Invoke(Args(PageBytes - size));
                Assert.True(memory.GetSpan((ulong)(PageBytes - size), size).IndexOfAnyExcept((byte)0x5A) >= 0, $"{op}/{source} did not store");
                Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => store.Invoke(Args(-1))));
            }
        }
        memory.GetSpan(PageBytes - 16UL, 16).Fill(0x5A);
        Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => instance.GetAction("const_store_oob").Invoke()));
        Assert.True(memory.GetSpan(PageBytes - 16UL, 16).IndexOfAnyExcept((byte)0x5A) < 0);
    }

    [Theory]
    [InlineData(BoundsCheckStrategy.GuardPages)]
    [InlineData(BoundsCheckStrategy.Explicit)]
    public void GrowMakesThePagePastTheOldEndAccessible(BoundsCheckStrategy strategy)
    {
        using TestHost host = Host(strategy);
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, AccessModule()));
        TypedFunc<int, long> load = instance.GetFunction<int, long>("i64.load");
        Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => load.Invoke(PageBytes)));
        Assert.Equal(1, instance.GetFunction<int, int>("grow").Invoke(1));
        Assert.Equal(2, instance.GetFunction<int>("size").Invoke());
        Assert.Equal(0, load.Invoke(PageBytes));
        instance.GetAction<int, long>("i64.store/local").Invoke(2 * PageBytes - 8, 42);
        Assert.Equal(42, load.Invoke(2 * PageBytes - 8));
        Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => load.Invoke((2 * PageBytes) - 7)));
        // Past the declared maximum (4 pages) the memory never grows: the rest of the reservation stays inaccessible.
        Assert.Equal(-1, instance.GetFunction<int, int>("grow").Invoke(3));
        Assert.Equal(2, instance.GetFunction<int>("size").Invoke());
    }

    [Theory]
    [InlineData(BoundsCheckStrategy.GuardPages)]
    [InlineData(BoundsCheckStrategy.Explicit)]
    public void AMemorySharedByTwoInstancesIsCheckedAgainstItsCurrentLength(BoundsCheckStrategy strategy)
    {
        using TestHost host = Host(strategy);
        Instance owner = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, AccessModule()));
        host.Linker.DefineInstance("owner", owner);
        Instance user = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, """
            (module
              (import "owner" "mem" (memory 1))
              (func (export "store") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
              (func (export "load") (param i32) (result i64) (i64.load (local.get 0))))
            """));
        user.GetAction<int, long>("store").Invoke(PageBytes - 8, 7);
        Assert.Equal(7, owner.GetFunction<int, long>("i64.load").Invoke(PageBytes - 8));
        Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => user.GetFunction<int, long>("load").Invoke(PageBytes)));
        Assert.Equal(1, owner.GetFunction<int, int>("grow").Invoke(1));
        user.GetAction<int, long>("store").Invoke(PageBytes, 9);
        Assert.Equal(9, owner.GetFunction<int, long>("i64.load").Invoke(PageBytes));
    }

    [Theory]
    [InlineData(BoundsCheckStrategy.GuardPages)]
    [InlineData(BoundsCheckStrategy.Explicit)]
    public void TheInstanceStaysUsableAfterManyTrapsAndTheBacktraceNamesTheFunction(BoundsCheckStrategy strategy)
    {
        using TestHost host = Host(strategy);
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, """
            (module $m (memory 1)
              (func $inner (param i32) (result i32) (i32.load offset=4 (local.get 0)))
              (func $outer (export "outer") (param i32) (result i32) (i32.add (call $inner (local.get 0)) (i32.const 1))))
            """));
        TypedFunc<int, int> outer = instance.GetFunction<int, int>("outer");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 20_000; i++)
        {
            Assert.Throws<TrapException>(() => outer.Invoke(PageBytes - 4 + (i % 64)));
            if (i % 1000 == 0)
            {
                Assert.Equal(1, outer.Invoke(i));
            }
        }
        output.WriteLine($"{strategy}: {watch.Elapsed.TotalMicroseconds / 20_000:F1} µs per trap from the call to the caught TrapException");
        TrapException trap = Assert.Throws<TrapException>(() => outer.Invoke(-4));
        Assert.Equal(TrapCode.MemoryOutOfBounds, trap.Code);
        Assert.Equal(["inner", "outer"], trap.Backtrace.Select(f => f.FunctionName));
        Assert.Equal(1, outer.Invoke(0));
    }

    /// <summary>Lazy compilation (one batch per function) and parallel compilation (one range per chunk and thread).</summary>
    [Theory]
    [InlineData(CompilationMode.Lazy, 1)]
    [InlineData(CompilationMode.Eager, 2)]
    public void EveryBatchAndChunkRegistersItsSites(CompilationMode compilation, int threads)
    {
        using var host = new TestHost(new EngineOptions
        {
            Tier = Tier.Baseline,
            BoundsChecks = BoundsCheckStrategy.GuardPages,
            Compilation = compilation,
            CompilationThreads = threads,
        });
        Module module = Module.FromText(host.Engine, AccessModule());
        Instance instance = host.Linker.Instantiate(host.Store, module);
        foreach ((string op, int size, _) in s_loads)
        {
            Func load = instance.GetFunction(op)!;
            Assert.Equal(0UL, load.Invoke(Value.FromI32(PageBytes - size))[0].Bits);
            Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => load.Invoke(Value.FromI32(PageBytes - size + 1))));
        }
        foreach ((string op, int size, string type) in s_stores)
        {
            Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => instance.GetFunction(op + "/reg")!.Invoke(Value.FromI32(PageBytes - size + 1), ValueOf(type))));
        }
        Assert.Equal(compilation == CompilationMode.Lazy ? s_loads.Length + s_stores.Length : (2 * s_loads.Length) + (3 * s_stores.Length) + 3,
            module.Code!.GetTrapSiteAddresses().Count);
    }

    [Fact]
    public void LargeOffsetsKeepTheExplicitCheck()
    {
        using TestHost host = Host(BoundsCheckStrategy.GuardPages);
        // 32769 pages: 2 GiB and one page, so offset 2 GiB is in bounds for index 0 (pages are reserved, not touched).
        Module module = Module.FromText(host.Engine, """
            (module (memory 32769)
              (func (export "small") (param i32) (result i32) (i32.load offset=0x7ffffff0 (local.get 0)))
              (func (export "large") (param i32) (result i32) (i32.load offset=0x80000000 (local.get 0)))
              (func (export "largest") (param i32) (result i32) (i32.load offset=0xffffffff (local.get 0)))
              (func (export "store") (param i32) (i32.store offset=0x80000000 (local.get 0) (i32.const 5))))
            """);
        Assert.Single(module.Code!.GetTrapSiteAddresses());
        Instance instance = host.Linker.Instantiate(host.Store, module);
        TypedFunc<int, int> large = instance.GetFunction<int, int>("large");
        instance.GetAction<int>("store").Invoke(4);
        Assert.Equal(5, large.Invoke(4));
        Assert.Equal(0, instance.GetFunction<int, int>("small").Invoke(0));
        Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => large.Invoke(PageBytes - 3)));
        Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => large.Invoke(-1)));
        Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => instance.GetFunction<int, int>("largest").Invoke(0)));
        Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => instance.GetFunction<int, int>("small").Invoke(PageBytes + 13)));
    }

    /// <summary>Each registered site is one instruction whose memory operand is based on r14 (the memory base).</summary>
    [Fact]
    public void EveryTrapSiteIsAnAccessThroughTheMemoryBase()
    {
        using TestHost host = Host(BoundsCheckStrategy.GuardPages);
        Module module = Module.FromText(host.Engine, AccessModule());
        IReadOnlyList<nint> sites = module.Code!.GetTrapSiteAddresses();
        // Two loads per load op, three stores per store op, and const_ok, const_oob, const_store_oob.
        Assert.Equal((2 * s_loads.Length) + (3 * s_stores.Length) + 3, sites.Count);
        foreach (nint site in sites)
        {
            byte[] bytes = new byte[15];
            System.Runtime.InteropServices.Marshal.Copy(site, bytes, 0, bytes.Length);
            var decoder = Iced.Intel.Decoder.Create(64, bytes);
            Instruction instruction = decoder.Decode();
            int memoryOperands = Enumerable.Range(0, instruction.OpCount).Count(i => instruction.GetOpKind(i) == OpKind.Memory);
            Assert.True(memoryOperands == 1 && instruction.MemoryBase == Register.R14, $"site 0x{site:x}: {instruction}");
        }
    }

    [Fact]
    public void ExplicitModeRegistersNoSitesAndTheInterpreterReservesNoGuardRegion()
    {
        using (TestHost host = Host(BoundsCheckStrategy.Explicit))
        {
            Assert.Empty(Module.FromText(host.Engine, AccessModule()).Code!.GetTrapSiteAddresses());
            Assert.False(Memory.Create(host.Store, new Wasm.Model.MemoryType(new Wasm.Model.Limits(1, null))).Native.IsGuarded);
        }
        using var interpreter = new TestHost(new EngineOptions { Tier = Tier.Interpreter, BoundsChecks = BoundsCheckStrategy.GuardPages });
        Assert.Equal(BoundsCheckStrategy.Explicit, interpreter.Engine.BoundsChecks);
        Assert.Contains("interpreter", interpreter.Engine.BoundsCheckReason);
        Instance instance = interpreter.Linker.Instantiate(interpreter.Store, Module.FromText(interpreter.Engine, AccessModule()));
        Assert.False(instance.GetMemory("mem")!.Native.IsGuarded);
        Assert.Equal(TrapCode.MemoryOutOfBounds, TrapOf(() => instance.GetFunction<int, int>("i32.load").Invoke(PageBytes - 3)));
    }

    [Fact]
    public void TheDefaultIsGuardPagesHereAndSaysWhy()
    {
        using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline });
        // KILN_BOUNDS_CHECKS may choose for a whole test run; without it the default applies.
        if (Environment.GetEnvironmentVariable(Engine.BoundsChecksEnvironmentVariable) is null or "")
        {
            Assert.Equal(BoundsCheckStrategy.GuardPages, engine.BoundsChecks);
            Assert.StartsWith("default", engine.BoundsCheckReason);
        }
        Assert.Throws<ArgumentException>(() => Engine.ParseEnvironment("fast"));
        Assert.Equal(BoundsCheckStrategy.GuardPages, Engine.ParseEnvironment(" Guard "));
        Assert.Equal(BoundsCheckStrategy.Explicit, Engine.ParseEnvironment("explicit"));
    }

    /// <summary>
    /// 6 GiB of address space per guarded memory: thousands of stores, disposed or merely dropped, must not run the
    /// process out of it. Disposed stores give it back at once; dropped ones when their finalizers run.
    /// </summary>
    [Fact]
    public void ThousandsOfMemoriesDoNotExhaustTheAddressSpace()
    {
        using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline, BoundsChecks = BoundsCheckStrategy.GuardPages });
        Module module = Module.FromText(engine, "(module (memory 1) (func (export \"f\") (result i32) (i32.load (i32.const 0))))");
        var limits = new StoreLimits { ValueStackSlots = 1024 };
        for (int i = 0; i < 4000; i++)
        {
            using var store = new Store(engine, limits);
            Assert.Equal(0, new Linker(engine).Instantiate(store, module).GetFunction<int>("f").Invoke());
        }
        DropStores(engine, module, limits, 4000);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // Other tests may hold a few memories of their own at this moment.
        Assert.True(LinearMemory.LiveGuardedReservations < 1000, $"{LinearMemory.LiveGuardedReservations} guarded memories still live");
    }

    private static void DropStores(Engine engine, Module module, StoreLimits limits, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var store = new Store(engine, limits);
            new Linker(engine).Instantiate(store, module);
        }
    }
}

/// <summary>
/// Runs alone (no other test may need address space meanwhile): guarded memories until the 128 TiB address space is
/// full. Live ones end in a clear <see cref="ResourceLimitException"/>; once they are dropped, the next reservation
/// runs their finalizers and succeeds.
/// </summary>
[Collection(AddressSpaceCollection.Name)]
public class GuardPageAddressSpaceTests
{
    [Fact]
    public void FullAddressSpaceIsAResourceLimitAndDroppedStoresAreReclaimed()
    {
        using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline, BoundsChecks = BoundsCheckStrategy.GuardPages });
        Module module = Module.FromText(engine, "(module (memory 1) (func (export \"f\") (result i32) (i32.load (i32.const 0))))");
        var limits = new StoreLimits { ValueStackSlots = 1024 };
        long retries = LinearMemory.ReservationRetries;
        ResourceLimitException? full = FillAddressSpace(engine, module, limits, out int created);
        // The budgets: 96 TiB / 6 GiB = 16,384 and a quarter of vm.max_map_count (fewer when other memories are live).
        Assert.NotNull(full);
        Assert.Contains("address space", full.Message);
        Assert.InRange(created, 10_000, 16_384);
        Assert.True(LinearMemory.ReservationRetries > retries);

        // The stores of FillAddressSpace are garbage now: this reservation fails once, runs their finalizers, succeeds.
        using var store = new Store(engine, limits);
        Assert.Equal(0, new Linker(engine).Instantiate(store, module).GetFunction<int>("f").Invoke());
        Assert.True(LinearMemory.LiveGuardedReservations < 1000, $"{LinearMemory.LiveGuardedReservations} guarded memories still live");
    }

    /// <summary>
    /// Memories without guard pages reserve their maximum, 4 GiB when none is declared. Before the budget, about
    /// 30,000 of them filled the address space and the .NET runtime's next reservation aborted the process; now the
    /// budget ends it with a clear exception while the runtime still has room, and the process goes on.
    /// </summary>
    [Fact]
    public void UnguardedMemoriesStopAtTheBudgetWithARecoverableError()
    {
        using var engine = new Engine(new EngineOptions { Tier = Tier.Interpreter });
        Module module = Module.FromText(engine, "(module (memory 1) (func (export \"f\") (result i32) (i32.load (i32.const 0))))");
        var limits = new StoreLimits { ValueStackSlots = 1024 };
        var live = new List<Store>();
        ResourceLimitException? full = null;
        try
        {
            for (int i = 0; i < 40_000 && full is null; i++)
            {
                var store = new Store(engine, limits);
                live.Add(store);
                try
                {
                    new Linker(engine).Instantiate(store, module);
                }
                catch (ResourceLimitException e)
                {
                    full = e;
                }
            }
            Assert.NotNull(full);
            Assert.Contains("budget", full.Message);
            // A quarter of vm.max_map_count (16,382 by default) or 96 TiB / 4 GiB = 24,576, whichever comes first.
            Assert.InRange(live.Count, 10_000, 24_577);
            // The process still allocates and runs threads, and the live instances still work.
            var thread = new Thread(() => GC.KeepAlive(new byte[1 << 24]));
            thread.Start();
            thread.Join();
        }
        finally
        {
            foreach (Store store in live)
            {
                store.Dispose();
            }
        }
        using var fresh = new Store(engine, limits);
        Assert.Equal(0, new Linker(engine).Instantiate(fresh, module).GetFunction<int>("f").Invoke());
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static ResourceLimitException? FillAddressSpace(Engine engine, Module module, StoreLimits limits, out int created)
    {
        var live = new List<Store>();
        created = 0;
        try
        {
            for (; created < 30_000; created++)
            {
                var store = new Store(engine, limits);
                live.Add(store);
                new Linker(engine).Instantiate(store, module);
            }
            return null;
        }
        catch (ResourceLimitException e)
        {
            return e;
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AddressSpaceCollection
{
    public const string Name = "address space";
}
