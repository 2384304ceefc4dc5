/* Fannkuch: for every permutation of 1..n (generated in a fixed order by rotating prefixes with a
 * per-position counter), repeatedly reverse the first k elements where k is the first element until
 * it is 1; reports the maximum number of flips and an alternating-sign checksum of flip counts.
 * The full enumeration runs three times (n=11 would take several seconds).
 * Usage: fannkuch [N] (default 10). */
#include <stdio.h>
#include <stdlib.h>

typedef struct { long permutations, checksum; int max_flips; } Result;

static Result fannkuch(int n) {
    int perm[12], work[12], counter[12];
    for (int i = 0; i < n; i++) { perm[i] = i; counter[i] = 0; }
    Result res = {0, 0, 0};
    long index = 0;
    for (;;) {
        int first = perm[0];
        if (first != 0) {
            for (int i = 0; i < n; i++) work[i] = perm[i];
            int flips = 0;
            while (first != 0) {
                for (int lo = 0, hi = first; lo < hi; lo++, hi--) { int t = work[lo]; work[lo] = work[hi]; work[hi] = t; }
                flips++;
                first = work[0];
            }
            if (flips > res.max_flips) res.max_flips = flips;
            res.checksum += (index & 1) ? -flips : flips;
        }
        /* Next permutation: rotate the first r+1 elements left until a counter does not wrap. */
        int r = 1;
        for (;;) {
            if (r >= n) { res.permutations = index + 1; return res; }
            int head = perm[0];
            for (int i = 0; i < r; i++) perm[i] = perm[i + 1];
            perm[r] = head;
            if (++counter[r] <= r) break;
            counter[r] = 0;
            r++;
        }
        index++;
    }
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 10;
    if (n < 1 || n > 12) { fprintf(stderr, "fannkuch: N must be 1..12\n"); return 2; }
    for (int round = 0; round < 3; round++) {
        Result r = fannkuch(n);
        printf("round %d: fannkuch n=%d permutations=%ld checksum=%ld max_flips=%d\n", round, n, r.permutations,
               r.checksum, r.max_flips);
    }
    return 0;
}
