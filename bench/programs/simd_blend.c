/* Alpha blending of RGBA8 images with 128-bit integer vectors through the GCC/Clang vector
 * extension: bytes widened to 16-bit lanes, multiplied, divided by 255 with the exact
 * shift-and-add form, narrowed back, plus a saturating brightness step and a per-channel sum.
 * The same source is SSE code natively and Wasm SIMD (clang -msimd128) in wasm32; integer
 * arithmetic makes the checksum exact everywhere. Usage: simd_blend [N] (N x N pixels, N a
 * multiple of 4; default 1024). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8x8 __attribute__((vector_size(8)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));

static uint64_t s_state = 0x9E3779B97F4A7C15ull;

static uint32_t next_u32(void) {
    s_state ^= s_state << 13;
    s_state ^= s_state >> 7;
    s_state ^= s_state << 17;
    return (uint32_t)(s_state >> 32);
}

/* x / 255 rounded, exact for x <= 255 * 255 + 127. */
static u16x8 div255(u16x8 x) {
    x += 128;
    return (x + (x >> 8)) >> 8;
}

/* Blends 2 pixels (8 bytes) of src over dst with per-pixel alpha taken from src's A channel. */
static void blend8(uint8_t *dst, const uint8_t *src, uint16_t brighten) {
    u8x8 s8, d8;
    memcpy(&s8, src, 8);
    memcpy(&d8, dst, 8);
    u16x8 s = __builtin_convertvector(s8, u16x8);
    u16x8 d = __builtin_convertvector(d8, u16x8);
    u16x8 a = {s[3], s[3], s[3], 255, s[7], s[7], s[7], 255};
    u16x8 out = div255(s * a + d * (255 - a));
    /* Saturating brighten: min(out + b, 255). */
    out += brighten;
    u16x8 over = (u16x8)(out > 255);
    out = (out & ~over) | (over & 255);
    u8x8 o8 = __builtin_convertvector(out, u8x8);
    memcpy(dst, &o8, 8);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1024;
    if (n < 4 || n > 8192 || n % 4 != 0) { fprintf(stderr, "simd_blend: N must be a multiple of 4 in 4..8192\n"); return 2; }
    size_t bytes = (size_t)n * n * 4;
    uint8_t *dst = malloc(bytes);
    uint8_t *layers = malloc(bytes * 4);
    if (!dst || !layers) { fprintf(stderr, "simd_blend: out of memory\n"); return 1; }
    for (size_t i = 0; i < bytes * 4; i += 4) {
        uint32_t r = next_u32();
        memcpy(layers + i, &r, 4);
    }
    uint64_t checksum = 0;
    for (int round = 0; round < 40; round++) {
        memset(dst, 40 * round, bytes);
        for (int layer = 0; layer < 4; layer++) {
            const uint8_t *src = layers + (size_t)layer * bytes;
            for (size_t i = 0; i < bytes; i += 8) blend8(dst + i, src + i, (uint16_t)(layer + round));
        }
        u32x4 sums = {0, 0, 0, 0};
        for (size_t i = 0; i < bytes; i += 4) {
            u32x4 px = {dst[i], dst[i + 1], dst[i + 2], dst[i + 3]};
            sums += px;
        }
        uint64_t h = ((uint64_t)sums[0] << 48) ^ ((uint64_t)sums[1] << 32) ^ ((uint64_t)sums[2] << 16) ^ sums[3];
        checksum = checksum * 1000003u ^ h;
        printf("round %d: r=%u g=%u b=%u a=%u\n", round, sums[0], sums[1], sums[2], sums[3]);
    }
    printf("simd_blend n=%d checksum=%016llx\n", n, (unsigned long long)checksum);
    free(dst); free(layers);
    return 0;
}
