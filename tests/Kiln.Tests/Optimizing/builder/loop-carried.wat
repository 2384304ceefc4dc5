;; Sum 0..n-1: i and acc are loop-carried (block parameters of the loop header), n is not (no parameter).
(module
  (func (param i32) (result i32) (local i32 i32)
    block
      loop
        local.get 1
        local.get 0
        i32.ge_u
        br_if 1
        local.get 2
        local.get 1
        i32.add
        local.set 2
        local.get 1
        i32.const 1
        i32.add
        local.set 1
        br 0
      end
    end
    local.get 2))
