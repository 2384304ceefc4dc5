/* Counts lines, words and bytes like wc: of the files named on the command line (which must be
 * inside a directory granted with --dir), or of stdin.
 * Run: echo "a b c" | kiln run examples/c/build/wc.wasm
 *      kiln run --dir-ro examples::/ex examples/c/build/wc.wasm /ex/hello.wat */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int count(FILE *f, const char *name) {
    long lines = 0, words = 0, bytes = 0;
    int c, in_word = 0;
    while ((c = getc(f)) != EOF) {
        bytes++;
        if (c == '\n') lines++;
        if (isspace(c)) in_word = 0;
        else if (!in_word) { in_word = 1; words++; }
    }
    printf("%7ld %7ld %7ld %s\n", lines, words, bytes, name);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) return count(stdin, "");
    int status = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "r");
        if (!f) {
            fprintf(stderr, "wc: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        count(f, argv[i]);
        fclose(f);
    }
    return status;
}
