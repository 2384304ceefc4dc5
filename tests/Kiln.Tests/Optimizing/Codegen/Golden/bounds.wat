;; Explicit bounds checks of every shape: an end that fits a displacement (lea, cmp), one that does not (the sum
;; computed with the address), a constant address below and above 2 GiB; memory.size from r13.
(module $bounds
  (memory 1)
  (func $near (param i32) (result i32) (i32.load offset=16 (local.get 0)))
  (func $far (param i32) (result i32) (i32.load offset=0x80000000 (local.get 0)))
  (func $far_store (param i32 i64) (i64.store offset=0xfffffff0 (local.get 0) (local.get 1)))
  (func $const_near (result i32) (i32.load (i32.const 4096)))
  (func $const_far (result i32) (i32.load offset=0x10 (i32.const 0xfffffff0)))
  (func $size (result i32) (memory.size))
)
