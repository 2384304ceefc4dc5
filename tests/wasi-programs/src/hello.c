/* Writes to stdout and stderr through stdio and through write(2), then exits 0. */
#include <unistd.h>
#include "common.h"

int main(void) {
    printf("hello from stdout\n");
    fprintf(stderr, "hello from stderr\n");
    fflush(stdout);
    static const char raw[] = "raw write to fd 1\n";
    if (write(1, raw, sizeof raw - 1) != (ssize_t)(sizeof raw - 1)) return 1;
    static const char raw_err[] = "raw write to fd 2\n";
    if (write(2, raw_err, sizeof raw_err - 1) != (ssize_t)(sizeof raw_err - 1)) return 1;
    printf("numbers: %d %u %ld %lld %x %o %5d|%-5d| %c %s\n", -42, 42u, -1234567L, 9000000000LL, 0xbeef, 8, 7, 7,
           'k', "str");
    puts("puts adds a newline");
    fputs("no newline at the end", stdout);
    return 0;
}
