;; Dead code after br and unreachable is not built; an if whose arms both leave has no end block.
(module
  (func (param i32) (result i32)
    local.get 0
    if
      i32.const 1
      return
    else
      unreachable
    end
    i32.const 2)
  (func (param i32) (result i32)
    block
      local.get 0
      br_if 0
      i32.const 3
      return
      i32.const 4
      drop
    end
    local.get 0
    local.get 0
    i32.const 9
    select))
