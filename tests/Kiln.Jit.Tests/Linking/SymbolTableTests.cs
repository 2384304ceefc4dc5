using Kiln.Jit.Linking;

namespace Kiln.Jit.Tests.Linking;

public sealed class SymbolTableTests
{
    [Fact]
    public void NamesInternToStableIds()
    {
        var table = new SymbolTable();
        SymbolId a = table.Declare("a");
        SymbolId b = table.Define("b", 0x1000);
        Assert.Equal(a, table.Declare("a"));
        Assert.NotEqual(a, b);
        Assert.Equal("b", table.GetName(b));
        Assert.True(table.TryGetId("a", out SymbolId found));
        Assert.Equal(a, found);
        Assert.False(table.TryGetId("c", out _));
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void AddressesAreDefinedOnceAndLookedUp()
    {
        var table = new SymbolTable();
        SymbolId a = table.Declare("a");
        Assert.False(table.TryGetAddress(a, out _));
        Assert.Throws<LinkException>(() => table.GetAddress(a));
        table.Define(a, 0x1234);
        table.Define(a, 0x1234);
        Assert.Equal(0x1234UL, table.GetAddress(a));
        Assert.Throws<LinkException>(() => table.Define(a, 0x5678));
        Assert.Throws<ArgumentException>(() => table.Define(a, 0));
        Assert.Equal("a", table.FindName(0x1234));
        Assert.Null(table.FindName(0x5678));
        Assert.Throws<LinkException>(() => table.GetName(new SymbolId(7)));
    }

    [Fact]
    public void GrowsPastItsInitialCapacity()
    {
        var table = new SymbolTable();
        for (int i = 0; i < 100; i++)
        {
            table.Define("s" + i, 0x1000UL + (ulong)i);
        }
        Assert.Equal(0x1000UL + 99, table.GetAddress(table.Declare("s99")));
    }
}
