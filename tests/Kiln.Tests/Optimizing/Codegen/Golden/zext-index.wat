;; Explicit checks. Indexes known to be zero-extended in their registers address memory in place ([r14+rbx], no copy): a
;; loop-carried pointer (a block parameter fed by an add), an entry parameter, a load's result, and the index of a load
;; folded into an add whose result takes another register. A call's result, a popcnt and a variable shift are not on
;; the list (CodeEmitter.IsZeroExtendedInRegister) and are copied into ecx by a 32-bit mov first.
(module $zext_index
  (memory 1)
  (func $sum (param i32 i32) (result f64) (local $acc f64)
    (loop $l
      (local.set $acc (f64.add (local.get $acc) (f64.load (local.get 0))))
      (local.set 0 (i32.add (local.get 0) (i32.const 8)))
      (br_if $l (i32.lt_u (local.get 0) (local.get 1))))
    (local.get $acc))
  (func $chase (param i32) (result i32)
    (local.set 0 (i32.load (local.get 0)))
    (i32.add (i32.load (local.get 0)) (local.get 0)))
  (func $id (param i32) (result i32) (i32.load8_u (i32.const 0)) (drop) (local.get 0))
  (func $from_call (param i32) (result i32) (local i32)
    (local.set 1 (call $id (local.get 0)))
    (i32.add (i32.load (local.get 1)) (local.get 1)))
  (func $from_popcnt (param i32) (result i32) (local i32)
    (local.set 1 (i32.popcnt (local.get 0)))
    (i32.add (i32.load (local.get 1)) (local.get 1)))
  (func $from_shift (param i32 i32) (result i32) (local i32)
    (local.set 1 (i32.shl (local.get 0) (local.get 1)))
    (i32.add (i32.load (local.get 1)) (local.get 1)))
  (func $fold (param i32 i32) (result i32)
    (i32.add (local.get 1) (i32.load (local.get 0))))
  ;; A table lookup: (x >> 6 & 0x3fc) + 0x16d0 cannot wrap, so the constant goes into the offset ([r14+rbx+0x16d0]);
  ;; a parameter plus a constant may wrap and keeps the 32-bit lea.
  (func $lookup (param i32) (result i32)
    (i32.load (i32.add (i32.and (i32.shr_u (local.get 0) (i32.const 6)) (i32.const 0x3fc)) (i32.const 0x16d0))))
  (func $may_wrap (param i32) (result i32) (i32.load (i32.add (local.get 0) (i32.const 0x16d0))))
)
