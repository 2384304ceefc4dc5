/* Prints the arguments after argv[0] (whose value is engine-specific), each with its length. */
#include "common.h"

int main(int argc, char **argv) {
    printf("argc-1=%d\n", argc - 1);
    for (int i = 1; i < argc; i++) printf("argv[%d] len=%zu [%s]\n", i, strlen(argv[i]), argv[i]);
    if (argv[argc] != NULL) { printf("FAIL argv not NULL-terminated\n"); return 1; }
    return 0;
}
