/* Clocks: the monotonic clock never goes back and advances across a busy loop and a 20 ms sleep
 * (poll_oneoff under WASI); the realtime clock is in a plausible range; resolutions are positive.
 * Prints only these facts, never a time. */
#include <stdint.h>
#include <time.h>
#include "common.h"

static int64_t ns(clockid_t id) {
    struct timespec ts;
    CHECK(clock_gettime(id, &ts) == 0, "clock_gettime");
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(void) {
    int64_t t0 = ns(CLOCK_MONOTONIC), prev = t0;
    int backwards = 0;
    volatile uint64_t sink = 0;
    for (int i = 0; i < 2000; i++) {
        for (int j = 0; j < 1000; j++) sink += (uint64_t)j * (uint64_t)i;
        int64_t t = ns(CLOCK_MONOTONIC);
        if (t < prev) backwards++;
        prev = t;
    }
    (void)sink; /* the busy loop exists only to let time pass */
    printf("monotonic went backwards: %d times\n", backwards);
    printf("monotonic advanced across busy loop: %s\n", prev > t0 ? "yes" : "no");

    struct timespec req = {0, 20 * 1000 * 1000};
    int64_t before = ns(CLOCK_MONOTONIC);
    CHECK(nanosleep(&req, NULL) == 0, "nanosleep");
    int64_t slept = ns(CLOCK_MONOTONIC) - before;
    printf("nanosleep(20 ms) took at least 20 ms: %s\n", slept >= 20 * 1000 * 1000 ? "yes" : "no");
    printf("nanosleep(20 ms) took less than 5 s: %s\n", slept < 5000LL * 1000 * 1000 ? "yes" : "no");

    int64_t real = ns(CLOCK_REALTIME) / 1000000000;
    /* 2020-01-01 and 2100-01-01 in seconds since the epoch. */
    printf("realtime after 2020 and before 2100: %s\n", real > 1577836800 && real < 4102444800 ? "yes" : "no");
    time_t now = time(NULL);
    printf("time() agrees with CLOCK_REALTIME within 2 s: %s\n", now - real <= 2 && real - now <= 2 ? "yes" : "no");

    struct timespec res;
    CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0, "clock_getres monotonic");
    printf("monotonic resolution positive and at most 10 ms: %s\n",
           (res.tv_sec > 0 || res.tv_nsec > 0) && res.tv_sec == 0 && res.tv_nsec <= 10000000 ? "yes" : "no");
    CHECK(clock_getres(CLOCK_REALTIME, &res) == 0, "clock_getres realtime");
    printf("realtime resolution positive and at most 1 s: %s\n",
           (res.tv_sec > 0 || res.tv_nsec > 0) && (res.tv_sec == 0 || (res.tv_sec == 1 && res.tv_nsec == 0)) ? "yes" : "no");
    return 0;
}
