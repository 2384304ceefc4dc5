namespace Kiln.Interpreter;

/// <summary>A growable int buffer for the translator's output, copied once into a pinned array.</summary>
internal sealed class CodeBuffer
{
    private int[] _items = new int[256];

    public int Count { get; private set; }

    public int this[int index]
    {
        get => _items[index];
        set => _items[index] = value;
    }

    public void Clear() => Count = 0;

    /// <summary>Drops everything from <paramref name="count"/> on (used to replace the last instruction).</summary>
    public void Truncate(int count) => Count = count;

    public void Add(int a)
    {
        Reserve(1);
        _items[Count++] = a;
    }

    public void Add(int a, int b)
    {
        Reserve(2);
        _items[Count++] = a;
        _items[Count++] = b;
    }

    public void Add(int a, int b, int c)
    {
        Reserve(3);
        _items[Count++] = a;
        _items[Count++] = b;
        _items[Count++] = c;
    }

    public void Add(int a, int b, int c, int d)
    {
        Reserve(4);
        _items[Count++] = a;
        _items[Count++] = b;
        _items[Count++] = c;
        _items[Count++] = d;
    }

    public void Add(int a, int b, int c, int d, int e)
    {
        Reserve(5);
        _items[Count++] = a;
        _items[Count++] = b;
        _items[Count++] = c;
        _items[Count++] = d;
        _items[Count++] = e;
    }

    public void Add(int a, int b, int c, int d, int e, int f)
    {
        Reserve(6);
        _items[Count++] = a;
        _items[Count++] = b;
        _items[Count++] = c;
        _items[Count++] = d;
        _items[Count++] = e;
        _items[Count++] = f;
    }

    /// <summary>A copy on the pinned object heap, so the interpreter can hold a raw pointer into it.</summary>
    public int[] ToPinnedArray()
    {
        int[] result = GC.AllocateUninitializedArray<int>(Count, pinned: true);
        _items.AsSpan(0, Count).CopyTo(result);
        return result;
    }

    private void Reserve(int n)
    {
        if (Count + n > _items.Length)
        {
            Array.Resize(ref _items, Math.Max(_items.Length * 2, Count + n));
        }
    }
}
