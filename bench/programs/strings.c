/* String work: builds a large text from pseudo-random words with hand-written number formatting
 * (no sprintf), then searches it with strstr/strchr/memchr, compares with memcmp/strcmp, copies with
 * memcpy/memmove, reverses words in place and hashes the results (FNV-1a).
 * Usage: strings [KWORDS] (default 3000, thousands of words in the text). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t s_state = 0xC0FFEEu;

static uint32_t next_u32(void) {
    s_state = s_state * 1664525u + 1013904223u;
    return s_state ^ (s_state >> 16);
}

static uint64_t fnv1a(const char *p, size_t n, uint64_t h) {
    for (size_t i = 0; i < n; i++) { h ^= (uint8_t)p[i]; h *= 1099511628211ull; }
    return h;
}

/* Writes the decimal digits of v at p, returns the length. */
static size_t format_u32(char *p, uint32_t v) {
    char tmp[10];
    size_t n = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    for (size_t i = 0; i < n; i++) p[i] = tmp[n - 1 - i];
    return n;
}

static const char *const s_syllables[] = {"ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "zu", "ha", "qi"};

int main(int argc, char **argv) {
    long kwords = argc > 1 ? atol(argv[1]) : 3000;
    if (kwords < 1 || kwords > 20000) { fprintf(stderr, "strings: KWORDS must be 1..20000\n"); return 2; }
    long words = kwords * 1000;
    size_t cap = (size_t)words * 16 + 1;
    char *text = malloc(cap), *copy = malloc(cap);
    if (!text || !copy) { fprintf(stderr, "strings: out of memory\n"); return 1; }

    /* Build: words of 1-4 syllables, every 7th word followed by a number. */
    size_t len = 0;
    for (long w = 0; w < words; w++) {
        int syl = 1 + (int)(next_u32() % 4);
        for (int s = 0; s < syl; s++) {
            const char *x = s_syllables[next_u32() % 12];
            memcpy(text + len, x, 2);
            len += 2;
        }
        if (w % 7 == 0) len += format_u32(text + len, next_u32() % 100000);
        text[len++] = w % 13 == 12 ? '\n' : ' ';
    }
    text[len] = '\0';
    printf("text: %zu bytes, fnv=%016llx\n", len, (unsigned long long)fnv1a(text, len, 14695981039346656037ull));

    /* Search: count non-overlapping occurrences of some patterns. */
    static const char *const patterns[] = {"kalo", "zuzuzu", "ha1", "mine ", "qiqiqi", "ta9"};
    uint64_t h = 14695981039346656037ull;
    for (int round = 0; round < 4; round++) {
        for (size_t p = 0; p < sizeof patterns / sizeof *patterns; p++) {
            int64_t hits = 0; /* fixed width: its bytes are hashed */
            size_t plen = strlen(patterns[p]);
            for (const char *q = strstr(text, patterns[p]); q; q = strstr(q + plen, patterns[p])) hits++;
            if (round == 0) printf("'%s': %lld\n", patterns[p], (long long)hits);
            h = fnv1a((const char *)&hits, sizeof hits, h);
        }
    }
    long lines = 0;
    for (const char *q = memchr(text, '\n', len); q; q = memchr(q + 1, '\n', len - (size_t)(q + 1 - text))) lines++;
    long digits_runs = 0;
    for (const char *q = text; (q = strpbrk(q, "0123456789")) != NULL; q += strspn(q, "0123456789")) digits_runs++;
    printf("lines=%ld numbers=%ld\n", lines, digits_runs);

    /* Reverse every word in a copy, then restore and compare with the original. */
    for (int round = 0; round < 6; round++) {
        memcpy(copy, text, len + 1);
        char *start = copy;
        while (*start) {
            char *end = start;
            while (*end && *end != ' ' && *end != '\n') end++;
            for (char *a = start, *b = end - 1; a < b; a++, b--) { char t = *a; *a = *b; *b = t; }
            start = *end ? end + 1 : end;
        }
        h = fnv1a(copy, len, h);
        if (round % 2 == 1) memmove(copy + 1, copy, len / 2); /* overlapping move */
        h = fnv1a(copy, len / 2 + 1, h);
        if (memcmp(copy, text, len) == 0 || strcmp(copy, text) == 0) { printf("strings: reverse was a no-op\n"); return 1; }
    }

    /* Word frequency of the first syllable via strchr-based splitting. */
    int64_t first[12] = {0};
    for (const char *q = text; q && *q; ) {
        for (int s = 0; s < 12; s++) if (q[0] == s_syllables[s][0] && q[1] == s_syllables[s][1]) { first[s]++; break; }
        const char *sp = strchr(q, ' ');
        const char *nl = strchr(q, '\n');
        q = !sp ? nl : !nl ? sp : sp < nl ? sp : nl;
        if (q) q++;
    }
    for (int s = 0; s < 12; s++) h = fnv1a((const char *)&first[s], sizeof first[s], h);
    printf("strings kwords=%ld checksum=%016llx\n", kwords, (unsigned long long)h);
    free(text); free(copy);
    return 0;
}
