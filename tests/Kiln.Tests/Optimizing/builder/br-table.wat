;; br_table with a value to each of three targets, one of them the function's label (a return).
(module
  (func (param i32) (result i32)
    block (result i32)
      block (result i32)
        i32.const 7
        local.get 0
        br_table 0 1 2
      end
      i32.const 1
      i32.add
    end
    i32.const 2
    i32.mul))
