/* Matrix multiply in the shape of typical kernels: mul(a, b, c, n) in its own function (i-j-k order,
 * a dot product per cell with a column walk through b) and the index arithmetic in a helper, called
 * from main for several rounds. Entries are multiples of 1/1024 below 1, so every sum is exact and
 * the checksum is the same on every IEEE-754 engine. Usage: matmul_fn [N] (default 600). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t s_state = 2463534242u;

static uint32_t next_u32(void) {
    s_state ^= s_state << 13;
    s_state ^= s_state >> 17;
    s_state ^= s_state << 5;
    return s_state;
}

static inline int idx(int n, int i, int j) { return i * n + j; }

__attribute__((noinline)) static void mul(const double *a, const double *b, double *c, int n) {
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            double sum = 0.0;
            for (int k = 0; k < n; k++) sum += a[idx(n, i, k)] * b[idx(n, k, j)];
            c[idx(n, i, j)] = sum;
        }
    }
}

__attribute__((noinline)) static double trace(const double *m, int n) {
    double t = 0.0;
    for (int i = 0; i < n; i++) t += m[idx(n, i, i)];
    return t;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 600;
    if (n < 1 || n > 2048) { fprintf(stderr, "matmul_fn: N must be 1..2048\n"); return 2; }
    size_t cells = (size_t)n * n;
    double *a = malloc(cells * sizeof(double)), *b = malloc(cells * sizeof(double));
    double *c = malloc(cells * sizeof(double));
    if (!a || !b || !c) { fprintf(stderr, "matmul_fn: out of memory\n"); return 1; }
    for (size_t i = 0; i < cells; i++) a[i] = (double)(next_u32() & 1023) / 1024.0;
    for (size_t i = 0; i < cells; i++) b[i] = (double)(next_u32() & 1023) / 1024.0;
    uint64_t checksum = 0;
    for (int round = 0; round < 3; round++) {
        mul(a, b, c, n);
        uint64_t t = (uint64_t)(trace(c, n) * 1048576.0); /* exact: an integer once scaled by 2^20 */
        checksum = checksum * 1000003u ^ t;
        printf("round %d: trace*2^20=%llu\n", round, (unsigned long long)t);
        for (size_t i = 0; i < cells; i++) { /* next B: C reduced to the same exact grid */
            uint64_t q = (uint64_t)(c[i] * 1048576.0);
            b[i] = (double)((q ^ (q >> 7)) & 1023) / 1024.0;
        }
    }
    printf("matmul_fn n=%d checksum=%016llx\n", n, (unsigned long long)checksum);
    free(a); free(b); free(c);
    return 0;
}
