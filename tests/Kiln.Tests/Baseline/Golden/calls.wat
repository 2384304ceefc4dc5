;; Calls through the function slots in vmctx, call_indirect checks (bounds, null, signature), multi-value.
(module $calls
  (type $binary (func (param i32 i32) (result i32)))
  (import "env" "log" (func $log (param i32)))
  (table 2 funcref)
  (elem (i32.const 0) $add)
  (func $add (type $binary) (i32.add (local.get 0) (local.get 1)))
  (func $call_direct (param i32) (result i32) (call $log (local.get 0)) (call $add (local.get 0) (i32.const 1)))
  (func $call_indirect (param i32 i32) (result i32) (call_indirect (type $binary) (local.get 0) (i32.const 7) (local.get 1)))
  (func $pair (param i64) (result i64 i64) (local.get 0) (i64.const -1))
)
