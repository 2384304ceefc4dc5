/* Mandelbrot set: escape-time iteration (up to 500 steps) over a W x W grid of the complex plane in
 * double precision. Only + - * and comparisons are used, so the iteration counts are identical on
 * every IEEE-754 engine; it prints the count of points inside and a sum of escape times.
 * Usage: mandelbrot [W] (default 1600). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int w = argc > 1 ? atoi(argv[1]) : 1600;
    if (w < 2 || w > 20000) { fprintf(stderr, "mandelbrot: W must be 2..20000\n"); return 2; }
    const int max_iter = 500;
    long inside = 0;
    uint64_t escape_sum = 0, row_hash = 0;
    for (int y = 0; y < w; y++) {
        double ci = -1.25 + 2.5 * y / w;
        uint64_t row = 0;
        for (int x = 0; x < w; x++) {
            double cr = -2.1 + 2.8 * x / w;
            double zr = 0.0, zi = 0.0, zr2 = 0.0, zi2 = 0.0;
            int it = 0;
            while (it < max_iter && zr2 + zi2 <= 4.0) {
                zi = 2.0 * zr * zi + ci;
                zr = zr2 - zi2 + cr;
                zr2 = zr * zr;
                zi2 = zi * zi;
                it++;
            }
            if (it == max_iter) inside++;
            else escape_sum += (uint64_t)it;
            row = row * 31 + (uint64_t)it;
        }
        row_hash ^= row + 0x9E3779B97F4A7C15ull + (row_hash << 6) + (row_hash >> 2);
    }
    printf("mandelbrot w=%d inside=%ld escape_sum=%llu hash=%016llx\n", w, inside,
           (unsigned long long)escape_sum, (unsigned long long)row_hash);
    return 0;
}
