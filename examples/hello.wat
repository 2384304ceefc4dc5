;; Prints "Hello from Kiln!" with WASI's fd_write.
;; Run: dotnet run --project src/Kiln.Cli -- run examples/hello.wat
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The text at 16; one iovec {buf = 16, len = 17} at 0; fd_write stores the byte count at 8.
  (data (i32.const 16) "Hello from Kiln!\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 17))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
