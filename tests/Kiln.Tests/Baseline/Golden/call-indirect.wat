;; call_indirect: the table bounds check, the null and signature checks and the call through the funcref are the
;; sequence both tiers share (Compiled/CallSequences); this file is the baseline's golden file too.
(module $call_indirect
  (type $binary (func (param i32 i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $add)
  (func $add (type $binary) (i32.add (local.get 0) (local.get 1)))
  (func $dispatch (param i32 i32) (result i32)
    (i32.add (local.get 1)
      (call_indirect (type $binary) (local.get 0) (i32.const 7) (local.get 1))))
)
