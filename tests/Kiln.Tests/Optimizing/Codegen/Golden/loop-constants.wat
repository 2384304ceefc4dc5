;; A 64-bit constant no immediate holds, multiplied in a loop (FNV-1a): the loop header loads it into a register no
;; value holds in the loop, with the store context, and each iteration's imul reads it there instead of a movabs.
;; Nested loops with different constants keep them in different registers; with the same constant, one register.
(module $loop_constants
  (memory 1)
  (func $fnv (param i32 i32) (result i64) (local i64)
    (local.set 2 (i64.const 0xcbf29ce484222325))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get 1)))
        (local.set 2 (i64.mul (i64.xor (local.get 2) (i64.load8_u (local.get 0))) (i64.const 0x100000001b3)))
        (local.set 0 (i32.add (local.get 0) (i32.const 1)))
        (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
        (br $l)))
    (local.get 2))
  (func $nested (param i32 i32) (result i64) (local i64 i32)
    (loop $outer
      (local.set 3 (local.get 1))
      (loop $inner
        (local.set 2 (i64.add (i64.mul (local.get 2) (i64.const 0x100000001b3)) (i64.const 0x7fffffffffff)))
        (local.set 3 (i32.sub (local.get 3) (i32.const 1)))
        (br_if $inner (local.get 3)))
      (local.set 2 (i64.xor (local.get 2) (i64.const 0x123456789a)))
      (local.set 2 (i64.add (local.get 2) (i64.const 0x123456789a)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $outer (local.get 0)))
    (local.get 2))
  (export "fnv" (func $fnv))
  (export "nested" (func $nested)))
