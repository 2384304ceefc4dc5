;; Loop-header interrupt checks with the store context kept in a register (CodeEmitter.LoopChecks.cs): a loop with a
;; free allocatable register loads the pointer at its header's label and its back edge jumps to the compare after the
;; load; in nested loops each header loads its own; a loop with a call checks as at function entry (rax loaded each
;; time), since the call clobbers every register.
(module $loop_checks_guard
  (memory 1)
  (func $count (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.load (local.get 1))))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1))
  (func $nested (param i32) (result i32) (local i32 i32 i32)
    (loop $outer
      (local.set 2 (i32.const 0))
      (loop $inner
        (local.set 3 (i32.add (local.get 3) (local.get 2)))
        (local.set 2 (i32.add (local.get 2) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get 2) (local.get 0))))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 3))
  (func $callee (param i32) (result i32) (i32.load (local.get 0)))
  (func $with_call (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (call $callee (local.get 1))))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1))
)
