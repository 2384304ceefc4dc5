/* File operations inside the directory given as argv[1] (a preopened directory under WASI): create,
 * write, read, seek, pread/pwrite, append, truncate, stat, rename, unlink, and the errors for a
 * missing file, an exclusive create of an existing one and reading a closed descriptor, and paths
 * with "." and ".." that stay inside the directory. Touches
 * nothing outside that directory and removes what it created. */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

static char s_a[1024], s_b[1024];

static void expect_errno(int result, int want, const char *step) {
    printf("%s: %s\n", step, result == -1 ? errno_name(errno) : "succeeded");
    if (result != -1 || errno != want) {
        printf("FAIL %s: expected %s\n", step, errno_name(want));
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: files DIR\n"); return 2; }
    const char *dir = argv[1];
    const char *a = in_dir(s_a, sizeof s_a, dir, "data.txt");
    const char *b = in_dir(s_b, sizeof s_b, dir, "renamed.txt");

    int fd = open(a, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    CHECK(fd >= 0, "create");
    const char text[] = "0123456789abcdefghij";
    CHECK(write(fd, text, 20) == 20, "write");
    CHECK(close(fd) == 0, "close after write");
    printf("created and wrote 20 bytes\n");

    struct stat st;
    CHECK(stat(a, &st) == 0, "stat");
    printf("stat: size=%lld regular=%d dir=%d\n", (long long)st.st_size, S_ISREG(st.st_mode) ? 1 : 0,
           S_ISDIR(st.st_mode) ? 1 : 0);
    time_t now = time(NULL);
    printf("mtime within a day of now: %s\n", st.st_mtime > now - 86400 && st.st_mtime < now + 86400 ? "yes" : "no");

    fd = open(a, O_RDWR);
    CHECK(fd >= 0, "open read-write");
    char buf[64] = {0};
    CHECK(read(fd, buf, 5) == 5, "read");
    printf("read 5: %.5s\n", buf);
    CHECK(lseek(fd, 0, SEEK_CUR) == 5, "lseek cur");
    CHECK(lseek(fd, -4, SEEK_END) == 16, "lseek end");
    memset(buf, 0, sizeof buf);
    CHECK(read(fd, buf, sizeof buf) == 4, "read to end");
    printf("last 4: %s\n", buf);
    CHECK(read(fd, buf, sizeof buf) == 0, "read at eof");
    printf("read at end of file returns 0\n");
    CHECK(lseek(fd, 10, SEEK_SET) == 10, "lseek set");
    CHECK(write(fd, "XY", 2) == 2, "overwrite");
    CHECK(pwrite(fd, "P", 1, 0) == 1, "pwrite");
    CHECK(lseek(fd, 0, SEEK_CUR) == 12, "pwrite keeps the offset");
    memset(buf, 0, sizeof buf);
    CHECK(pread(fd, buf, 20, 0) == 20, "pread");
    printf("after overwrite: %s\n", buf);
    CHECK(lseek(fd, 30, SEEK_SET) == 30, "lseek past end");
    CHECK(write(fd, "!", 1) == 1, "write past end");
    CHECK(fstat(fd, &st) == 0, "fstat");
    printf("after writing at 30: size=%lld\n", (long long)st.st_size);
    CHECK(pread(fd, buf, 11, 20) == 11, "pread hole");
    int zeros = 0;
    for (int i = 0; i < 10; i++) zeros += buf[i] == 0;
    printf("hole reads as %d zero bytes, then '%c'\n", zeros, buf[10]);
    CHECK(ftruncate(fd, 8) == 0, "ftruncate");
    CHECK(fstat(fd, &st) == 0, "fstat after truncate");
    printf("after ftruncate: size=%lld\n", (long long)st.st_size);
    CHECK(close(fd) == 0, "close");
    expect_errno(close(fd), EBADF, "close twice");
    expect_errno((int)read(fd, buf, 1), EBADF, "read closed fd");

    fd = open(a, O_WRONLY | O_APPEND);
    CHECK(fd >= 0, "open append");
    CHECK(write(fd, "+tail", 5) == 5, "append");
    CHECK(close(fd) == 0, "close append");
    FILE *f = fopen(a, "r");
    CHECK(f != NULL, "fopen");
    memset(buf, 0, sizeof buf);
    CHECK(fgets(buf, sizeof buf, f) != NULL, "fgets");
    CHECK(fclose(f) == 0, "fclose");
    printf("after append: %s\n", buf);

    expect_errno(open(a, O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST, "exclusive create of existing file");
    CHECK(rename(a, b) == 0, "rename");
    expect_errno(stat(a, &st), ENOENT, "stat old name after rename");
    CHECK(stat(b, &st) == 0, "stat new name");
    printf("renamed file size=%lld\n", (long long)st.st_size);
    CHECK(unlink(b) == 0, "unlink");
    expect_errno(open(b, O_RDONLY), ENOENT, "open after unlink");
    expect_errno(unlink(b), ENOENT, "unlink twice");

    /* stdio round trip with a larger file. */
    f = fopen(a, "w");
    CHECK(f != NULL, "fopen for writing");
    for (int i = 0; i < 5000; i++) fprintf(f, "line %d\n", i);
    CHECK(fclose(f) == 0, "fclose after writing");
    f = fopen(a, "r");
    CHECK(f != NULL, "fopen for reading");
    long lines = 0, sum = 0;
    int v;
    while (fscanf(f, "line %d\n", &v) == 1) { lines++; sum += v; }
    CHECK(fclose(f) == 0, "fclose after reading");
    CHECK(stat(a, &st) == 0, "stat large");
    printf("large file: size=%lld lines=%ld sum=%ld\n", (long long)st.st_size, lines, sum);
    CHECK(unlink(a) == 0, "unlink large");

    /* ".." that stays inside the directory resolves like on the host. */
    static char sub[1024], dotted[1024], plain[1024];
    CHECK(mkdir(in_dir(sub, sizeof sub, dir, "sub"), 0755) == 0, "mkdir sub");
    fd = open(in_dir(dotted, sizeof dotted, dir, "sub/../dotdot.txt"), O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0, "create through sub/..");
    CHECK(write(fd, "dd", 2) == 2, "write through sub/..");
    CHECK(close(fd) == 0, "close through sub/..");
    CHECK(stat(in_dir(plain, sizeof plain, dir, "dotdot.txt"), &st) == 0, "stat dotdot.txt");
    printf("created through sub/..: size=%lld\n", (long long)st.st_size);
    CHECK(unlink(in_dir(dotted, sizeof dotted, dir, "./sub/../dotdot.txt")) == 0, "unlink through ./sub/..");
    CHECK(rmdir(sub) == 0, "rmdir sub");
    printf("done\n");
    return 0;
}
