;; select: a compare used only by the select right after it sets the flags for the cmov directly (no setcc, no test);
;; a compare with other uses is materialized with setcc and movzx into its own register, and the select tests it; the
;; cmov computes into the result's register unless the condition or the true value lives there. A float compare
;; feeds an integer cmov too; a float select branches.
(module $select
  (func $min (param i32 i32) (result i32)
    (select (local.get 0) (local.get 1) (i32.lt_s (local.get 0) (local.get 1))))
  (func $umax64 (param i64 i64) (result i64)
    (select (local.get 0) (local.get 1) (i64.gt_u (local.get 0) (local.get 1))))
  (func $const_operand (param i32 i32) (result i32)
    (select (local.get 1) (i32.const 7) (i32.gt_s (i32.const 100) (local.get 0))))
  (func $compare_used_twice (param i32 i32) (result i32)
    (local i32)
    (local.set 2 (i32.lt_u (local.get 0) (local.get 1)))
    (i32.add (select (local.get 0) (local.get 1) (local.get 2)) (local.get 2)))
  (func $float_compare (param f64 f64 i32 i32) (result i32)
    (select (local.get 2) (local.get 3) (f64.lt (local.get 0) (local.get 1))))
  (func $float_select (param f64 f64 i32) (result f64)
    (select (local.get 0) (local.get 1) (i32.eqz (local.get 2))))
)
