using System.Runtime.InteropServices;

namespace Kiln.Jit.Diagnostics;

/// <summary>
/// GDB's JIT interface (GDB manual, "JIT Compilation Interface"): a process tells an attached or future GDB about
/// generated code by linking a <c>jit_code_entry</c> that points at an in-memory ELF object into
/// <c>__jit_debug_descriptor</c> and calling <c>__jit_debug_register_code</c>, where GDB keeps a breakpoint and reads
/// the object. Both symbols come from the shim that <see cref="GdbJitShim"/> builds, written to a private temporary
/// directory (GDB reads it from disk by path, so it must be a real file, not <c>/proc/self/fd/N</c>) and loaded once
/// per process. Without a debugger attached, registering costs a call to a <c>ret</c>.
/// </summary>
internal sealed unsafe class GdbJitInterface
{
    private const uint JitNoAction = 0;
    private const uint JitRegisterFn = 1;
    private const uint JitUnregisterFn = 2;

    private static readonly object s_initLock = new();
    private static GdbJitInterface? s_instance;

    // The descriptor is one list for the whole process; GDB reads it only while the process is stopped in the
    // register function, so a lock around each update is all the synchronization it needs.
    private readonly object _listLock = new();
    private readonly JitDescriptor* _descriptor;
    private readonly delegate* unmanaged<void> _registerCode;

    private GdbJitInterface(string shimPath, JitDescriptor* descriptor, delegate* unmanaged<void> registerCode)
    {
        ShimPath = shimPath;
        _descriptor = descriptor;
        _registerCode = registerCode;
    }

    /// <summary>The shim's file, which stays on disk until the process exits.</summary>
    public string ShimPath { get; }

    /// <summary>The process's interface, creating and loading the shim on first use.</summary>
    public static GdbJitInterface Instance
    {
        get
        {
            lock (s_initLock)
            {
                return s_instance ??= Load();
            }
        }
    }

    /// <summary>Publishes an ELF object to GDB; the returned handle takes it back.</summary>
    public Registration Register(ReadOnlySpan<byte> elf)
    {
        var entry = (JitCodeEntry*)NativeMemory.AllocZeroed((nuint)sizeof(JitCodeEntry));
        byte* image = (byte*)NativeMemory.Alloc((nuint)elf.Length);
        elf.CopyTo(new Span<byte>(image, elf.Length));
        entry->SymfileAddress = image;
        entry->SymfileSize = (ulong)elf.Length;
        lock (_listLock)
        {
            entry->Next = _descriptor->FirstEntry;
            if (entry->Next is not null)
            {
                entry->Next->Prev = entry;
            }
            _descriptor->FirstEntry = entry;
            _descriptor->RelevantEntry = entry;
            _descriptor->ActionFlag = JitRegisterFn;
            _registerCode();
            _descriptor->ActionFlag = JitNoAction;
        }
        return new Registration(this, entry);
    }

    private void Unregister(JitCodeEntry* entry)
    {
        lock (_listLock)
        {
            if (entry->Prev is not null)
            {
                entry->Prev->Next = entry->Next;
            }
            else
            {
                _descriptor->FirstEntry = entry->Next;
            }
            if (entry->Next is not null)
            {
                entry->Next->Prev = entry->Prev;
            }
            _descriptor->RelevantEntry = entry;
            _descriptor->ActionFlag = JitUnregisterFn;
            _registerCode();
            _descriptor->ActionFlag = JitNoAction;
            _descriptor->RelevantEntry = null;
        }
        NativeMemory.Free(entry->SymfileAddress);
        NativeMemory.Free(entry);
    }

    private static GdbJitInterface Load()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64 || !OperatingSystem.IsLinux())
        {
            throw new JitDiagnosticsException("The GDB JIT interface is built for Linux x86-64 only.");
        }
        string directory;
        string path;
        try
        {
            // SECURITY: a directory only this user can write (mode 0700), so nobody can swap the object we dlopen.
            directory = Directory.CreateTempSubdirectory("kiln-gdbjit-").FullName;
            path = Path.Combine(directory, GdbJitShim.SharedObjectName);
            File.WriteAllBytes(path, GdbJitShim.Build());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JitDiagnosticsException($"Cannot write the GDB JIT shim object: {e.Message}", e);
        }
        nint library;
        try
        {
            library = NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            throw new JitDiagnosticsException($"Cannot load the GDB JIT shim {path}: {e.Message}", e);
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover 1.3 KB file in the temporary directory is harmless.
            }
        };
        var descriptor = (JitDescriptor*)NativeLibrary.GetExport(library, GdbJitShim.DescriptorName);
        var registerCode = (delegate* unmanaged<void>)NativeLibrary.GetExport(library, GdbJitShim.RegisterFunctionName);
        if (descriptor->Version != 1)
        {
            throw new JitDiagnosticsException($"The GDB JIT shim's descriptor has version {descriptor->Version}, expected 1.");
        }
        return new GdbJitInterface(path, descriptor, registerCode);
    }

    /// <summary>One object known to GDB; <see cref="Dispose"/> unregisters it and frees its memory.</summary>
    public sealed class Registration : IDisposable
    {
        private readonly GdbJitInterface _owner;
        private nint _entry;

        internal Registration(GdbJitInterface owner, JitCodeEntry* entry)
        {
            _owner = owner;
            _entry = (nint)entry;
        }

        public void Dispose()
        {
            // Exactly one caller takes the entry: a second Dispose must not unlink (and free) it again.
            var entry = (JitCodeEntry*)Interlocked.Exchange(ref _entry, 0);
            if (entry is not null)
            {
                _owner.Unregister(entry);
            }
        }
    }

    // GDB's struct jit_code_entry.
    [StructLayout(LayoutKind.Sequential)]
    internal struct JitCodeEntry
    {
        public JitCodeEntry* Next;
        public JitCodeEntry* Prev;
        public byte* SymfileAddress;
        public ulong SymfileSize;
    }

    // GDB's struct jit_descriptor.
    [StructLayout(LayoutKind.Sequential)]
    internal struct JitDescriptor
    {
        public uint Version;
        public uint ActionFlag;
        public JitCodeEntry* RelevantEntry;
        public JitCodeEntry* FirstEntry;
    }
}
