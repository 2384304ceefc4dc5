/* getentropy (random_get under WASI): succeeds, fills the buffer with bytes that are not all zero,
 * and two draws differ. Prints only these facts. */
#include <stdint.h>
#include <unistd.h>
#include "common.h"

int main(void) {
    uint8_t a[256], b[256];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    CHECK(getentropy(a, sizeof a) == 0, "getentropy 256");
    printf("getentropy(256) succeeded\n");
    CHECK(getentropy(b, sizeof b) == 0, "getentropy again");
    int nonzero = 0, distinct_values = 0;
    uint8_t seen[256] = {0};
    for (size_t i = 0; i < sizeof a; i++) {
        nonzero += a[i] != 0;
        if (!seen[a[i]]) { seen[a[i]] = 1; distinct_values++; }
    }
    printf("bytes not all zero: %s\n", nonzero > 0 ? "yes" : "no");
    /* 256 uniform bytes take well over 64 distinct values with overwhelming probability. */
    printf("more than 64 distinct byte values: %s\n", distinct_values > 64 ? "yes" : "no");
    printf("two draws differ: %s\n", memcmp(a, b, sizeof a) != 0 ? "yes" : "no");
    uint8_t one;
    CHECK(getentropy(&one, 1) == 0, "getentropy 1");
    CHECK(getentropy(a, 0) == 0, "getentropy 0");
    printf("small draws succeeded\n");
    return 0;
}
