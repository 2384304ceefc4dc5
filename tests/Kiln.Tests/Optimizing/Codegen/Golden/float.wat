;; Floats: Wasm min/max NaN and signed-zero rules, copysign/abs/neg with sign masks, eq/ne with NaN, conversions
;; (u64 halved and doubled), truncation through the runtime helper (trapping and saturating).
(module $float
  (func $min (param f64 f64) (result f64) (f64.min (local.get 0) (local.get 1)))
  (func $max (param f32 f32) (result f32) (f32.max (local.get 0) (local.get 1)))
  (func $copysign (param f32 f32) (result f32) (f32.copysign (local.get 0) (local.get 1)))
  (func $abs_neg (param f64) (result f64) (f64.neg (f64.abs (local.get 0))))
  (func $eq (param f32 f32) (result i32) (f32.eq (local.get 0) (local.get 1)))
  (func $ne (param f64 f64) (result i32) (f64.ne (local.get 0) (local.get 1)))
  (func $nearest (param f64) (result f64) (f64.nearest (local.get 0)))
  (func $lt (param f32 f32) (result i32) (f32.lt (local.get 0) (local.get 1)))
  (func $i32_to_f32 (param i32) (result f32) (f32.convert_i32_s (local.get 0)))
  (func $u32_to_f64 (param i32) (result f64) (f64.convert_i32_u (local.get 0)))
  (func $u64_to_f64 (param i64) (result f64) (f64.convert_i64_u (local.get 0)))
  (func $u64_to_f32 (param i64) (result f32) (f32.convert_i64_u (local.get 0)))
  (func $trunc (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func $trunc_sat (param f32) (result i64) (i64.trunc_sat_f32_u (local.get 0)))
)
