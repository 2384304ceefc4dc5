/* Random DNA in the shape of typical kernels (after the fasta benchmark): a linear congruential
 * generator, a cumulative-probability lookup and a line writer are small functions called per
 * character; the text goes to a buffer that is hashed (FNV-1a) and counted per letter instead of
 * being printed. Integer arithmetic only. Usage: fasta_fn [N] (default 50000000 characters). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define IM 139968
#define IA 3877
#define IC 29573
#define LINE 60

typedef struct { char c; int p; } Acid; /* p: cumulative probability in units of 1/IM */

static uint32_t s_seed = 42;

__attribute__((noinline)) static int next_random(void) {
    s_seed = (s_seed * IA + IC) % IM;
    return (int)s_seed;
}

__attribute__((noinline)) static char pick(const Acid *table, int count, int r) {
    for (int i = 0; i < count - 1; i++)
        if (r < table[i].p) return table[i].c;
    return table[count - 1].c;
}

__attribute__((noinline)) static uint32_t hash_line(uint32_t h, const char *line, int len) {
    for (int i = 0; i < len; i++) h = (h ^ (unsigned char)line[i]) * 16777619u;
    return h;
}

static void make_cumulative(Acid *table, const double *prob, int count) {
    double sum = 0.0;
    for (int i = 0; i < count; i++) {
        sum += prob[i];
        table[i].p = (int)(sum * IM); /* truncation of an exactly rounded product: the same everywhere */
    }
    table[count - 1].p = IM;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 50000000;
    if (n < 0) { fprintf(stderr, "fasta_fn: N must be >= 0\n"); return 2; }
    static const char iub_c[] = "acgtBDHKMNRSVWY";
    static const double iub_p[] = {0.27, 0.12, 0.12, 0.27, 0.02, 0.02, 0.02, 0.02,
                                   0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02};
    static const char homo_c[] = "acgt";
    static const double homo_p[] = {0.3029549426680, 0.1979883004921, 0.1975473066391, 0.3015094502008};
    Acid iub[15], homo[4];
    for (int i = 0; i < 15; i++) iub[i].c = iub_c[i];
    for (int i = 0; i < 4; i++) homo[i].c = homo_c[i];
    make_cumulative(iub, iub_p, 15);
    make_cumulative(homo, homo_p, 4);

    long counts[256] = {0};
    uint32_t h = 2166136261u;
    char line[LINE];
    for (int part = 0; part < 2; part++) {
        const Acid *table = part == 0 ? iub : homo;
        int count = part == 0 ? 15 : 4;
        long left = part == 0 ? n * 3 / 5 : n * 2 / 5;
        while (left > 0) {
            int len = left < LINE ? (int)left : LINE;
            for (int i = 0; i < len; i++) {
                char c = pick(table, count, next_random());
                line[i] = c;
                counts[(unsigned char)c]++;
            }
            h = hash_line(h, line, len);
            left -= len;
        }
    }
    printf("hash: %08x\n", h);
    printf("counts: a=%ld c=%ld g=%ld t=%ld B=%ld Y=%ld\n", counts['a'], counts['c'], counts['g'], counts['t'],
           counts['B'], counts['Y']);
    return 0;
}
