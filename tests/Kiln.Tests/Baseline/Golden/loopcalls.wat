;; A loop that calls a function per iteration (spectral norm's A(i, j)): pinned locals that the loop never writes
;; (the parameters $n and $v, the outer counter $i) are not stored before each call; one changed before the loop is
;; written back once on entry. Those the loop writes ($j, $sum, the address) are stored before the call.
(module $loopcalls
  (memory 1)
  (func $a (param $i i32) (param $j i32) (result f64)
    (f64.div (f64.const 1)
      (f64.convert_i32_s (i32.add (i32.add (i32.div_s (i32.mul (i32.add (local.get $i) (local.get $j))
        (i32.add (i32.add (local.get $i) (local.get $j)) (i32.const 1))) (i32.const 2)) (local.get $i)) (i32.const 1)))))
  (func $row (param $v i32) (param $n i32) (param $i i32) (result f64) (local $j i32) (local $sum f64)
    (local.set $i (i32.add (local.get $i) (i32.const 0)))
    (loop $l
      (local.set $sum (f64.add (local.get $sum)
        (f64.mul (call $a (local.get $i) (local.get $j)) (f64.load (i32.add (local.get $v) (i32.shl (local.get $j) (i32.const 3)))))))
      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $n))))
    (local.get $sum))
)
