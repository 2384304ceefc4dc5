;; call_indirect through two tables: arguments first, the element index last (written first in the IR), with
;; several results; the Wasm type index is kept beside the signature for the signature check.
(module
  (type $unary (func (param i64) (result i64)))
  (type $pair (func (param i32 f64) (result f64 i32)))
  (table $a 4 funcref)
  (table $b 1 funcref)
  (func (param i32 i64) (result i64)
    local.get 1
    local.get 0
    call_indirect $a (type $unary)
    local.get 0
    f64.const 1.5
    i32.const 0
    call_indirect $b (type $pair)
    drop
    drop))
