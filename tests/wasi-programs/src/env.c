/* Prints the environment sorted by name (engines may pass it in any order), looks variables up with
 * getenv and changes one with setenv/unsetenv, which stay inside the program. */
#include "common.h"

extern char **environ;

static int compare(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
    size_t n = 0;
    while (environ[n]) n++;
    char **sorted = malloc((n + 1) * sizeof *sorted);
    CHECK(sorted != NULL, "malloc");
    for (size_t i = 0; i < n; i++) sorted[i] = environ[i];
    qsort(sorted, n, sizeof *sorted, compare);
    printf("count=%zu\n", n);
    for (size_t i = 0; i < n; i++) printf("env: %s\n", sorted[i]);
    free(sorted);

    const char *greeting = getenv("KILN_GREETING");
    printf("KILN_GREETING=%s\n", greeting ? greeting : "(unset)");
    const char *empty = getenv("KILN_EMPTY");
    printf("KILN_EMPTY is %s\n", empty ? (*empty ? "non-empty" : "set and empty") : "unset");
    printf("KILN_MISSING is %s\n", getenv("KILN_MISSING") ? "set" : "unset");

    CHECK(setenv("KILN_ADDED", "added in the guest", 1) == 0, "setenv");
    printf("after setenv: %s\n", getenv("KILN_ADDED"));
    CHECK(unsetenv("KILN_GREETING") == 0, "unsetenv");
    printf("after unsetenv: %s\n", getenv("KILN_GREETING") ? "still set" : "unset");
    return 0;
}
