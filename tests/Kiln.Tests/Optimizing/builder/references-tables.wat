;; Reference values and tables: funcref/externref parameters and locals (zero-initialized with ref_null),
;; ref.null/ref.is_null/ref.func, every table instruction over two tables, elem.drop, and a typed select of references.
(module
  (table $t 2 10 funcref)
  (table $u 1 externref)
  (elem $e func $f $f)
  (elem declare func $g)
  (func $f)
  (func $g (param externref i32) (result i32)
    (local funcref)
    local.get 2
    ref.is_null
    ref.func $g
    ref.null func
    local.get 1
    select (result funcref)
    local.set 2
    local.get 1
    local.get 2
    table.set $t
    i32.const 0
    local.get 0
    table.set $u
    local.get 1
    table.get $t
    i32.const 3
    table.grow $t
    i32.add
    table.size $u
    i32.add
    i32.const 0
    ref.null extern
    i32.const 1
    table.fill $u
    i32.const 0
    i32.const 1
    i32.const 1
    table.copy $t $t
    local.get 1
    i32.const 0
    i32.const 2
    table.init $t $e
    elem.drop $e))
