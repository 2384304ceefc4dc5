;; div/idiv with their checks: a register divisor tests for zero and, when signed, for -1 (INT_MIN / -1 traps for
;; div, gives 0 for rem); a constant -1 keeps only the -1 path.
(module $divide_checks
  (func $div_s (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $rem_s (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
  (func $div_s64 (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
  (func $rem_u (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1)))
  (func $div_minus_one (param i64) (result i64) (i64.div_s (local.get 0) (i64.const -1)))
  (func $rem_minus_one (param i32) (result i32) (i32.rem_s (local.get 0) (i32.const -1)))
)
