/* Hash map with open addressing and linear probing (uint64 keys to uint32 values, tombstones for
 * deletion, doubling when 70% full): inserts, hit and miss lookups, updates and deletions driven by
 * a pseudo-random key stream. Usage: hashmap [N] (default 1500000 distinct keys per round). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { EMPTY = 0, FULL = 1, DELETED = 2 };

typedef struct { uint64_t *keys; uint32_t *values; uint8_t *state; size_t cap, used, live; } Map;

static uint64_t mix(uint64_t k) {
    k ^= k >> 31; k *= 0x7fb5d329728ea185ull;
    k ^= k >> 27; k *= 0x81dadef4bc2dd44dull;
    return k ^ (k >> 33);
}

static void map_init(Map *m, size_t cap) {
    m->cap = cap; m->used = 0; m->live = 0;
    m->keys = malloc(cap * sizeof(uint64_t));
    m->values = malloc(cap * sizeof(uint32_t));
    m->state = calloc(cap, 1);
    if (!m->keys || !m->values || !m->state) { fprintf(stderr, "hashmap: out of memory\n"); exit(1); }
}

static void map_free(Map *m) { free(m->keys); free(m->values); free(m->state); }

static void map_put(Map *m, uint64_t key, uint32_t value);

static void grow(Map *m) {
    Map old = *m;
    map_init(m, old.cap * 2);
    for (size_t i = 0; i < old.cap; i++)
        if (old.state[i] == FULL) map_put(m, old.keys[i], old.values[i]);
    map_free(&old);
}

static void map_put(Map *m, uint64_t key, uint32_t value) {
    if ((m->used + 1) * 10 > m->cap * 7) grow(m);
    size_t mask = m->cap - 1, i = mix(key) & mask, tomb = SIZE_MAX;
    while (m->state[i] != EMPTY) {
        if (m->state[i] == FULL && m->keys[i] == key) { m->values[i] = value; return; }
        if (m->state[i] == DELETED && tomb == SIZE_MAX) tomb = i;
        i = (i + 1) & mask;
    }
    if (tomb != SIZE_MAX) i = tomb; else m->used++;
    m->state[i] = FULL; m->keys[i] = key; m->values[i] = value; m->live++;
}

static uint32_t *map_get(Map *m, uint64_t key) {
    size_t mask = m->cap - 1, i = mix(key) & mask;
    while (m->state[i] != EMPTY) {
        if (m->state[i] == FULL && m->keys[i] == key) return &m->values[i];
        i = (i + 1) & mask;
    }
    return NULL;
}

static int map_remove(Map *m, uint64_t key) {
    uint32_t *v = map_get(m, key);
    if (!v) return 0;
    m->state[v - m->values] = DELETED;
    m->live--;
    return 1;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1500000;
    if (n < 1 || n > 20000000) { fprintf(stderr, "hashmap: N must be 1..20000000\n"); return 2; }
    uint64_t checksum = 0;
    for (int round = 0; round < 2; round++) {
        Map m;
        map_init(&m, 16);
        uint64_t seed = 0x1000 + (uint64_t)round;
        for (long i = 0; i < n; i++) map_put(&m, mix(seed + (uint64_t)i * 2), (uint32_t)i);
        long hits = 0, misses = 0;
        uint64_t sum = 0;
        for (long i = 0; i < 2 * n; i++) {
            /* Even offsets were inserted, odd ones were not. */
            uint32_t *v = map_get(&m, mix(seed + (uint64_t)i));
            if (v) { hits++; sum += *v; (*v)++; } else misses++;
        }
        long removed = 0;
        for (long i = 0; i < n; i += 3) removed += map_remove(&m, mix(seed + (uint64_t)i * 2));
        for (long i = 0; i < n; i += 2) map_put(&m, mix(seed + (uint64_t)i * 2) ^ 1, (uint32_t)(i * 7));
        uint64_t fold = 0;
        for (size_t i = 0; i < m.cap; i++)
            if (m.state[i] == FULL) fold += mix(m.keys[i]) ^ m.values[i];
        printf("round %d: hits=%ld misses=%ld removed=%ld live=%zu sum=%llu fold=%016llx\n", round, hits,
               misses, removed, m.live, (unsigned long long)sum, (unsigned long long)fold);
        checksum = checksum * 1099511628211ull ^ fold;
        map_free(&m);
    }
    printf("hashmap n=%ld checksum=%016llx\n", n, (unsigned long long)checksum);
    return 0;
}
