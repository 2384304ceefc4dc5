;; SIMD: v128 parameters, locals (zero-initialized with vconst), globals and constants; lane-wise arithmetic,
;; lane access, shuffle, bitselect, conversions; every shape of v128 memory access (plain, extending, splat, zero,
;; lane loads and stores) and a v128 select.
(module
  (memory 1)
  (global $g (mut v128) (v128.const i32x4 0 0 0 0))
  (func (param v128 i32) (result v128)
    (local v128)
    local.get 0
    (v128.const i32x4 1 2 3 4)
    i32x4.add
    local.get 2
    i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31
    local.get 1
    i16x8.replace_lane 7
    local.tee 2
    i8x16.extract_lane_u 5
    i32x4.splat
    local.get 2
    local.get 0
    v128.bitselect
    f32x4.convert_i32x4_s
    global.set $g
    local.get 2
    i32x4.all_true
    local.get 2
    i8x16.bitmask
    i32.add
    local.set 1
    local.get 1
    v128.load offset=16
    local.get 1
    v128.load8x8_s offset=1
    i16x8.mul
    local.get 1
    v128.load32_zero
    i64x2.extmul_low_i32x4_u
    local.get 1
    v128.load16_splat offset=2
    local.get 1
    local.get 2
    v128.load64_lane offset=8 1
    local.get 1
    select (result v128)
    i64x2.add
    local.set 2
    local.get 1
    local.get 2
    v128.store8_lane offset=3 15
    local.get 1
    local.get 2
    v128.store offset=32
    global.get $g
    local.get 2
    f64x2.max))
