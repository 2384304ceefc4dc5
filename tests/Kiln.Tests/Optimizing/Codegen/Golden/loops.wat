;; A counting loop: the loop-carried values stay in registers, the compare fuses with the branch, the interrupt check
;; sits at the header; a sum over memory uses [r14 + index + offset] after an explicit check.
(module $loops
  (memory 1)
  (func $count (param i32) (result i32) (local i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get 1) (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (br $next)))
    (local.get 1))
  (func $sum (param i32 i32) (result i64) (local i64)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get 1)))
        (local.set 2 (i64.add (local.get 2) (i64.load offset=8 (local.get 0))))
        (local.set 0 (i32.add (local.get 0) (i32.const 8)))
        (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
        (br $next)))
    (local.get 2))
)
