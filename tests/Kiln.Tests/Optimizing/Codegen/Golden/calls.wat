;; Values live across a call are kept in frame slots (a call clobbers every register but rbp and rsp); arguments and
;; results go through the area at [rsp]; r15 and the memory base are reloaded after the call. $f is imported, so the
;; call stays a call (the tier inlines small defined callees: inline.wat).
(module $calls
  (import "env" "f" (func $f (param i32) (result i32)))
  (memory 1)
  (func $g (param i32 i32) (result i32)
    (i32.add (call $f (local.get 0)) (i32.add (local.get 1) (i32.load (local.get 0)))))
)
