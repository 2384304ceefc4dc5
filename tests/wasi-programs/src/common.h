/* Helpers shared by the WASI test programs. Their output must be identical when built natively
 * (gcc, glibc) and for wasm32-wasi (wasi-libc): so errors print as symbolic errno names (numbers
 * and strerror texts differ between the two libcs), never as paths or times. */
#ifndef KILN_WASI_TEST_COMMON_H
#define KILN_WASI_TEST_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline const char *errno_name(int e) {
    switch (e) {
    case 0: return "OK";
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case EISDIR: return "EISDIR";
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EPERM: return "EPERM";
    case ESPIPE: return "ESPIPE";
    case EIO: return "EIO";
    case ENOSYS: return "ENOSYS";
#ifdef ENOTCAPABLE
    case ENOTCAPABLE: return "ENOTCAPABLE";
#endif
    default: return "E?";
    }
}

/* Joins the test directory and a relative name into buf. */
static inline const char *in_dir(char *buf, size_t size, const char *dir, const char *name) {
    if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size) {
        fprintf(stderr, "path too long\n");
        exit(100);
    }
    return buf;
}

/* Fails the test with a message naming the step and errno; the harness sees exit status 1. */
#define CHECK(cond, step)                                                                  \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            printf("FAIL %s: %s\n", step, errno_name(errno));                              \
            fflush(stdout);                                                                \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

#endif
