/* Sieve of Eratosthenes over a byte array, repeated, plus a segmented count of twin primes.
 * Usage: sieve [LIMIT] (default 60000000). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    long limit = argc > 1 ? atol(argv[1]) : 60000000;
    if (limit < 10 || limit > 400000000) { fprintf(stderr, "sieve: LIMIT must be 10..400000000\n"); return 2; }
    uint8_t *composite = malloc((size_t)limit + 1);
    if (!composite) { fprintf(stderr, "sieve: out of memory\n"); return 1; }
    long count = 0, twins = 0;
    uint64_t sum = 0;
    for (int round = 0; round < 3; round++) {
        memset(composite, 0, (size_t)limit + 1);
        composite[0] = composite[1] = 1;
        for (long i = 2; i * i <= limit; i++)
            if (!composite[i])
                for (long j = i * i; j <= limit; j += i) composite[j] = 1;
        count = 0; twins = 0; sum = 0;
        for (long i = 2; i <= limit; i++) {
            if (!composite[i]) {
                count++;
                sum += (uint64_t)i;
                if (i + 2 <= limit && !composite[i + 2]) twins++;
            }
        }
    }
    printf("primes <= %ld: %ld\n", limit, count);
    printf("twin pairs: %ld\n", twins);
    printf("sum of primes: %llu\n", (unsigned long long)sum);
    free(composite);
    return 0;
}
