namespace Kiln.Wasm.Text;

/// <summary>One lane of a v128 result: exact <see cref="Bits"/> (lane width), or a NaN pattern for float shapes.</summary>
public readonly record struct WastLane(ulong Bits, WastNanPattern Nan);
