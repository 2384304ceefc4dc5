/* A 5x5 separable blur of a float image, written with 128-bit vectors (four f32 lanes) through the
 * GCC/Clang vector extension, so the same source is SSE code natively and Wasm SIMD (clang
 * -msimd128) in wasm32. Pixels and weights are multiples of 1/256 kept small, so every product and
 * sum is exact in a float and the checksum is identical on every IEEE-754 engine.
 * Usage: simd_blur [N] (an N x N image, N a multiple of 4; default 1024). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef float f32x4 __attribute__((vector_size(16)));

static uint64_t s_state = 0x2545F4914F6CDD1Dull;

static uint32_t next_u32(void) {
    s_state ^= s_state << 13;
    s_state ^= s_state >> 7;
    s_state ^= s_state << 17;
    return (uint32_t)(s_state >> 32);
}

static f32x4 load4(const float *p) {
    f32x4 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void store4(float *p, f32x4 v) { memcpy(p, &v, sizeof v); }

/* Weights 1 4 6 4 1 (sum 16): products stay below 2^24 times the pixel grid. */
static void blur_rows(int n, const float *in, float *out) {
    const f32x4 w1 = {1, 1, 1, 1}, w4 = {4, 4, 4, 4}, w6 = {6, 6, 6, 6}, scale = {0.0625f, 0.0625f, 0.0625f, 0.0625f};
    for (int y = 0; y < n; y++) {
        const float *row = in + (size_t)y * n;
        float *dst = out + (size_t)y * n;
        dst[0] = row[0];
        dst[1] = row[1];
        for (int x = 2; x + 4 <= n - 2; x += 4) {
            f32x4 s = w1 * load4(row + x - 2) + w4 * load4(row + x - 1) + w6 * load4(row + x) + w4 * load4(row + x + 1) + w1 * load4(row + x + 2);
            store4(dst + x, s * scale);
        }
        for (int x = n - 2 - ((n - 4) % 4); x < n; x++) dst[x] = row[x];
    }
}

static void blur_columns(int n, const float *in, float *out) {
    const f32x4 w4 = {4, 4, 4, 4}, w6 = {6, 6, 6, 6}, scale = {0.0625f, 0.0625f, 0.0625f, 0.0625f};
    memcpy(out, in, sizeof(float) * 2 * (size_t)n);
    memcpy(out + (size_t)(n - 2) * n, in + (size_t)(n - 2) * n, sizeof(float) * 2 * (size_t)n);
    for (int y = 2; y < n - 2; y++) {
        for (int x = 0; x < n; x += 4) {
            const float *c = in + (size_t)y * n + x;
            f32x4 s = load4(c - 2 * (size_t)n) + w4 * load4(c - n) + w6 * load4(c) + w4 * load4(c + n) + load4(c + 2 * (size_t)n);
            store4(out + (size_t)y * n + x, s * scale);
        }
    }
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1024;
    if (n < 8 || n > 4096 || n % 4 != 0) { fprintf(stderr, "simd_blur: N must be a multiple of 4 in 8..4096\n"); return 2; }
    size_t cells = (size_t)n * n;
    float *img = malloc(cells * sizeof(float));
    float *tmp = malloc(cells * sizeof(float));
    if (!img || !tmp) { fprintf(stderr, "simd_blur: out of memory\n"); return 1; }
    uint64_t checksum = 0;
    for (int round = 0; round < 32; round++) {
        for (size_t i = 0; i < cells; i++) img[i] = (float)(next_u32() & 255) / 256.0f;
        for (int pass = 0; pass < 8; pass++) {
            blur_rows(n, img, tmp);
            blur_columns(n, tmp, img);
            /* Back onto the 1/256 grid, so the next pass stays exact. */
            for (size_t i = 0; i < cells; i++) img[i] = (float)(int)(img[i] * 256.0f) / 256.0f;
        }
        uint64_t sum = 0;
        for (size_t i = 0; i < cells; i++) sum = sum * 31 + (uint64_t)(img[i] * 256.0f);
        checksum = checksum * 1000003u ^ sum;
        printf("round %d: %016llx\n", round, (unsigned long long)sum);
    }
    printf("simd_blur n=%d checksum=%016llx\n", n, (unsigned long long)checksum);
    free(img); free(tmp);
    return 0;
}
