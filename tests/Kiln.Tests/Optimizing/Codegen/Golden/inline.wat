;; Small direct callees are inlined (Optimizing/Passes/Inliner): $scale's body and $clamp's branches become part of
;; $g's code, the constant argument folds into an immediate, and no value has to live in a frame slot across a call.
;; $g's division by zero traps inside $g's own code.
(module $inline
  (func $scale (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1)))
  (func $clamp (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 0)) (then (i32.const 0)) (else (local.get 0))))
  (func $g (param i32 i32) (result i32)
    (i32.div_u (call $clamp (call $scale (local.get 0) (i32.const 5))) (local.get 1)))
)
