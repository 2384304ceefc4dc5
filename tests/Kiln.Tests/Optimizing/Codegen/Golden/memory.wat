;; Loads and stores as [membase + index + offset] after the bounds check; memory.grow through a helper.
(module $memory
  (memory 1)
  (func $load (param i32) (result i32) (i32.load offset=8 (local.get 0)))
  (func $store_byte (param i32 i32) (i32.store8 offset=3 (local.get 0) (local.get 1)))
  (func $load_const_address (result i64) (i64.load (i32.const 1024)))
  (func $copy_word (param i32 i32) (i64.store (local.get 1) (i64.load (local.get 0))))
  (func $grow (param i32) (result i32) (memory.grow (local.get 0)))
)
