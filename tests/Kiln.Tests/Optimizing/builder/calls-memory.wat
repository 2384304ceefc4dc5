;; Direct calls with several results, an import, globals, and loads/stores with offsets and extensions.
(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (memory 1)
  (global $g (mut i64) (i64.const 0))
  (func $two (param i64) (result i32 i64)
    i32.const 1
    local.get 0)
  (func (param i32) (result i32)
    local.get 0
    i32.load8_s offset=3
    call $f
    i64.extend_i32_s
    call $two
    global.set $g
    local.get 0
    i64.load32_u offset=8
    i64.store16 offset=2
    local.get 0
    memory.size
    i32.add
    drop
    global.get $g
    i32.wrap_i64))
