/* Spectral norm in the shape of typical kernels: the matrix entry A(i, j) is a function called in
 * the inner loop of the matrix-vector products, which are functions too (A*u, A^T*u, A^T*A*u); ten
 * power iterations. Only + - * / and sqrt in a fixed order, so every engine prints the same digits.
 * Usage: spectral_fn [N] (default 3000). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static double A(int i, int j) {
    return 1.0 / (double)((i + j) * (i + j + 1) / 2 + i + 1);
}

__attribute__((noinline)) static void mul_Av(const double *v, double *av, int n) {
    for (int i = 0; i < n; i++) {
        double sum = 0.0;
        for (int j = 0; j < n; j++) sum += A(i, j) * v[j];
        av[i] = sum;
    }
}

__attribute__((noinline)) static void mul_Atv(const double *v, double *atv, int n) {
    for (int i = 0; i < n; i++) {
        double sum = 0.0;
        for (int j = 0; j < n; j++) sum += A(j, i) * v[j];
        atv[i] = sum;
    }
}

static void mul_AtAv(const double *v, double *out, double *tmp, int n) {
    mul_Av(v, tmp, n);
    mul_Atv(tmp, out, n);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 3000;
    if (n < 1 || n > 20000) { fprintf(stderr, "spectral_fn: N must be 1..20000\n"); return 2; }
    double *u = malloc(n * sizeof(double)), *v = malloc(n * sizeof(double));
    double *tmp = malloc(n * sizeof(double));
    if (!u || !v || !tmp) { fprintf(stderr, "spectral_fn: out of memory\n"); return 1; }
    for (int i = 0; i < n; i++) u[i] = 1.0;
    for (int i = 0; i < 10; i++) {
        mul_AtAv(u, v, tmp, n);
        mul_AtAv(v, u, tmp, n);
    }
    double vBv = 0.0, vv = 0.0;
    for (int i = 0; i < n; i++) { vBv += u[i] * v[i]; vv += v[i] * v[i]; }
    printf("spectral norm: %.9f\n", sqrt(vBv / vv));
    free(u); free(v); free(tmp);
    return 0;
}
