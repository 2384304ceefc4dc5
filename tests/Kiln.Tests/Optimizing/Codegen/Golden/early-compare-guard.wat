;; A compare whose only use is its block's brif, with a counter's increment between them: the compare is a cmp where
;; it stands, the increment a lea (which leaves the flags alone), and the brif a jcc on those flags, with no setcc,
;; movzx and test. An i64 counter, a decrement (lea with a negative displacement) and a float compare likewise; a
;; multiply between them keeps the plain materialized compare. An empty join block between a jump and its target
;; emits nothing, and the jump to it none either.
(module $early_compare_guard
  (memory 1)
  (func $count (param i32) (result i32) (local i32 i32)
    (loop $l
      (local.set 2 (i32.add (local.get 2) (i32.load (local.get 1))))
      (local.set 1 (i32.add (local.get 1) (i32.const 4)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 2))
  (func $count_after (param i32) (result i32) (local i32 i32 i32)
    (loop $l
      (local.set 2 (i32.add (local.get 2) (i32.load (local.get 1))))
      (local.set 3 (i32.lt_u (local.get 1) (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (i32.const 4)))
      (br_if $l (local.get 3)))
    (local.get 2))
  (func $down64 (param i64) (result i64) (local i64 i32)
    (loop $l
      (local.set 1 (i64.add (local.get 1) (local.get 0)))
      (local.set 2 (i64.gt_s (local.get 0) (i64.const 1)))
      (local.set 0 (i64.sub (local.get 0) (i64.const 1)))
      (br_if $l (local.get 2)))
    (local.get 1))
  (func $float (param f64 i32) (result i32) (local i32 f64)
    (loop $l
      (local.set 3 (f64.add (local.get 3) (f64.const 1)))
      (local.set 2 (f64.lt (local.get 3) (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (local.get 2)))
    (local.get 1))
  (func $multiply_between (param i32) (result i32) (local i32 i32)
    (loop $l
      (local.set 2 (i32.lt_u (local.get 1) (local.get 0)))
      (local.set 1 (i32.mul (i32.add (local.get 1) (i32.const 1)) (i32.const 3)))
      (br_if $l (local.get 2)))
    (local.get 1))
  (func $join (param i32 i32) (result i32)
    (if (local.get 0) (then (i32.store (local.get 1) (i32.const 7))))
    (i32.load (local.get 1)))
)
