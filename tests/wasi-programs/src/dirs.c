/* Directory operations inside the directory given as argv[1]: mkdir (nested), listing with
 * opendir/readdir (sorted, "." and ".." left out since engines differ in returning them), stat of a
 * directory, and the errors for mkdir of an existing path, rmdir of a non-empty directory, opening a
 * file as a directory and unlinking a directory; then a directory of 300 entries with long names,
 * more than one readdir buffer holds, listed completely and again after rewinddir. Removes
 * everything it created. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"

static char s_paths[8][1024];
static char s_entry[1024];

enum { MANY = 300 };

static void entry_name(char *buf, size_t size, int i) {
    snprintf(buf, size, "entry-%03d-with-a-long-name-to-fill-the-directory-buffer", i);
}

/* Reads the whole directory, marking which entry-NNN names it saw; returns the number of entries. */
static int count_entries(DIR *d, int seen[MANY], int *duplicates, int *unexpected) {
    int n = 0;
    struct dirent *e;
    char want[128];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        n++;
        if (strncmp(e->d_name, "entry-", 6) != 0) { (*unexpected)++; continue; }
        int i = atoi(e->d_name + 6);
        entry_name(want, sizeof want, i);
        if (i < 0 || i >= MANY || strcmp(e->d_name, want) != 0) { (*unexpected)++; continue; }
        if (seen[i]++) (*duplicates)++;
    }
    return n;
}

static void many_entries(const char *dir) {
    const char *many = in_dir(s_paths[7], sizeof s_paths[7], dir, "many");
    CHECK(mkdir(many, 0755) == 0, "mkdir many");
    char name[128];
    for (int i = 0; i < MANY; i++) {
        entry_name(name, sizeof name, i);
        int fd = open(in_dir(s_entry, sizeof s_entry, many, name), O_CREAT | O_WRONLY, 0644);
        CHECK(fd >= 0, "create entry");
        CHECK(close(fd) == 0, "close entry");
    }
    DIR *d = opendir(many);
    CHECK(d != NULL, "opendir many");
    int seen[MANY] = {0}, duplicates = 0, unexpected = 0;
    int n = count_entries(d, seen, &duplicates, &unexpected);
    int missing = 0;
    for (int i = 0; i < MANY; i++) missing += seen[i] == 0;
    printf("many: %d entries, %d missing, %d duplicated, %d unexpected\n", n, missing, duplicates, unexpected);

    /* Part of a listing, then rewinddir: the next full pass sees everything again. */
    rewinddir(d);
    for (int i = 0; i < 10; i++) CHECK(readdir(d) != NULL, "readdir after rewind");
    rewinddir(d);
    int again[MANY] = {0};
    duplicates = unexpected = 0;
    n = count_entries(d, again, &duplicates, &unexpected);
    missing = 0;
    for (int i = 0; i < MANY; i++) missing += again[i] == 0;
    printf("many after rewinddir: %d entries, %d missing, %d duplicated, %d unexpected\n", n, missing, duplicates,
           unexpected);
    CHECK(closedir(d) == 0, "closedir many");

    for (int i = 0; i < MANY; i++) {
        entry_name(name, sizeof name, i);
        CHECK(unlink(in_dir(s_entry, sizeof s_entry, many, name)) == 0, "unlink entry");
    }
    CHECK(rmdir(many) == 0, "rmdir many");
    printf("many: removed\n");
}

static int compare(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *path, const char *label) {
    DIR *d = opendir(path);
    CHECK(d != NULL, "opendir");
    char *names[32];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        CHECK(n < 32, "too many entries");
        names[n] = strdup(e->d_name);
        CHECK(names[n] != NULL, "strdup");
        n++;
    }
    CHECK(closedir(d) == 0, "closedir");
    qsort(names, (size_t)n, sizeof names[0], compare);
    printf("%s (%d):", label, n);
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

static void expect_errno(int result, int want, const char *step) {
    printf("%s: %s\n", step, result == -1 ? errno_name(errno) : "succeeded");
    if (result != -1 || errno != want) {
        printf("FAIL %s: expected %s\n", step, errno_name(want));
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: dirs DIR\n"); return 2; }
    const char *dir = argv[1];
    const char *top = in_dir(s_paths[0], sizeof s_paths[0], dir, "top");
    const char *sub = in_dir(s_paths[1], sizeof s_paths[1], dir, "top/sub");
    const char *deep = in_dir(s_paths[2], sizeof s_paths[2], dir, "top/sub/deep");
    const char *file1 = in_dir(s_paths[3], sizeof s_paths[3], dir, "top/b-file");
    const char *file2 = in_dir(s_paths[4], sizeof s_paths[4], dir, "top/a-file");
    const char *moved = in_dir(s_paths[5], sizeof s_paths[5], dir, "top/moved");

    list(dir, "initial");
    CHECK(mkdir(top, 0755) == 0, "mkdir top");
    CHECK(mkdir(sub, 0755) == 0, "mkdir sub");
    CHECK(mkdir(deep, 0755) == 0, "mkdir deep");
    expect_errno(mkdir(sub, 0755), EEXIST, "mkdir existing");
    for (int i = 0; i < 2; i++) {
        int fd = open(i ? file2 : file1, O_CREAT | O_WRONLY, 0644);
        CHECK(fd >= 0, "create file");
        CHECK(write(fd, "x", 1) == 1, "write");
        CHECK(close(fd) == 0, "close");
    }
    list(dir, "dir");
    list(top, "top");
    list(sub, "top/sub");

    struct stat st;
    CHECK(stat(sub, &st) == 0, "stat dir");
    printf("stat top/sub: dir=%d regular=%d\n", S_ISDIR(st.st_mode) ? 1 : 0, S_ISREG(st.st_mode) ? 1 : 0);

    expect_errno(rmdir(sub), ENOTEMPTY, "rmdir non-empty");
    errno = 0;
    DIR *d = opendir(file1);
    printf("opendir on a file: %s\n", d ? "succeeded" : errno_name(errno));
    if (d) return 1;
    expect_errno(open(top, O_WRONLY), EISDIR, "open a directory for writing");
    expect_errno(rmdir(file1), ENOTDIR, "rmdir a file");

    CHECK(rename(sub, moved) == 0, "rename dir");
    list(top, "top after rename");
    const char *moved_deep = in_dir(s_paths[6], sizeof s_paths[6], dir, "top/moved/deep");
    CHECK(rmdir(moved_deep) == 0, "rmdir deep");
    CHECK(rmdir(moved) == 0, "rmdir moved");
    CHECK(unlink(file1) == 0, "unlink b-file");
    CHECK(unlink(file2) == 0, "unlink a-file");
    list(top, "top emptied");
    CHECK(rmdir(top) == 0, "rmdir top");
    expect_errno(rmdir(top), ENOENT, "rmdir twice");
    many_entries(dir);
    list(dir, "final");
    return 0;
}
