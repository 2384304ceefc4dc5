;; A local assigned on both arms of an if/else meets in a block parameter; one assigned on one arm only merges
;; with its old value.
(module
  (func (param i32 i32) (result i32) (local i32)
    local.get 0
    if
      i32.const 10
      local.set 2
      local.get 1
      i32.const 1
      i32.add
      local.set 1
    else
      i32.const 20
      local.set 2
    end
    local.get 2
    local.get 1
    i32.mul))
