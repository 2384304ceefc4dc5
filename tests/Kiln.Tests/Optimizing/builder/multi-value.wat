;; Multi-value: a block with parameters and two results, and an if/else that returns two values.
(module
  (type $pair (func (param i32 i64) (result i64 i32)))
  (func (param i32) (result i64 i32) (local i64)
    local.get 0
    i64.const 5
    block (type $pair)
      i64.const 1
      i64.add
      local.set 1
      i64.extend_i32_u
      local.get 1
      i64.add
      local.get 0
    end)
  (func (param i32) (result f64 f32)
    local.get 0
    if (result f64 f32)
      f64.const 1.5
      f32.const -0
    else
      f64.const nan
      f32.const inf
    end)
  (func (param i32) (local i64))
)
