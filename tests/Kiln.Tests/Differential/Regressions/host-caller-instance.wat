;; A host function called from Wasm code must see the calling instance (Caller.Instance), so it
;; can reach the caller's exported memory; WASI's functions all depend on it.
;; "env" "peek" returns the byte at its argument's address in the caller's memory.
(module
  (import "env" "peek" (func $peek (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\2a")
  (func (export "run") (result i32)
    (call $peek (i32.const 16))))
