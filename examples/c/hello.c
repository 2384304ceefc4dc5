/* Hello world through wasi-libc: printf becomes fd_write.
 * Build: examples/c/build.sh; run: kiln run examples/c/build/hello.wasm */
#include <stdio.h>

int main(int argc, char **argv) {
    printf("Hello from C on Kiln! (%d argument%s)\n", argc - 1, argc == 2 ? "" : "s");
    for (int i = 1; i < argc; i++) {
        printf("  argv[%d] = %s\n", i, argv[i]);
    }
    return 0;
}
