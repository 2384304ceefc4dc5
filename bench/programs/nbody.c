/* N-body gravity: 24 bodies with pseudo-random masses, positions and velocities, advanced with a
 * symplectic Euler step over all pairs. Uses only + - * / and sqrt (exactly rounded in IEEE-754 and
 * in Wasm), evaluated in a fixed order, so energies match bit for bit across engines; they are
 * printed to 9 decimals. Usage: nbody [STEPS] (default 800000). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BODIES 24

typedef struct { double x, y, z, vx, vy, vz, m; } Body;

static uint64_t s_state = 0x2545F4914F6CDD1Dull;

static double next_unit(void) {
    s_state = s_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(s_state >> 11) / 9007199254740992.0;
}

static double energy(const Body *b) {
    double e = 0.0;
    for (int i = 0; i < BODIES; i++) {
        e += 0.5 * b[i].m * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < BODIES; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            e -= b[i].m * b[j].m / sqrt(dx * dx + dy * dy + dz * dz + 0.01);
        }
    }
    return e;
}

static void step(Body *b, double dt) {
    for (int i = 0; i < BODIES; i++) {
        for (int j = i + 1; j < BODIES; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            double d2 = dx * dx + dy * dy + dz * dz + 0.01; /* softening keeps close passes finite */
            double mag = dt / (d2 * sqrt(d2));
            double mi = b[i].m * mag, mj = b[j].m * mag;
            b[i].vx -= dx * mj; b[i].vy -= dy * mj; b[i].vz -= dz * mj;
            b[j].vx += dx * mi; b[j].vy += dy * mi; b[j].vz += dz * mi;
        }
    }
    for (int i = 0; i < BODIES; i++) {
        b[i].x += dt * b[i].vx; b[i].y += dt * b[i].vy; b[i].z += dt * b[i].vz;
    }
}

int main(int argc, char **argv) {
    long steps = argc > 1 ? atol(argv[1]) : 800000;
    if (steps < 0) { fprintf(stderr, "nbody: STEPS must be >= 0\n"); return 2; }
    Body b[BODIES];
    b[0] = (Body){0, 0, 0, 0, 0, 0, 40.0}; /* a heavy central body */
    for (int i = 1; i < BODIES; i++) {
        double r = 2.0 + 20.0 * next_unit();
        b[i].x = r * (next_unit() - 0.5); b[i].y = r * (next_unit() - 0.5); b[i].z = 0.1 * r * (next_unit() - 0.5);
        b[i].vx = next_unit() - 0.5; b[i].vy = next_unit() - 0.5; b[i].vz = 0.1 * (next_unit() - 0.5);
        b[i].m = 0.001 + 0.05 * next_unit();
    }
    /* Remove net momentum so the system stays centered. */
    double px = 0, py = 0, pz = 0, mt = 0;
    for (int i = 0; i < BODIES; i++) { px += b[i].m * b[i].vx; py += b[i].m * b[i].vy; pz += b[i].m * b[i].vz; mt += b[i].m; }
    for (int i = 0; i < BODIES; i++) { b[i].vx -= px / mt; b[i].vy -= py / mt; b[i].vz -= pz / mt; }

    printf("energy before: %.9f\n", energy(b));
    for (long s = 0; s < steps; s++) step(b, 0.0001);
    printf("energy after:  %.9f\n", energy(b));
    printf("body 1 at: %.6f %.6f %.6f\n", b[1].x, b[1].y, b[1].z);
    return 0;
}
