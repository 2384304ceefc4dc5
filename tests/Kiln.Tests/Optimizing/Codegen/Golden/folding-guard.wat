;; Operand folding under guard pages: i32 address arithmetic right before an access (constants between emit
;; nothing) becomes one 32-bit lea into rcx (base + constant, base + index, base + index << 1-3, index << 1-3,
;; (base + index) + constant), a plain load right before the float or integer arithmetic using it becomes that
;; instruction's memory operand (the trap site), and an add into a third register is a lea. An address used by
;; several accesses is recomputed by each when its operands stay live past the last (base_live), else computed once;
;; a load with an extension is not folded, nor a load into an add that is itself
;; folded into an access (base_plus_loaded: the add keeps the loaded value).
(module $folding_guard
  (memory 1)
  (func $base_const (param i32) (result f64) (f64.load (i32.add (local.get 0) (i32.const 8))))
  (func $base_index (param i32 i32) (result i32) (i32.load8_u (i32.add (local.get 0) (local.get 1))))
  (func $base_scaled (param i32 i32) (result f64)
    (f64.load offset=16 (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3)))))
  (func $scaled_base (param i32 i32) (result i32)
    (i32.load (i32.add (i32.shl (local.get 1) (i32.const 2)) (local.get 0))))
  (func $scaled (param i32) (result i64) (i64.load (i32.shl (local.get 0) (i32.const 3))))
  (func $store_scaled (param i32 i32 f64)
    (f64.store (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3))) (local.get 2)))
  (func $shift_by_4 (param i32) (result i32) (i32.load (i32.shl (local.get 0) (i32.const 4))))
  (func $axpy (param i32 i32 f64)
    (f64.store (local.get 0)
      (f64.add (f64.load (local.get 0)) (f64.mul (local.get 2) (f64.load (local.get 1))))))
  (func $int_load_operand (param i32 i64) (result i64) (i64.sub (local.get 1) (i64.load offset=8 (local.get 0))))
  (func $narrow_load (param i32 i32) (result i32) (i32.add (local.get 1) (i32.load16_u (local.get 0))))
  (func $address_twice (param i32 f64)
    (local i32)
    (local.set 2 (i32.add (local.get 0) (i32.const 8)))
    (f64.store (local.get 2) (f64.add (f64.load (local.get 2)) (local.get 1))))
  (func $address_twice_base_live (param i32 f64) (result i32)
    (local i32)
    (local.set 2 (i32.add (local.get 0) (i32.const 8)))
    (f64.store (local.get 2) (f64.add (f64.load (local.get 2)) (local.get 1)))
    (i32.add (local.get 0) (i32.const 16)))
  (func $nested (param i32 i32) (result i32)
    (i32.load offset=4 (i32.add (i32.add (local.get 0) (local.get 1)) (i32.const 8))))
  (func $base_plus_loaded (param i32 i32) (result i32)
    (i32.load (i32.add (local.get 0) (i32.load (local.get 1)))))
  (func $three_address (param i32 i32) (result i32)
    (i32.mul (i32.add (local.get 0) (i32.const 100)) (local.get 0)))
)
