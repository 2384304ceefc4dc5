;; Integer arithmetic: immediates folded, compare fused with the branch, division checks.
(module $arith
  (func $add_const (param i32) (result i32) (i32.add (local.get 0) (i32.const 42)))
  (func $max_s (param i64 i64) (result i64)
    (if (result i64) (i64.gt_s (local.get 0) (local.get 1)) (then (local.get 0)) (else (local.get 1))))
  (func $div_s (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $rem_u_const (param i64) (result i64) (i64.rem_u (local.get 0) (i64.const 10)))
  (func $shift_rotate (param i32 i32) (result i32) (i32.rotl (i32.shl (local.get 0) (i32.const 3)) (local.get 1)))
)
