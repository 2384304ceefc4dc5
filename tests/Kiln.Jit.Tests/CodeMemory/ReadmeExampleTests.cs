using System.Buffers.Binary;

namespace Kiln.Jit.Tests;

/// <summary>The example of src/Kiln.Jit/README.md, kept compiling and correct.</summary>
public unsafe class ReadmeExampleTests
{
    [Fact]
    public void TheReadmeExampleWorks()
    {
        using var memory = new CodeMemory(new CodeMemoryOptions { UseEnvironment = false });
        using CodeBatchBuilder builder = memory.CreateBatch(codeCapacity: 4096, readOnlyDataCapacity: 4096);

        CodeItem mulAdd = builder.AddFunction([0x48, 0x89, 0xF8, 0x48, 0x0F, 0xAF, 0xC6, 0x48, 0x01, 0xD0, 0xC3]);

        CodeItem answer = builder.AddReadOnlyData(BitConverter.GetBytes(42L), alignment: 8);
        CodeItem load = builder.AddFunction(8, out Span<byte> code);
        long displacement = builder.GetExecutableAddress(answer) - (builder.GetExecutableAddress(load) + 7);
        code[0] = 0x48; code[1] = 0x8B; code[2] = 0x05;
        BinaryPrimitives.WriteInt32LittleEndian(code[3..], checked((int)displacement));
        code[7] = 0xC3;

        using CodeBatch batch = builder.Seal();
        var f = (delegate* unmanaged<long, long, long, long>)batch.GetAddress(mulAdd);
        var g = (delegate* unmanaged<long>)batch.GetAddress(load);
        Assert.Equal(50, f(6, 7, 8));
        Assert.Equal(42, g());
        Assert.Equal(memory.Strategy == CodeMemoryStrategy.Mprotect ? 2 : 0, memory.GetStatistics().PermissionChanges);
    }
}
