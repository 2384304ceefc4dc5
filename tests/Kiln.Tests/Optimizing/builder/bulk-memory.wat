;; Bulk memory: fill, copy, init from a passive segment and drop; each is an effect kept in program order.
(module
  (memory 1)
  (data $d "abcdef")
  (func (param i32 i32)
    local.get 0
    i32.const 255
    local.get 1
    memory.fill
    local.get 0
    i32.const 8
    i32.add
    local.get 0
    local.get 1
    memory.copy
    local.get 0
    i32.const 2
    i32.const 4
    memory.init $d
    data.drop $d))
