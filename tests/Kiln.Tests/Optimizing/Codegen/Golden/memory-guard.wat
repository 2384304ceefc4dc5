;; Guard pages: loads and stores as [membase + zero-extended index + offset] with no check (each a trap site); a
;; 2 GiB offset keeps the explicit check, the length loaded from the memory definition (r13 is not kept); memory.size
;; reads the definition too.
(module $memory_guard
  (memory 1)
  (func $load (param i32) (result i32) (i32.load offset=8 (local.get 0)))
  (func $store_byte (param i32 i32) (i32.store8 offset=3 (local.get 0) (local.get 1)))
  (func $load_const_address (result i64) (i64.load (i32.const 1024)))
  (func $copy_word (param i32 i32) (i64.store (local.get 1) (i64.load (local.get 0))))
  (func $grow (param i32) (result i32) (memory.grow (local.get 0)))
  (func $size (result i32) (memory.size))
  (func $far (param i32) (result i32) (i32.load offset=0x80000000 (local.get 0)))
  (func $store_f64 (param i32 f64) (f64.store offset=8 (local.get 0) (f64.add (local.get 1) (local.get 1))))
)
