/* Leaves through exit(CODE) (proc_exit in WASI) with the code given as argument, after buffered
 * output that exit must flush; with "return" as second argument it returns CODE from main instead. */
#include "common.h"

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: exit_code CODE [return]\n"); return 2; }
    int code = atoi(argv[1]);
    printf("about to leave with %d\n", code);
    fprintf(stderr, "stderr before leaving\n");
    if (argc > 2 && strcmp(argv[2], "return") == 0) {
        printf("returning from main\n");
        return code;
    }
    printf("calling exit\n");
    exit(code);
}
