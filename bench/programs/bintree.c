/* Allocation-heavy: builds and frees many complete binary trees of varying depth with malloc/free
 * while one long-lived tree and a pool of medium trees stay alive, so the allocator sees mixed
 * lifetimes. Each tree's node values are summed to check it. Usage: bintree [DEPTH] (default 18). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct Node { struct Node *left, *right; uint32_t value; } Node; /* values wrap mod 2^32 by design */

static Node *build(int depth, uint32_t value) {
    Node *n = malloc(sizeof(Node));
    if (!n) { fprintf(stderr, "bintree: out of memory\n"); exit(1); }
    n->value = value;
    if (depth > 0) {
        n->left = build(depth - 1, 2u * value - 1u);
        n->right = build(depth - 1, 2u * value);
    } else {
        n->left = n->right = NULL;
    }
    return n;
}

static int64_t check(const Node *n) {
    int64_t s = n->value;
    if (n->left) s += check(n->left) - check(n->right);
    return s;
}

static long count(const Node *n) { return n->left ? 1 + count(n->left) + count(n->right) : 1; }

static void release(Node *n) {
    if (n->left) { release(n->left); release(n->right); }
    free(n);
}

int main(int argc, char **argv) {
    int max_depth = argc > 1 ? atoi(argv[1]) : 18;
    if (max_depth < 4 || max_depth > 24) { fprintf(stderr, "bintree: DEPTH must be 4..24\n"); return 2; }
    Node *long_lived = build(max_depth, 1);
    enum { POOL = 16 };
    Node *pool[POOL] = {0};
    int64_t total = 0;
    for (int depth = 4; depth <= max_depth; depth += 2) {
        long iterations = 1L << (max_depth - depth + 4);
        int64_t sum = 0;
        for (long i = 0; i < iterations; i++) {
            Node *t = build(depth, (uint32_t)i);
            sum += check(t);
            /* Every 8th tree replaces a pooled one instead of dying at once. */
            if ((i & 7) == 0) {
                long slot = (i >> 3) % POOL;
                if (pool[slot]) release(pool[slot]);
                pool[slot] = t;
            } else {
                release(t);
            }
        }
        printf("depth %2d: %7ld trees, check %lld\n", depth, iterations, (long long)sum);
        total += sum;
    }
    for (int i = 0; i < POOL; i++) if (pool[i]) release(pool[i]);
    printf("long-lived tree: %ld nodes, check %lld\n", count(long_lived), (long long)check(long_lived));
    printf("total check %lld\n", (long long)total);
    release(long_lived);
    return 0;
}
