/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): a byte-wise table-driven loop and a
 * slicing-by-4 loop over a pseudo-random buffer must agree with each other and with a bit-by-bit
 * reference on a short prefix; the known check value of "123456789" (0xCBF43926) is verified first.
 * Usage: crc32 [MIB] (default 400). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t s_table[4][256];

static void make_tables(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
        s_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 4; t++) s_table[t][i] = (s_table[t - 1][i] >> 8) ^ s_table[0][s_table[t - 1][i] & 0xFF];
}

static uint32_t crc_bitwise(uint32_t crc, const uint8_t *p, size_t n) {
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

static uint32_t crc_bytewise(uint32_t crc, const uint8_t *p, size_t n) {
    crc = ~crc;
    for (size_t i = 0; i < n; i++) crc = (crc >> 8) ^ s_table[0][(crc ^ p[i]) & 0xFF];
    return ~crc;
}

static uint32_t crc_slice4(uint32_t crc, const uint8_t *p, size_t n) {
    crc = ~crc;
    while (n >= 4) {
        crc ^= (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        crc = s_table[3][crc & 0xFF] ^ s_table[2][(crc >> 8) & 0xFF] ^ s_table[1][(crc >> 16) & 0xFF] ^ s_table[0][crc >> 24];
        p += 4; n -= 4;
    }
    while (n--) crc = (crc >> 8) ^ s_table[0][(crc ^ *p++) & 0xFF];
    return ~crc;
}

int main(int argc, char **argv) {
    long mib = argc > 1 ? atol(argv[1]) : 400;
    if (mib < 1 || mib > 4096) { fprintf(stderr, "crc32: MIB must be 1..4096\n"); return 2; }
    make_tables();
    uint32_t check = crc_bytewise(0, (const uint8_t *)"123456789", 9);
    printf("crc32(123456789)=%08x %s\n", check, check == 0xCBF43926u ? "ok" : "WRONG");

    size_t size = 1u << 20;
    uint8_t *buf = malloc(size);
    if (!buf) { fprintf(stderr, "crc32: out of memory\n"); return 1; }
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < size; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; buf[i] = (uint8_t)x; }

    uint32_t ref = crc_bitwise(0, buf, 4096);
    if (ref != crc_bytewise(0, buf, 4096) || ref != crc_slice4(0, buf, 4096)) {
        printf("crc32: implementations disagree\n");
        return 1;
    }
    uint32_t a = 0, b = 0;
    for (long pass = 0; pass < mib; pass++) {
        /* Alternate implementations so both loops run; odd passes start at an unaligned offset. */
        size_t off = (size_t)(pass & 3);
        if (pass % 4 == 0) a = crc_bytewise(a, buf + off, size - off);
        else a = crc_slice4(a, buf + off, size - off);
        b = crc_slice4(b, buf + off, size - off);
    }
    printf("crc32 mib=%ld a=%08x b=%08x\n", mib, a, b);
    return a == b ? 0 : 1;
}
