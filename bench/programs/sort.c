/* Sorting: the same pseudo-random array sorted by a hand-written quicksort (median of three,
 * insertion sort for short runs) and a bottom-up mergesort; both results are checked against each
 * other and for order, then folded into a checksum. Usage: sort [N] (default 2000000). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t s_state = 12345u;

static uint32_t next_u32(void) {
    s_state ^= s_state << 13;
    s_state ^= s_state >> 17;
    s_state ^= s_state << 5;
    return s_state;
}

static void insertion_sort(int32_t *a, long lo, long hi) {
    for (long i = lo + 1; i <= hi; i++) {
        int32_t v = a[i];
        long j = i - 1;
        while (j >= lo && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}

static void swap(int32_t *a, long i, long j) { int32_t t = a[i]; a[i] = a[j]; a[j] = t; }

static void quicksort(int32_t *a, long lo, long hi) {
    while (hi - lo > 16) {
        long mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo]) swap(a, mid, lo);
        if (a[hi] < a[lo]) swap(a, hi, lo);
        if (a[hi] < a[mid]) swap(a, hi, mid);
        int32_t pivot = a[mid];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) { swap(a, i, j); i++; j--; }
        }
        /* Recurse into the smaller side so the stack stays O(log n). */
        if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; }
        else { quicksort(a, i, hi); hi = j; }
    }
    insertion_sort(a, lo, hi);
}

static void mergesort(int32_t *a, int32_t *tmp, long n) {
    int32_t *src = a, *dst = tmp;
    for (long width = 1; width < n; width *= 2) {
        for (long lo = 0; lo < n; lo += 2 * width) {
            long mid = lo + width < n ? lo + width : n;
            long hi = lo + 2 * width < n ? lo + 2 * width : n;
            long i = lo, j = mid, k = lo;
            while (i < mid && j < hi) dst[k++] = src[j] < src[i] ? src[j++] : src[i++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        int32_t *t = src; src = dst; dst = t;
    }
    if (src != a) memcpy(a, src, (size_t)n * sizeof(int32_t));
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    if (n < 1 || n > 50000000) { fprintf(stderr, "sort: N must be 1..50000000\n"); return 2; }
    int32_t *orig = malloc((size_t)n * sizeof(int32_t));
    int32_t *q = malloc((size_t)n * sizeof(int32_t));
    int32_t *m = malloc((size_t)n * sizeof(int32_t));
    int32_t *tmp = malloc((size_t)n * sizeof(int32_t));
    if (!orig || !q || !m || !tmp) { fprintf(stderr, "sort: out of memory\n"); return 1; }

    uint64_t checksum = 0;
    for (int round = 0; round < 3; round++) {
        /* Round 1 has many duplicates, round 2 is nearly sorted: different partition behaviour. */
        for (long i = 0; i < n; i++) {
            uint32_t r = next_u32();
            orig[i] = round == 1 ? (int32_t)(r % 1000) : round == 2 ? (int32_t)(i ^ (r & 15)) : (int32_t)r;
        }
        memcpy(q, orig, (size_t)n * sizeof(int32_t));
        memcpy(m, orig, (size_t)n * sizeof(int32_t));
        quicksort(q, 0, n - 1);
        mergesort(m, tmp, n);
        for (long i = 0; i < n; i++) {
            if (q[i] != m[i] || (i > 0 && q[i - 1] > q[i])) {
                printf("sort: mismatch at round %d index %ld\n", round, i);
                return 1;
            }
            checksum = checksum * 31 + (uint32_t)q[i] * (uint64_t)(i + 1);
        }
        printf("round %d: min=%d median=%d max=%d\n", round, q[0], q[n / 2], q[n - 1]);
    }
    printf("sort n=%ld checksum=%016llx\n", n, (unsigned long long)checksum);
    free(orig); free(q); free(m); free(tmp);
    return 0;
}
