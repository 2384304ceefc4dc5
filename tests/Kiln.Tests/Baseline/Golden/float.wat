;; Floats: Wasm min/max NaN and signed-zero rules, copysign with sign masks, rounding, conversions.
(module $float
  (func $min (param f64 f64) (result f64) (f64.min (local.get 0) (local.get 1)))
  (func $copysign (param f32 f32) (result f32) (f32.copysign (local.get 0) (local.get 1)))
  (func $nearest (param f64) (result f64) (f64.nearest (local.get 0)))
  (func $lt (param f32 f32) (result i32) (f32.lt (local.get 0) (local.get 1)))
  (func $u64_to_f64 (param i64) (result f64) (f64.convert_i64_u (local.get 0)))
  (func $trunc (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
)
