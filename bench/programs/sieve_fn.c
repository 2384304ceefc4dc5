/* Sieve of Eratosthenes in the shape of typical kernels: sieve(flags, limit) in its own function,
 * clearing and sieving a byte array and counting primes with a loop per call, called 25 times from
 * main over limits that change per round, then twins() counting twin pairs in another function.
 * Usage: sieve_fn [LIMIT] (default 8000000). */
#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 25

__attribute__((noinline)) static int sieve(unsigned char *flags, int limit) {
    for (int i = 0; i <= limit; i++) flags[i] = 1;
    flags[0] = flags[1] = 0;
    for (int i = 2; (long)i * i <= limit; i++) {
        if (!flags[i]) continue;
        for (int j = i * i; j <= limit; j += i) flags[j] = 0;
    }
    int count = 0;
    for (int i = 0; i <= limit; i++) count += flags[i];
    return count;
}

__attribute__((noinline)) static int twins(const unsigned char *flags, int limit) {
    int count = 0;
    for (int i = 3; i + 2 <= limit; i += 2) count += flags[i] & flags[i + 2];
    return count;
}

int main(int argc, char **argv) {
    int max = argc > 1 ? atoi(argv[1]) : 8000000;
    if (max < 1000 || max > 1000000000) { fprintf(stderr, "sieve_fn: LIMIT must be 1000..1000000000\n"); return 2; }
    unsigned char *flags = malloc((size_t)max + 1);
    if (!flags) { fprintf(stderr, "sieve_fn: out of memory\n"); return 1; }
    unsigned long long total = 0;
    int primes = 0, pairs = 0;
    for (int r = 0; r < ROUNDS; r++) {
        int limit = max - (r % 7) * (max / 80); /* a different limit per round */
        primes = sieve(flags, limit);
        pairs = twins(flags, limit);
        total = total * 31 + (unsigned)primes + (unsigned)pairs;
    }
    printf("last round: %d primes, %d twin pairs\n", primes, pairs);
    printf("checksum: %llu\n", total);
    free(flags);
    return 0;
}
