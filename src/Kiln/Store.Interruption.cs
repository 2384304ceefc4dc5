namespace Kiln;

/// <summary>Interrupting running Wasm from an embedder's cancellation token.</summary>
public sealed partial class Store
{
    /// <summary>
    /// Interrupts running Wasm code when <paramref name="token"/> is cancelled: it traps with
    /// <see cref="TrapCode.Interrupted"/> at the next loop header or call. Dispose the registration
    /// when the token no longer applies.
    /// </summary>
    public CancellationTokenRegistration InterruptOn(CancellationToken token) =>
        token.Register(static state =>
        {
            var store = (Store)state!;
            if (!store._disposed)
            {
                store.Interrupt();
            }
        }, this);
}
