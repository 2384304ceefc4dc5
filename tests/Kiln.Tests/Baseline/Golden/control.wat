;; Loops with the interrupt check at the header, br_if with merge values, br_table through a jump table.
(module $control
  (func $count (param i32) (result i32) (local i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get 1) (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (br $next)))
    (local.get 1))
  (func $switch (param i32) (result i32)
    (block $c (block $b (block $a
      (br_table $a $b $c (local.get 0)))
      (return (i32.const 10)))
      (return (i32.const 20)))
    (i32.const 30))
  (func $select (param i32 i32 i32) (result i32) (select (local.get 0) (local.get 1) (i32.lt_s (local.get 2) (i32.const 0))))
)
