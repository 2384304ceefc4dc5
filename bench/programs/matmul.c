/* Dense matrix multiply C = A * B (N x N doubles, i-k-j loop order), repeated over shifted inputs.
 * Entries are multiples of 1/1024 below 1, so every product and sum is exact in a double and the
 * checksum is identical on every IEEE-754 engine. Usage: matmul [N] (default 900). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t s_state = 0x9E3779B97F4A7C15ull;

static uint32_t next_u32(void) {
    s_state ^= s_state << 13;
    s_state ^= s_state >> 7;
    s_state ^= s_state << 17;
    return (uint32_t)(s_state >> 32);
}

static void multiply(int n, const double *a, const double *b, double *c) {
    for (int i = 0; i < n * n; i++) c[i] = 0.0;
    for (int i = 0; i < n; i++) {
        double *ci = c + (size_t)i * n;
        for (int k = 0; k < n; k++) {
            double aik = a[(size_t)i * n + k];
            const double *bk = b + (size_t)k * n;
            for (int j = 0; j < n; j++) ci[j] += aik * bk[j];
        }
    }
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 900;
    if (n < 1 || n > 4096) { fprintf(stderr, "matmul: N must be 1..4096\n"); return 2; }
    size_t cells = (size_t)n * n;
    double *a = malloc(cells * sizeof(double));
    double *b = malloc(cells * sizeof(double));
    double *c = malloc(cells * sizeof(double));
    if (!a || !b || !c) { fprintf(stderr, "matmul: out of memory\n"); return 1; }
    for (size_t i = 0; i < cells; i++) a[i] = (double)(next_u32() & 1023) / 1024.0;
    for (size_t i = 0; i < cells; i++) b[i] = (double)(next_u32() & 1023) / 1024.0;

    uint64_t checksum = 0;
    for (int round = 0; round < 3; round++) {
        multiply(n, a, b, c);
        double trace = 0.0, total = 0.0;
        for (int i = 0; i < n; i++) trace += c[(size_t)i * n + i];
        for (size_t i = 0; i < cells; i++) total += c[i];
        /* Scaled by 2^20 the exact sums are integers. */
        uint64_t t = (uint64_t)(trace * 1048576.0), s = (uint64_t)(total * 1048576.0);
        checksum = checksum * 1000003u ^ t ^ (s << 1);
        printf("round %d: trace*2^20=%llu sum*2^20=%llu\n", round, (unsigned long long)t, (unsigned long long)s);
        /* Feed the result back: next A is C reduced to the same exact grid. */
        for (size_t i = 0; i < cells; i++) {
            uint64_t q = (uint64_t)(c[i] * 1048576.0);
            a[i] = (double)((q ^ (q >> 11)) & 1023) / 1024.0;
        }
    }
    printf("matmul n=%d checksum=%016llx\n", n, (unsigned long long)checksum);
    free(a); free(b); free(c);
    return 0;
}
