namespace Kiln.Wasm.Text;

/// <summary>What a <see cref="WastExpected"/> result checks.</summary>
public enum WastExpectedKind
{
    /// <summary>Exactly <see cref="WastExpected.Value"/>: numbers compare bit for bit, references by null-ness and host number.</summary>
    Value,
    /// <summary>An f32 or f64 NaN of the kind in <see cref="WastExpected.Nan"/>.</summary>
    Nan,
    /// <summary>A v128 compared lane by lane in <see cref="WastExpected.Shape"/>; float lanes may be NaN patterns.</summary>
    Lanes,
    /// <summary><c>(ref.extern)</c>: any non-null external reference.</summary>
    AnyExternRef,
    /// <summary><c>(ref.func)</c>: any non-null function reference.</summary>
    AnyFuncRef,
}
