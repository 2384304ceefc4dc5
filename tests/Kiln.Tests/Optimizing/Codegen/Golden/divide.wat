;; Division by constants: unsigned by a power of two is a shift or a mask, signed by a power of two adds the
;; rounding bias first, unsigned 32-bit by another constant multiplies by a reciprocal; the rest keep div/idiv
;; (with the zero and -1 checks only where the divisor is not a constant).
(module $divide
  (func $half (param i32) (result i32) (i32.div_s (local.get 0) (i32.const 2)))
  (func $mod8s (param i64) (result i64) (i64.rem_s (local.get 0) (i64.const 8)))
  (func $pow2u (param i32 i64) (result i32)
    (i32.add (i32.div_u (local.get 0) (i32.const 16)) (i32.wrap_i64 (i64.rem_u (local.get 1) (i64.const 0x100000000)))))
  (func $lcg (param i32) (result i32)
    (i32.rem_u (i32.add (i32.mul (local.get 0) (i32.const 3877)) (i32.const 29573)) (i32.const 139968)))
  (func $div10 (param i32) (result i32) (i32.div_u (local.get 0) (i32.const 10)))
  (func $kept (param i32 i64) (result i64)
    (i64.add (i64.extend_i32_u (i32.div_s (local.get 0) (i32.const 7))) (i64.div_u (local.get 1) (i64.const 10))))
)
