/* Standard streams: reads all of stdin, reports its size, line count and a checksum, echoes it
 * upper-cased to stdout, then writes a large block (about 200 KB) to stdout and a smaller one to
 * stderr to exercise partial writes and buffering. */
#include <ctype.h>
#include <stdint.h>
#include "common.h"

int main(void) {
    size_t size = 0, lines = 0;
    uint32_t hash = 2166136261u;
    char *echo = NULL;
    size_t cap = 0;
    int c;
    while ((c = getchar()) != EOF) {
        if (size + 1 >= cap) {
            cap = cap ? cap * 2 : 256;
            echo = realloc(echo, cap);
            CHECK(echo != NULL, "realloc");
        }
        echo[size++] = (char)toupper(c);
        lines += c == '\n';
        hash = (hash ^ (uint8_t)c) * 16777619u;
    }
    CHECK(!ferror(stdin), "read stdin");
    printf("stdin: %zu bytes, %zu lines, fnv32=%08x\n", size, lines, (unsigned)hash);
    if (size) fwrite(echo, 1, size, stdout);
    free(echo);
    for (int i = 0; i < 4000; i++) printf("stdout line %04d: the quick brown fox jumps over the lazy dog\n", i);
    for (int i = 0; i < 500; i++) fprintf(stderr, "stderr line %03d\n", i);
    printf("end of stdout\n");
    return 0;
}
