/* N-body in the shape of typical kernels: an array of Body structs (f64 fields in memory) and small
 * functions called per step, advance() over all pairs and energy() every 1000 steps, kept out of main
 * (noinline) as in code whose kernels are separate functions. Five bodies (the Sun and four giant
 * planets, in solar masses, AU and AU/day scaled by 365.24), symplectic Euler with a fixed step.
 * Uses only + - * / and sqrt in a fixed order, so every engine prints the same digits.
 * Usage: nbody_fn [STEPS] (default 10000000). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24
#define BODIES 5

typedef struct { double x, y, z, vx, vy, vz, mass; } Body;

static Body bodies[BODIES] = {
    {0, 0, 0, 0, 0, 0, SOLAR_MASS},
    {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
     1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
     -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS},
    {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
     -2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
     2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS},
    {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
     2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
     -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS},
    {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
     2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
     -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS},
};

__attribute__((noinline)) static void advance(Body *b, int n, double dt) {
    for (int i = 0; i < n; i++) {
        Body *bi = &b[i];
        for (int j = i + 1; j < n; j++) {
            Body *bj = &b[j];
            double dx = bi->x - bj->x, dy = bi->y - bj->y, dz = bi->z - bj->z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * sqrt(d2));
            double mi = bi->mass * mag, mj = bj->mass * mag;
            bi->vx -= dx * mj; bi->vy -= dy * mj; bi->vz -= dz * mj;
            bj->vx += dx * mi; bj->vy += dy * mi; bj->vz += dz * mi;
        }
    }
    for (int i = 0; i < n; i++) {
        b[i].x += dt * b[i].vx; b[i].y += dt * b[i].vy; b[i].z += dt * b[i].vz;
    }
}

__attribute__((noinline)) static double energy(const Body *b, int n) {
    double e = 0.0;
    for (int i = 0; i < n; i++) {
        e += 0.5 * b[i].mass * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < n; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            e -= b[i].mass * b[j].mass / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static void offset_momentum(Body *b, int n) {
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < n; i++) { px += b[i].vx * b[i].mass; py += b[i].vy * b[i].mass; pz += b[i].vz * b[i].mass; }
    b[0].vx = -px / SOLAR_MASS; b[0].vy = -py / SOLAR_MASS; b[0].vz = -pz / SOLAR_MASS;
}

int main(int argc, char **argv) {
    long steps = argc > 1 ? atol(argv[1]) : 10000000;
    if (steps < 0) { fprintf(stderr, "nbody_fn: STEPS must be >= 0\n"); return 2; }
    offset_momentum(bodies, BODIES);
    printf("energy before: %.9f\n", energy(bodies, BODIES));
    double low = 0.0, high = -1e300; /* the range of the energy sampled every 1000 steps */
    for (long s = 0; s < steps; s++) {
        advance(bodies, BODIES, 0.01);
        if (s % 1000 == 0) {
            double e = energy(bodies, BODIES);
            if (s == 0 || e < low) low = e;
            if (e > high) high = e;
        }
    }
    printf("energy after:  %.9f\n", energy(bodies, BODIES));
    printf("sampled range: %.9f %.9f\n", low, high);
    return 0;
}
