;; Division with its traps, shifts through cl, select as cmov, a guard-page load as a bare trap site.
(module $arith
  (memory 1)
  (func $div (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $rem (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1)))
  (func $shift (param i32 i32) (result i32) (i32.shl (local.get 0) (local.get 1)))
  (func $select (param i32 i32 i32) (result i32) (select (local.get 0) (local.get 1) (i32.lt_s (local.get 2) (i32.const 0))))
  (func $load (param i32) (result f64) (f64.load offset=16 (local.get 0)))
)
