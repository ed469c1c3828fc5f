/* test-tmpfs: the writable file system under /tmp, built static with gcc and run unmodified:
 * creating, writing, truncating, linking, renaming and removing files, directories and
 * symbolic links, their modes and times, directory listings and the working directory, each
 * path and buffer argument also given NULL, unmapped, kernel-half, read-only and
 * page-straddling addresses. Everything happens inside a fresh mkdtemp directory, which is
 * emptied after every test and removed at the end. The same binary passes under Linux
 * (run as root, as here). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "child.h"
#include "pointers.h"

#define SUITE "tmpfs"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* The test's directory, "/tmp/tmpfs-test-XXXXXX". */
static char top[64];
/* The lowest descriptor free at start: everything from it up is the tests'. */
static int first_free_fd;

/* CHECK that `call` fails with `error`, saying what it got instead and `label`. */
#define CHECK_ERRNO_FOR(call, error, label)                                                   \
    do {                                                                                      \
        errno = 0;                                                                            \
        long long result_value = (long long)(call);                                           \
        int errno_value = errno;                                                              \
        if (result_value != -1 || errno_value != (error)) {                                   \
            snprintf(failure, sizeof failure, "line %d: %s%s: %lld (errno %d), not -1 (%s)",  \
                     __LINE__, #call, label, result_value, errno_value, #error);              \
            return;                                                                           \
        }                                                                                     \
    } while (0)

#define CHECK_ERRNO(call, error) CHECK_ERRNO_FOR(call, error, "")

/* `name` under the test directory; eight results may be in use at once. */
static const char *at(const char *name) {
    static char paths[8][512];
    static unsigned next;
    char *path = paths[next++ % 8];
    snprintf(path, sizeof paths[0], "%s/%s", top, name);
    return path;
}

/* Creates (or truncates) `path` with mode 0644 holding `text`. */
static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    size_t length = strlen(text);
    ssize_t written = write(fd, text, length);
    close(fd);
    return written == (ssize_t)length ? 0 : -1;
}

/* Whether `path` holds exactly `text`. */
static int holds(const char *path, const char *text) {
    char buffer[512];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t count = read(fd, buffer, sizeof buffer);
    close(fd);
    return count == (ssize_t)strlen(text) && memcmp(buffer, text, count) == 0;
}

static int all_zero(const char *bytes, size_t size) {
    for (size_t i = 0; i < size; i++)
        if (bytes[i])
            return 0;
    return 1;
}

/* A field of stat or lstat of `path`, or -1 where the call fails. */
#define STAT_FIELD(call, path, field)                                                         \
    ({                                                                                        \
        struct stat st_;                                                                      \
        call(path, &st_) == 0 ? (long long)st_.field : -1LL;                                  \
    })
#define lstat_mode(path) STAT_FIELD(lstat, path, st_mode)
#define stat_nlink(path) STAT_FIELD(stat, path, st_nlink)
#define stat_ino(path) STAT_FIELD(stat, path, st_ino)
#define stat_size(path) STAT_FIELD(stat, path, st_size)

static struct timespec now(void) {
    struct timespec time;
    clock_gettime(CLOCK_REALTIME, &time);
    return time;
}

/* File times come from a coarse clock, a tick behind; a second either side is plenty. */
static int between(struct timespec time, struct timespec before, struct timespec after) {
    return time.tv_sec >= before.tv_sec - 1 && time.tv_sec <= after.tv_sec + 1;
}

/* The hostile path strings: NULL, unmapped, kernel-half, and non-NUL bytes up to the
 * unmapped page. */
#define HOSTILE_PATHS 4
static const char *const hostile_path_names[HOSTILE_PATHS] = {
    " (NULL)", " (unmapped)", " (kernel half)", " (straddling)"};

static char *straddling_string(void) {
    memset(unmapped_page - 16, 'a', 16);
    return unmapped_page - 16;
}

static void hostile_paths(const char *paths[HOSTILE_PATHS]) {
    paths[0] = NULL;
    paths[1] = unmapped_page;
    paths[2] = KERNEL_HALF;
    paths[3] = straddling_string();
}

/* ---- opening, reading and writing ---- */

static void create_exclusive_refuses_an_existing_name(void) {
    int fd = open(at("f"), O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "abc", 3), 3);
    close(fd);
    CHECK_ERRNO(open(at("f"), O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST);
    CHECK(mkdir(at("d"), 0755) == 0);
    CHECK_ERRNO(open(at("d"), O_RDONLY | O_CREAT | O_EXCL, 0600), EEXIST);
    /* Without O_EXCL the existing file opens with its contents and mode. */
    fd = open(at("f"), O_RDWR | O_CREAT, 0600);
    CHECK(fd >= 0);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 3);
    CHECK_EQ(st.st_mode, S_IFREG | 0644);
    close(fd);
    CHECK_ERRNO(open(at("missing"), O_RDONLY), ENOENT);
    CHECK_ERRNO(open("", O_RDONLY), ENOENT);
}

static void truncating_open_empties_the_file(void) {
    CHECK_EQ(write_file(at("f"), "hello world"), 0);
    int reader = open(at("f"), O_RDONLY);
    CHECK(reader >= 0);
    int fd = open(at("f"), O_WRONLY | O_TRUNC);
    CHECK(fd >= 0);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 0);
    char buffer[16];
    CHECK_EQ(read(reader, buffer, sizeof buffer), 0);
    CHECK_EQ(write(fd, "hi", 2), 2);
    close(fd);
    CHECK(holds(at("f"), "hi"));
    /* Linux truncates even when the file is opened only for reading. */
    fd = open(at("f"), O_RDONLY | O_TRUNC);
    CHECK(fd >= 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 0);
    close(fd);
    close(reader);
}

static void appending_writes_go_to_the_end(void) {
    int fd = open(at("f"), O_WRONLY | O_CREAT | O_APPEND, 0644);
    CHECK(fd >= 0);
    CHECK(fcntl(fd, F_GETFL) & O_APPEND);
    CHECK_EQ(write(fd, "abc", 3), 3);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(write(fd, "de", 2), 2);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
    /* Linux's pwrite appends too on an O_APPEND descriptor (a documented bug). */
    CHECK_EQ(pwrite(fd, "X", 1, 0), 1);
    CHECK(holds(at("f"), "abcdeX"));
    /* Without O_APPEND the offset is obeyed again. */
    CHECK_EQ(fcntl(fd, F_SETFL, 0), 0);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(write(fd, "Z", 1), 1);
    CHECK(holds(at("f"), "ZbcdeX"));
    close(fd);
}

/* How many entries readdir lists in `path` ("." and ".." included); -1 if it cannot. */
static int entries_in(const char *path) {
    DIR *dir = opendir(path);
    if (dir == NULL)
        return -1;
    int entries = 0;
    while (readdir(dir) != NULL)
        entries++;
    closedir(dir);
    return entries;
}

/* The mode open(O_CREAT) gives a new file, seen through the descriptor; -1 if it failed. */
static long long created_mode(const char *path, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT, mode);
    struct stat st;
    long long result = fd >= 0 && fstat(fd, &st) == 0 ? (long long)st.st_mode : -1;
    if (fd >= 0)
        close(fd);
    return result;
}

static void creation_mode_is_masked_by_the_umask(void) {
    umask(022);
    CHECK_EQ(umask(022), 022);
    CHECK_EQ(created_mode(at("a"), 0777), S_IFREG | 0755);
    umask(077);
    CHECK_EQ(created_mode(at("b"), 0666), S_IFREG | 0600);
    CHECK_EQ(mkdir(at("d"), 0777), 0);
    CHECK_EQ(lstat_mode(at("d")), S_IFDIR | 0700);
    umask(0);
    CHECK_EQ(created_mode(at("c"), 0777), S_IFREG | 0777);
    /* mkdir keeps the sticky bit and drops set-user-ID and set-group-ID. */
    CHECK_EQ(mkdir(at("e"), 07777), 0);
    CHECK_EQ(lstat_mode(at("e")), S_IFDIR | 01777);
    umask(022);
}

static void written_bytes_read_back_and_eof_reads_nothing(void) {
    int fd = open(at("f"), O_RDWR | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "hello, file system", 18), 18);
    CHECK_EQ(write(fd, "", 0), 0);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 18);
    char buffer[64];
    CHECK_EQ(read(fd, buffer, sizeof buffer), 0);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(read(fd, buffer, sizeof buffer), 18);
    CHECK(memcmp(buffer, "hello, file system", 18) == 0);
    CHECK_EQ(read(fd, buffer, sizeof buffer), 0);
    CHECK_EQ(lseek(fd, 7, SEEK_SET), 7);
    CHECK_EQ(read(fd, buffer, 4), 4);
    CHECK(memcmp(buffer, "file", 4) == 0);
    CHECK_EQ(lseek(fd, 16, SEEK_SET), 16);
    CHECK_EQ(read(fd, buffer, 5), 2);
    CHECK(memcmp(buffer, "em", 2) == 0);
    /* Overwriting in the middle keeps the size. */
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(write(fd, "HELLO", 5), 5);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 18);
    close(fd);
    CHECK(holds(at("f"), "HELLO, file system"));
    fd = open(at("f"), O_RDONLY);
    CHECK(fd >= 0);
    CHECK_ERRNO(write(fd, "x", 1), EBADF);
    close(fd);
    fd = open(at("f"), O_WRONLY);
    CHECK(fd >= 0);
    CHECK_ERRNO(read(fd, buffer, 1), EBADF);
    close(fd);
}

static void pread_and_pwrite_leave_the_offset_alone(void) {
    int fd = open(at("f"), O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(pwrite(fd, "0123456789", 10, 0), 10);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
    char buffer[16] = {0};
    CHECK_EQ(pread(fd, buffer, 4, 3), 4);
    CHECK(memcmp(buffer, "3456", 4) == 0);
    CHECK_EQ(syscall(SYS_pread64, fd, buffer, 4, 8), 2);
    CHECK(memcmp(buffer, "89", 2) == 0);
    CHECK_EQ(syscall(SYS_pwrite64, fd, "ab", 2, 12), 2);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 14);
    CHECK_EQ(pread(fd, buffer, sizeof buffer, 8), 6);
    CHECK(memcmp(buffer, "89\0\0ab", 6) == 0);
    CHECK_EQ(pread(fd, buffer, sizeof buffer, 14), 0);
    CHECK_EQ(pread(fd, buffer, sizeof buffer, 100000), 0);
    CHECK_ERRNO(pread(fd, buffer, 1, -1), EINVAL);
    CHECK_ERRNO(pwrite(fd, "x", 1, -1), EINVAL);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
    CHECK_EQ(read(fd, buffer, 3), 3);
    CHECK(memcmp(buffer, "012", 3) == 0);
    close(fd);
    fd = open(at("f"), O_WRONLY);
    CHECK(fd >= 0);
    CHECK_ERRNO(pread(fd, buffer, 1, 0), EBADF);
    close(fd);
}

static void seeking_past_the_end_then_writing_leaves_zeroes(void) {
    int fd = open(at("f"), O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "start", 5), 5);
    CHECK_EQ(lseek(fd, 0, SEEK_END), 5);
    CHECK_EQ(lseek(fd, 10000, SEEK_SET), 10000);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 5);
    CHECK_EQ(lseek(fd, 0, SEEK_END), 5);
    CHECK_EQ(lseek(fd, 8000, SEEK_SET), 8000);
    CHECK_EQ(lseek(fd, 2000, SEEK_CUR), 10000);
    CHECK_EQ(write(fd, "end", 3), 3);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 10003);
    CHECK_EQ(lseek(fd, -3, SEEK_END), 10000);
    static char buffer[10100];
    CHECK_EQ(read(fd, buffer, 3), 3);
    CHECK(memcmp(buffer, "end", 3) == 0);
    CHECK_EQ(pread(fd, buffer, sizeof buffer, 0), 10003);
    CHECK(memcmp(buffer, "start", 5) == 0);
    CHECK(all_zero(buffer + 5, 10000 - 5));
    CHECK(memcmp(buffer + 10000, "end", 3) == 0);
    CHECK_ERRNO(lseek(fd, -1, SEEK_SET), EINVAL);
    CHECK_ERRNO(lseek(fd, -20000, SEEK_END), EINVAL);
    CHECK_ERRNO(lseek(fd, 0, 42), EINVAL);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10003);
    close(fd);
}

static unsigned char large_data[300 * 1024], large_back[300 * 1024];

static void a_large_file_written_in_odd_chunks_reads_back(void) {
    const size_t size = sizeof large_data;
    for (size_t i = 0; i < size; i++)
        large_data[i] = (unsigned char)(i * 131 + (i >> 12) * 7 + 1);
    int fd = open(at("large"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    static const size_t chunks[] = {1, 3, 4093, 4097, 12289, 65537, 777};
    size_t done = 0;
    for (unsigned i = 0; done < size; i++) {
        size_t chunk = chunks[i % (sizeof chunks / sizeof chunks[0])];
        if (chunk > size - done)
            chunk = size - done;
        CHECK_EQ(write(fd, large_data + done, chunk), chunk);
        done += chunk;
    }
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, size);
    CHECK(st.st_blocks >= (blkcnt_t)(size / 512));
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    memset(large_back, 0xee, size);
    done = 0;
    while (done < size) {
        ssize_t count = read(fd, large_back + done, 5003);
        CHECK(count > 0);
        done += count;
    }
    CHECK_EQ(done, size);
    CHECK(memcmp(large_data, large_back, size) == 0);
    unsigned char pair[2];
    CHECK_EQ(pread(fd, pair, 2, 4095), 2);
    CHECK(pair[0] == large_data[4095] && pair[1] == large_data[4096]);
    CHECK_EQ(pread(fd, large_back, size, 200000), size - 200000);
    CHECK(memcmp(large_back, large_data + 200000, size - 200000) == 0);
    close(fd);
    CHECK_EQ(unlink(at("large")), 0);
}

static void opening_the_wrong_kind_of_file_is_refused(void) {
    CHECK_EQ(write_file(at("f"), "x"), 0);
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    CHECK_ERRNO(open(at("d"), O_WRONLY), EISDIR);
    CHECK_ERRNO(open(at("d"), O_RDWR), EISDIR);
    CHECK_ERRNO(open(at("d"), O_RDONLY | O_CREAT, 0644), EISDIR);
    CHECK_ERRNO(open(at("f"), O_RDONLY | O_DIRECTORY), ENOTDIR);
    CHECK_ERRNO(open(at("f/"), O_RDONLY), ENOTDIR);
    CHECK_ERRNO(open(at("f/x"), O_RDONLY | O_CREAT, 0644), ENOTDIR);
    CHECK_ERRNO(open(at("new/"), O_RDWR | O_CREAT, 0644), EISDIR);
    CHECK_ERRNO(open(at("missing/x"), O_RDWR | O_CREAT, 0644), ENOENT);
    CHECK_ERRNO(lstat_mode(at("new")), ENOENT);
    int fd = open(at("d"), O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    char byte;
    CHECK_ERRNO(read(fd, &byte, 1), EISDIR);
    close(fd);
    /* Names up to 255 bytes are fine; longer ones and paths of 4096 bytes are not. */
    char name[300];
    memset(name, 'n', sizeof name);
    name[255] = 0;
    fd = open(at(name), O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0);
    close(fd);
    CHECK_EQ(unlink(at(name)), 0);
    name[255] = 'n';
    name[256] = 0;
    CHECK_ERRNO(open(at(name), O_WRONLY | O_CREAT, 0644), ENAMETOOLONG);
    static char long_path[5000];
    for (size_t i = 0; i + 1 < sizeof long_path; i += 2)
        memcpy(long_path + i, "./", 2);
    long_path[sizeof long_path - 1] = 0;
    CHECK_ERRNO(open(long_path, O_RDONLY), ENAMETOOLONG);
}

static int shared_fd;

static int write_through_the_inherited_descriptor(void) {
    return write(shared_fd, "child", 5) == 5 ? 0 : 1;
}

static void descriptors_share_an_offset_only_when_duplicated(void) {
    int fd = open(at("f"), O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "parent", 6), 6);
    int copy = dup(fd);
    CHECK(copy >= 0);
    CHECK_EQ(lseek(copy, 0, SEEK_CUR), 6);
    CHECK_EQ(write(copy, "-dup", 4), 4);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10);
    shared_fd = fd;
    int status = in_child(write_through_the_inherited_descriptor);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 15);
    int other = open(at("f"), O_RDONLY);
    CHECK(other >= 0);
    CHECK_EQ(lseek(other, 0, SEEK_CUR), 0);
    char buffer[32];
    CHECK_EQ(read(other, buffer, sizeof buffer), 15);
    CHECK(memcmp(buffer, "parent-dupchild", 15) == 0);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 15);
    close(other);
    close(copy);
    close(fd);
}

/* ---- truncation ---- */

static void truncation_grows_with_zeroes_and_shrinks(void) {
    int fd = open(at("f"), O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "abcdefghij", 10), 10);
    CHECK_EQ(ftruncate(fd, 4), 0);
    CHECK_EQ(stat_size(at("f")), 4);
    /* The offset stays past the new end. */
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10);
    char buffer[16];
    CHECK_EQ(read(fd, buffer, sizeof buffer), 0);
    CHECK_EQ(ftruncate(fd, 8), 0);
    memset(buffer, 0x55, sizeof buffer);
    CHECK_EQ(pread(fd, buffer, sizeof buffer, 0), 8);
    CHECK(memcmp(buffer, "abcd\0\0\0\0", 8) == 0);
    CHECK_EQ(truncate(at("f"), 20000), 0);
    CHECK_EQ(stat_size(at("f")), 20000);
    static char big[20000];
    memset(big, 0x55, sizeof big);
    CHECK_EQ(pread(fd, big, sizeof big, 0), 20000);
    CHECK(memcmp(big, "abcd", 4) == 0 && all_zero(big + 4, sizeof big - 4));
    CHECK_EQ(truncate(at("f"), 2), 0);
    CHECK(holds(at("f"), "ab"));
    /* Bytes cut off in the middle of a page read back as zero when the file regrows. */
    memset(big, 'z', 5000);
    CHECK_EQ(pwrite(fd, big, 5000, 0), 5000);
    CHECK_EQ(ftruncate(fd, 4097), 0);
    CHECK_EQ(ftruncate(fd, 9000), 0);
    memset(big, 0x55, sizeof big);
    CHECK_EQ(pread(fd, big, sizeof big, 0), 9000);
    CHECK(big[4095] == 'z' && big[4096] == 'z');
    CHECK(all_zero(big + 4097, 9000 - 4097));
    CHECK_EQ(ftruncate(fd, 0), 0);
    CHECK_EQ(pread(fd, big, sizeof big, 0), 0);
    close(fd);
}

static void truncation_refuses_read_only_descriptors_and_bad_lengths(void) {
    CHECK_EQ(write_file(at("f"), "12345"), 0);
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    int fd = open(at("f"), O_RDONLY);
    CHECK(fd >= 0);
    CHECK_ERRNO(ftruncate(fd, 0), EINVAL);
    close(fd);
    fd = open(at("f"), O_WRONLY);
    CHECK(fd >= 0);
    CHECK_ERRNO(ftruncate(fd, -1), EINVAL);
    close(fd);
    CHECK_ERRNO(truncate(at("f"), -1), EINVAL);
    CHECK_ERRNO(truncate(at("d"), 0), EISDIR);
    CHECK_ERRNO(truncate(at("missing"), 0), ENOENT);
    CHECK_ERRNO(truncate(at("f/x"), 0), ENOTDIR);
    fd = open(at("d"), O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    CHECK_ERRNO(ftruncate(fd, 0), EINVAL);
    close(fd);
    int ends[2];
    CHECK_EQ(pipe(ends), 0);
    CHECK_ERRNO(ftruncate(ends[1], 0), EINVAL);
    close(ends[0]);
    close(ends[1]);
    CHECK_ERRNO(ftruncate(999, 0), EBADF);
    CHECK(holds(at("f"), "12345"));
}

/* ---- directories ---- */

static void mkdir_creates_directories_and_refuses_bad_names(void) {
    long long top_links = stat_nlink(top);
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    struct stat st;
    CHECK_EQ(stat(at("d"), &st), 0);
    CHECK_EQ(st.st_mode, S_IFDIR | 0755);
    CHECK_EQ(st.st_nlink, 2);
    CHECK_EQ(stat_nlink(top), top_links + 1);
    CHECK_ERRNO(mkdir(at("d"), 0755), EEXIST);
    CHECK_ERRNO(mkdir(at("d/."), 0755), EEXIST);
    CHECK_EQ(write_file(at("f"), ""), 0);
    CHECK_ERRNO(mkdir(at("f"), 0755), EEXIST);
    CHECK_ERRNO(mkdir(at("missing/d"), 0755), ENOENT);
    CHECK_ERRNO(mkdir(at("f/d"), 0755), ENOTDIR);
    CHECK_ERRNO(mkdir("", 0755), ENOENT);
    int dir = open(at("d"), O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0);
    CHECK_EQ(mkdirat(dir, "sub", 0700), 0);
    CHECK_EQ(lstat_mode(at("d/sub")), S_IFDIR | 0700);
    CHECK_EQ(stat_nlink(at("d")), 3);
    CHECK_ERRNO(mkdirat(dir, "sub", 0700), EEXIST);
    close(dir);
    int file = open(at("f"), O_RDONLY);
    CHECK(file >= 0);
    CHECK_ERRNO(mkdirat(file, "sub", 0700), ENOTDIR);
    close(file);
    CHECK_EQ(mkdir(at("trailing/"), 0755), 0);
    CHECK_EQ(lstat_mode(at("trailing")), S_IFDIR | 0755);
}

static void rmdir_removes_only_empty_directories(void) {
    long long top_links = stat_nlink(top);
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    CHECK_EQ(write_file(at("d/f"), "x"), 0);
    CHECK_ERRNO(rmdir(at("d")), ENOTEMPTY);
    CHECK_ERRNO(rmdir(at("d/f")), ENOTDIR);
    CHECK_ERRNO(rmdir(at("d/.")), EINVAL);
    CHECK_ERRNO(rmdir(at("d/..")), ENOTEMPTY);
    CHECK_ERRNO(rmdir(at("missing")), ENOENT);
    CHECK_EQ(symlink("d", at("link")), 0);
    CHECK_ERRNO(rmdir(at("link")), ENOTDIR);
    CHECK_EQ(unlink(at("d/f")), 0);
    CHECK_EQ(rmdir(at("d/")), 0);
    CHECK_ERRNO(lstat_mode(at("d")), ENOENT);
    CHECK_EQ(stat_nlink(top), top_links);
}

static void unlinkat_needs_removedir_for_directories(void) {
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    CHECK_EQ(write_file(at("f"), "x"), 0);
    CHECK_ERRNO(unlink(at("d")), EISDIR);
    CHECK_ERRNO(unlinkat(AT_FDCWD, at("d"), 0), EISDIR);
    CHECK_ERRNO(unlinkat(AT_FDCWD, at("f"), AT_REMOVEDIR), ENOTDIR);
    CHECK_ERRNO(unlinkat(AT_FDCWD, at("f"), 0x1), EINVAL);
    CHECK_ERRNO(unlink(at("f/")), ENOTDIR);
    CHECK_ERRNO(unlink(at("d/.")), EISDIR);
    int dir = open(top, O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0);
    CHECK_EQ(unlinkat(dir, "d", AT_REMOVEDIR), 0);
    CHECK_ERRNO(lstat_mode(at("d")), ENOENT);
    CHECK_EQ(unlinkat(dir, "f", 0), 0);
    CHECK_ERRNO(lstat_mode(at("f")), ENOENT);
    CHECK_ERRNO(unlinkat(dir, "f", 0), ENOENT);
    close(dir);
}

static void an_unlinked_file_lives_while_open(void) {
    CHECK_EQ(write_file(at("f"), "still here"), 0);
    int fd = open(at("f"), O_RDWR);
    CHECK(fd >= 0);
    struct stat before;
    CHECK_EQ(fstat(fd, &before), 0);
    CHECK_EQ(before.st_nlink, 1);
    CHECK_EQ(unlink(at("f")), 0);
    CHECK_ERRNO(open(at("f"), O_RDONLY), ENOENT);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_nlink, 0);
    CHECK_EQ(st.st_size, 10);
    CHECK_EQ(st.st_ino, before.st_ino);
    char buffer[32];
    CHECK_EQ(read(fd, buffer, sizeof buffer), 10);
    CHECK(memcmp(buffer, "still here", 10) == 0);
    CHECK_EQ(write(fd, "!", 1), 1);
    CHECK_EQ(pread(fd, buffer, sizeof buffer, 0), 11);
    CHECK(memcmp(buffer, "still here!", 11) == 0);
    /* A new file of the same name is another file. */
    CHECK_EQ(write_file(at("f"), "new"), 0);
    CHECK(stat_ino(at("f")) != (long long)before.st_ino);
    CHECK(holds(at("f"), "new"));
    CHECK_EQ(pread(fd, buffer, sizeof buffer, 0), 11);
    close(fd);
}

/* ---- renaming ---- */

static void rename_replaces_a_file(void) {
    CHECK_EQ(write_file(at("a"), "old"), 0);
    CHECK_EQ(write_file(at("b"), "replaced"), 0);
    long long a_ino = stat_ino(at("a"));
    int replaced = open(at("b"), O_RDONLY);
    CHECK(replaced >= 0);
    CHECK_EQ(rename(at("a"), at("b")), 0);
    CHECK_ERRNO(lstat_mode(at("a")), ENOENT);
    CHECK(holds(at("b"), "old"));
    CHECK_EQ(stat_ino(at("b")), a_ino);
    /* The replaced file lives on through its descriptor. */
    struct stat st;
    CHECK_EQ(fstat(replaced, &st), 0);
    CHECK_EQ(st.st_nlink, 0);
    char buffer[16];
    CHECK_EQ(read(replaced, buffer, sizeof buffer), 8);
    CHECK(memcmp(buffer, "replaced", 8) == 0);
    close(replaced);
    /* Renaming onto itself, or onto another link to the same file, does nothing. */
    CHECK_EQ(rename(at("b"), at("b")), 0);
    CHECK_EQ(link(at("b"), at("c")), 0);
    CHECK_EQ(rename(at("b"), at("c")), 0);
    CHECK_EQ(stat_nlink(at("b")), 2);
    CHECK_EQ(stat_nlink(at("c")), 2);
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    CHECK_EQ(rename(at("c"), at("d/moved")), 0);
    CHECK(holds(at("d/moved"), "old"));
    CHECK_ERRNO(lstat_mode(at("c")), ENOENT);
    CHECK_ERRNO(rename(at("missing"), at("x")), ENOENT);
    CHECK_ERRNO(rename(at("b"), at("missing/x")), ENOENT);
    CHECK_ERRNO(rename(at("b"), at("d/moved/x")), ENOTDIR);
    CHECK(holds(at("b"), "old"));
}

static long rename_flags(const char *from, const char *to, unsigned flags) {
    return syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags);
}

static void renameat2_refuses_to_replace_or_exchanges(void) {
    CHECK_EQ(write_file(at("a"), "first"), 0);
    CHECK_EQ(write_file(at("b"), "second"), 0);
    long long a_ino = stat_ino(at("a")), b_ino = stat_ino(at("b"));
    CHECK_ERRNO(rename_flags(at("a"), at("b"), RENAME_NOREPLACE), EEXIST);
    CHECK(holds(at("a"), "first") && holds(at("b"), "second"));
    CHECK_EQ(rename_flags(at("a"), at("c"), RENAME_NOREPLACE), 0);
    CHECK(holds(at("c"), "first"));
    CHECK_ERRNO(lstat_mode(at("a")), ENOENT);
    CHECK_EQ(rename_flags(at("c"), at("b"), RENAME_EXCHANGE), 0);
    CHECK(holds(at("c"), "second") && holds(at("b"), "first"));
    CHECK_EQ(stat_ino(at("b")), a_ino);
    CHECK_EQ(stat_ino(at("c")), b_ino);
    CHECK_ERRNO(rename_flags(at("c"), at("missing"), RENAME_EXCHANGE), ENOENT);
    CHECK_ERRNO(rename_flags(at("b"), at("c"), RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
    CHECK_ERRNO(rename_flags(at("b"), at("c"), 1 << 3), EINVAL);
    /* A file and a directory may be exchanged. */
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    CHECK_EQ(write_file(at("d/inside"), "in"), 0);
    CHECK_EQ(rename_flags(at("b"), at("d"), RENAME_EXCHANGE), 0);
    CHECK(S_ISDIR(lstat_mode(at("b"))));
    CHECK(holds(at("b/inside"), "in"));
    CHECK(holds(at("d"), "first"));
    CHECK_EQ(rename_flags(at("b"), at("e"), 0), 0);
    CHECK(holds(at("e/inside"), "in"));
}

static void renaming_directories_keeps_the_tree_a_tree(void) {
    CHECK_EQ(mkdir(at("d1"), 0755), 0);
    CHECK_EQ(write_file(at("d1/f"), "one"), 0);
    CHECK_EQ(mkdir(at("d2"), 0755), 0);
    CHECK_EQ(write_file(at("d2/f"), "two"), 0);
    CHECK_EQ(write_file(at("file"), "file"), 0);
    CHECK_ERRNO(rename(at("d1"), at("d2")), ENOTEMPTY);
    CHECK_ERRNO(rename(at("file"), at("d2")), EISDIR);
    CHECK_ERRNO(rename(at("d1"), at("file")), ENOTDIR);
    CHECK_ERRNO(rename(at("d1"), at("d1/inside")), EINVAL);
    CHECK_EQ(mkdir(at("d1/sub"), 0755), 0);
    CHECK_ERRNO(rename(at("d1"), at("d1/sub/deeper")), EINVAL);
    CHECK_ERRNO(rename(at("d1/sub"), at("d1")), ENOTEMPTY);
    CHECK_ERRNO(rename(at("missing"), at("d3")), ENOENT);
    CHECK(holds(at("d1/f"), "one") && holds(at("d2/f"), "two") && holds(at("file"), "file"));
    /* Over an empty directory it works. */
    long long top_links = stat_nlink(top);
    CHECK_EQ(mkdir(at("d3"), 0755), 0);
    CHECK_EQ(rename(at("d1"), at("d3")), 0);
    CHECK_ERRNO(lstat_mode(at("d1")), ENOENT);
    CHECK(holds(at("d3/f"), "one"));
    CHECK_EQ(stat_nlink(top), top_links);
    /* Moving it into another directory moves its ".." link too. */
    CHECK_EQ(stat_nlink(at("d2")), 2);
    CHECK_EQ(rename(at("d3"), at("d2/moved")), 0);
    CHECK_EQ(stat_nlink(at("d2")), 3);
    CHECK_EQ(stat_nlink(top), top_links - 1);
    CHECK(holds(at("d2/moved/f"), "one"));
    CHECK_EQ(stat_ino(at("d2/moved/..")), stat_ino(at("d2")));
}

/* ---- links ---- */

static void hard_links_share_an_inode(void) {
    CHECK_EQ(write_file(at("f"), "data"), 0);
    CHECK_EQ(link(at("f"), at("g")), 0);
    struct stat f, g;
    CHECK_EQ(stat(at("f"), &f), 0);
    CHECK_EQ(stat(at("g"), &g), 0);
    CHECK_EQ(f.st_ino, g.st_ino);
    CHECK_EQ(f.st_nlink, 2);
    CHECK_EQ(g.st_nlink, 2);
    CHECK_EQ(write_file(at("g"), "changed"), 0);
    CHECK(holds(at("f"), "changed"));
    CHECK_ERRNO(link(at("f"), at("g")), EEXIST);
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    CHECK_ERRNO(link(at("d"), at("e")), EPERM);
    CHECK_ERRNO(link(at("missing"), at("x")), ENOENT);
    CHECK_ERRNO(link(at("f"), at("missing/x")), ENOENT);
    CHECK_ERRNO(linkat(AT_FDCWD, at("f"), AT_FDCWD, at("x"), AT_REMOVEDIR), EINVAL);
    int dir = open(at("d"), O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0);
    CHECK_EQ(linkat(AT_FDCWD, at("f"), dir, "h", 0), 0);
    close(dir);
    CHECK_EQ(stat_nlink(at("f")), 3);
    CHECK_EQ(unlink(at("f")), 0);
    CHECK_EQ(stat_nlink(at("g")), 2);
    CHECK(holds(at("d/h"), "changed"));
    /* linkat links a symbolic link itself unless told AT_SYMLINK_FOLLOW. */
    CHECK_EQ(symlink("g", at("s")), 0);
    CHECK_EQ(linkat(AT_FDCWD, at("s"), AT_FDCWD, at("s2"), 0), 0);
    CHECK(S_ISLNK(lstat_mode(at("s2"))));
    CHECK_EQ(linkat(AT_FDCWD, at("s"), AT_FDCWD, at("g2"), AT_SYMLINK_FOLLOW), 0);
    CHECK(S_ISREG(lstat_mode(at("g2"))));
    CHECK_EQ(stat_ino(at("g2")), g.st_ino);
    CHECK_EQ(stat_nlink(at("g")), 3);
}

static void readlink_returns_the_target_without_a_nul(void) {
    CHECK_EQ(symlink("target-file", at("l")), 0);
    char buffer[64];
    memset(buffer, '#', sizeof buffer);
    CHECK_EQ(readlink(at("l"), buffer, sizeof buffer), 11);
    CHECK(memcmp(buffer, "target-file#", 12) == 0);
    memset(buffer, '#', sizeof buffer);
    CHECK_EQ(readlink(at("l"), buffer, 4), 4);
    CHECK(memcmp(buffer, "targ#", 5) == 0);
    CHECK_ERRNO(readlink(at("l"), buffer, 0), EINVAL);
    CHECK_EQ(write_file(at("f"), "x"), 0);
    CHECK_ERRNO(readlink(at("f"), buffer, sizeof buffer), EINVAL);
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    CHECK_ERRNO(readlink(at("d"), buffer, sizeof buffer), EINVAL);
    CHECK_ERRNO(readlink(at("missing"), buffer, sizeof buffer), ENOENT);
    CHECK_ERRNO(symlink("other", at("l")), EEXIST);
    CHECK_ERRNO(symlink("other", at("f")), EEXIST);
    CHECK_ERRNO(symlink("", at("empty")), ENOENT);
    CHECK_ERRNO(symlink("other", at("missing/l")), ENOENT);
    int dir = open(at("d"), O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0);
    CHECK_EQ(symlinkat("t", dir, "l2"), 0);
    CHECK_EQ(readlinkat(dir, "l2", buffer, sizeof buffer), 1);
    CHECK_EQ(buffer[0], 't');
    close(dir);
    CHECK(S_ISLNK(lstat_mode(at("d/l2"))));
    /* A target longer than any inline storage. */
    static char target[3001], back[3100];
    for (int i = 0; i < 3000; i++)
        target[i] = 'a' + i % 26;
    CHECK_EQ(symlink(target, at("long")), 0);
    CHECK_EQ(readlink(at("long"), back, sizeof back), 3000);
    CHECK(memcmp(back, target, 3000) == 0);
}

static void lstat_sees_the_link_and_stat_its_target(void) {
    CHECK_EQ(write_file(at("the-target"), "12345"), 0);
    CHECK_EQ(symlink("the-target", at("l")), 0);
    struct stat st;
    CHECK_EQ(lstat(at("l"), &st), 0);
    CHECK_EQ(st.st_mode, S_IFLNK | 0777);
    CHECK_EQ(st.st_size, 10);
    CHECK_EQ(st.st_nlink, 1);
    long long link_ino = st.st_ino;
    CHECK_EQ(stat(at("l"), &st), 0);
    CHECK_EQ(st.st_mode, S_IFREG | 0644);
    CHECK_EQ(st.st_size, 5);
    CHECK_EQ(st.st_ino, stat_ino(at("the-target")));
    CHECK(st.st_ino != (ino_t)link_ino);
    CHECK_EQ(fstatat(AT_FDCWD, at("l"), &st, AT_SYMLINK_NOFOLLOW), 0);
    CHECK_EQ(st.st_mode, S_IFLNK | 0777);
    CHECK_EQ(fstatat(AT_FDCWD, at("l"), &st, 0), 0);
    CHECK_EQ(st.st_mode, S_IFREG | 0644);
    CHECK_ERRNO(fstatat(AT_FDCWD, at("l"), &st, AT_REMOVEDIR), EINVAL);
    /* A trailing slash makes even lstat follow the link. */
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    CHECK_EQ(symlink("d", at("dl")), 0);
    CHECK_EQ(lstat_mode(at("dl")), S_IFLNK | 0777);
    CHECK_EQ(lstat_mode(at("dl/")), S_IFDIR | 0755);
    CHECK_ERRNO(lstat(at("l/"), &st), ENOTDIR);
}

static void opening_follows_links_unless_told_not_to(void) {
    CHECK_EQ(write_file(at("f"), "through"), 0);
    CHECK_EQ(symlink("f", at("l")), 0);
    CHECK(holds(at("l"), "through"));
    CHECK_ERRNO(open(at("l"), O_RDONLY | O_NOFOLLOW), ELOOP);
    /* O_NOFOLLOW is about the last component only. */
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    CHECK_EQ(write_file(at("d/inside"), "in"), 0);
    CHECK_EQ(symlink("d", at("dl")), 0);
    int fd = open(at("dl/inside"), O_RDONLY | O_NOFOLLOW);
    CHECK(fd >= 0);
    close(fd);
    /* Loops. */
    CHECK_EQ(symlink("loop2", at("loop1")), 0);
    CHECK_EQ(symlink("loop1", at("loop2")), 0);
    CHECK_EQ(symlink("self", at("self")), 0);
    CHECK_ERRNO(open(at("loop1"), O_RDONLY), ELOOP);
    CHECK_ERRNO(stat_size(at("loop2")), ELOOP);
    CHECK_ERRNO(open(at("self"), O_RDONLY), ELOOP);
    CHECK_ERRNO(open(at("self/x"), O_RDONLY), ELOOP);
    /* Forty links in a row resolve; forty-one are too many. */
    for (int i = 0; i <= 40; i++) {
        char name[16], next[16];
        snprintf(name, sizeof name, "c%d", i);
        snprintf(next, sizeof next, i == 40 ? "f" : "c%d", i + 1);
        CHECK_EQ(symlink(next, at(name)), 0);
    }
    CHECK(holds(at("c1"), "through"));
    CHECK_ERRNO(open(at("c0"), O_RDONLY), ELOOP);
    /* A dangling link: nothing to open, but O_CREAT creates its target. */
    CHECK_EQ(symlink("nowhere", at("dangling")), 0);
    CHECK_ERRNO(open(at("dangling"), O_RDONLY), ENOENT);
    CHECK_ERRNO(stat_size(at("dangling")), ENOENT);
    CHECK(S_ISLNK(lstat_mode(at("dangling"))));
    CHECK_ERRNO(open(at("dangling"), O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
    CHECK_ERRNO(lstat_mode(at("nowhere")), ENOENT);
    fd = open(at("dangling"), O_WRONLY | O_CREAT, 0600);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "made", 4), 4);
    close(fd);
    CHECK_EQ(lstat_mode(at("nowhere")), S_IFREG | 0600);
    CHECK(holds(at("nowhere"), "made"));
}

/* ---- modes, times and access ---- */

static void chmod_changes_permission_bits_only(void) {
    CHECK_EQ(write_file(at("f"), "x"), 0);
    CHECK_EQ(lstat_mode(at("f")), S_IFREG | 0644);
    CHECK_EQ(chmod(at("f"), 0600), 0);
    CHECK_EQ(lstat_mode(at("f")), S_IFREG | 0600);
    int fd = open(at("f"), O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(fchmod(fd, 0751), 0);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_mode, S_IFREG | 0751);
    close(fd);
    CHECK_EQ(fchmodat(AT_FDCWD, at("f"), 04755, 0), 0);
    CHECK_EQ(lstat_mode(at("f")), S_IFREG | 04755);
    CHECK_EQ(chmod(at("f"), S_IFDIR | 0640), 0);
    CHECK_EQ(lstat_mode(at("f")), S_IFREG | 0640);
    CHECK_EQ(chmod(at("f"), 0), 0);
    CHECK_EQ(lstat_mode(at("f")), S_IFREG);
    /* Through a link the target changes and the link stays 0777. */
    CHECK_EQ(symlink("f", at("l")), 0);
    CHECK_EQ(chmod(at("l"), 0604), 0);
    CHECK_EQ(lstat_mode(at("f")), S_IFREG | 0604);
    CHECK_EQ(lstat_mode(at("l")), S_IFLNK | 0777);
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    int dir = open(at("d"), O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0);
    CHECK_EQ(fchmod(dir, 01700), 0);
    CHECK_EQ(lstat_mode(at("d")), S_IFDIR | 01700);
    CHECK_EQ(fchmodat(dir, "..", 0711, 0), 0);
    CHECK_EQ(lstat_mode(top), S_IFDIR | 0711);
    CHECK_EQ(chmod(top, 0700), 0);
    close(dir);
    CHECK_ERRNO(chmod(at("missing"), 0644), ENOENT);
    CHECK_ERRNO(fchmod(999, 0644), EBADF);
}

static void utimensat_sets_explicit_current_and_omitted_times(void) {
    CHECK_EQ(write_file(at("f"), "x"), 0);
    struct timespec times[2] = {{1000000000, 111}, {1234567890, 123456789}};
    CHECK_EQ(utimensat(AT_FDCWD, at("f"), times, 0), 0);
    struct timespec changed = now();
    struct stat st;
    CHECK_EQ(stat(at("f"), &st), 0);
    CHECK_EQ(st.st_atim.tv_sec, 1000000000);
    CHECK_EQ(st.st_atim.tv_nsec, 111);
    CHECK_EQ(st.st_mtim.tv_sec, 1234567890);
    CHECK_EQ(st.st_mtim.tv_nsec, 123456789);
    /* The change time cannot be set: it is now. */
    CHECK(between(st.st_ctim, changed, changed));
    struct timespec omit_access[2] = {{0, UTIME_OMIT}, {2000000000, 5}};
    CHECK_EQ(utimensat(AT_FDCWD, at("f"), omit_access, 0), 0);
    CHECK_EQ(stat(at("f"), &st), 0);
    CHECK_EQ(st.st_atim.tv_sec, 1000000000);
    CHECK_EQ(st.st_atim.tv_nsec, 111);
    CHECK_EQ(st.st_mtim.tv_sec, 2000000000);
    CHECK_EQ(st.st_mtim.tv_nsec, 5);
    struct timespec before = now();
    struct timespec modified_now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    CHECK_EQ(utimensat(AT_FDCWD, at("f"), modified_now, 0), 0);
    struct timespec after = now();
    CHECK_EQ(stat(at("f"), &st), 0);
    CHECK_EQ(st.st_atim.tv_sec, 1000000000);
    CHECK(between(st.st_mtim, before, after));
    struct timespec omit_both[2] = {{1, UTIME_OMIT}, {2, UTIME_OMIT}};
    CHECK_EQ(utimensat(AT_FDCWD, at("f"), omit_both, 0), 0);
    CHECK_EQ(stat(at("f"), &st), 0);
    CHECK_EQ(st.st_atim.tv_sec, 1000000000);
    /* Linux returns before looking at the path when both are omitted. */
    CHECK_EQ(utimensat(AT_FDCWD, at("missing"), omit_both, 0), 0);
    CHECK_EQ(utimensat(AT_FDCWD, at("f"), times, 0), 0);
    before = now();
    CHECK_EQ(utimensat(AT_FDCWD, at("f"), NULL, 0), 0);
    after = now();
    CHECK_EQ(stat(at("f"), &st), 0);
    CHECK(between(st.st_atim, before, after) && between(st.st_mtim, before, after));
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    CHECK_ERRNO(utimensat(AT_FDCWD, at("f"), bad, 0), EINVAL);
    bad[0].tv_nsec = -1;
    CHECK_ERRNO(utimensat(AT_FDCWD, at("f"), bad, 0), EINVAL);
    CHECK_ERRNO(utimensat(AT_FDCWD, at("f"), times, AT_REMOVEDIR), EINVAL);
    CHECK_ERRNO(utimensat(AT_FDCWD, at("missing"), times, 0), ENOENT);
    /* AT_SYMLINK_NOFOLLOW sets the link's own times. */
    CHECK_EQ(symlink("f", at("l")), 0);
    CHECK_EQ(utimensat(AT_FDCWD, at("l"), times, AT_SYMLINK_NOFOLLOW), 0);
    CHECK_EQ(lstat(at("l"), &st), 0);
    CHECK_EQ(st.st_mtim.tv_sec, 1234567890);
    CHECK_EQ(stat(at("f"), &st), 0);
    CHECK(between(st.st_mtim, before, after));
}

static void futimens_sets_times_through_a_descriptor(void) {
    CHECK_EQ(write_file(at("f"), "x"), 0);
    int fd = open(at("f"), O_RDONLY);
    CHECK(fd >= 0);
    struct timespec times[2] = {{300, 3}, {400, 4}};
    CHECK_EQ(futimens(fd, times), 0);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_atim.tv_sec, 300);
    CHECK_EQ(st.st_atim.tv_nsec, 3);
    CHECK_EQ(st.st_mtim.tv_sec, 400);
    CHECK_EQ(st.st_mtim.tv_nsec, 4);
    /* futimens is utimensat with a NULL path and a descriptor. */
    struct timespec more[2] = {{500, 0}, {0, UTIME_OMIT}};
    CHECK_EQ(syscall(SYS_utimensat, fd, NULL, more, 0), 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_atim.tv_sec, 500);
    CHECK_EQ(st.st_mtim.tv_sec, 400);
    CHECK_ERRNO(syscall(SYS_utimensat, fd, NULL, more, AT_SYMLINK_NOFOLLOW), EINVAL);
    struct timespec before = now();
    CHECK_EQ(futimens(fd, NULL), 0);
    struct timespec after = now();
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK(between(st.st_atim, before, after) && between(st.st_mtim, before, after));
    close(fd);
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    int dir = open(at("d"), O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0);
    CHECK_EQ(futimens(dir, times), 0);
    CHECK_EQ(fstat(dir, &st), 0);
    CHECK_EQ(st.st_mtim.tv_sec, 400);
    close(dir);
    CHECK_ERRNO(futimens(999, times), EBADF);
}

static void access_checks_existence_and_root_permissions(void) {
    CHECK_EQ(write_file(at("f"), "x"), 0);
    CHECK_EQ(access(at("f"), F_OK), 0);
    CHECK_ERRNO(access(at("missing"), F_OK), ENOENT);
    CHECK_ERRNO(access(at("missing/x"), F_OK), ENOENT);
    CHECK_ERRNO(access(at("f/x"), F_OK), ENOTDIR);
    CHECK_ERRNO(access(at("f"), 8), EINVAL);
    CHECK_EQ(access(at("f"), R_OK | W_OK), 0);
    /* Root reads and writes anything but executes only what has an execute bit. */
    CHECK_ERRNO(access(at("f"), X_OK), EACCES);
    CHECK_EQ(chmod(at("f"), 0), 0);
    CHECK_EQ(access(at("f"), R_OK | W_OK), 0);
    int fd = open(at("f"), O_RDWR);
    CHECK(fd >= 0);
    close(fd);
    CHECK_ERRNO(access(at("f"), X_OK), EACCES);
    CHECK_EQ(chmod(at("f"), 0010), 0);
    CHECK_EQ(access(at("f"), X_OK), 0);
    CHECK_EQ(mkdir(at("d"), 0), 0);
    CHECK_EQ(access(at("d"), R_OK | W_OK | X_OK), 0);
    int dir = open(top, O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0);
    CHECK_EQ(faccessat(dir, "f", F_OK, 0), 0);
    CHECK_EQ(syscall(SYS_faccessat, dir, "d", X_OK), 0);
    CHECK_ERRNO(syscall(SYS_faccessat, dir, "missing", F_OK), ENOENT);
    close(dir);
    CHECK_EQ(symlink("nowhere", at("dangling")), 0);
    CHECK_ERRNO(access(at("dangling"), F_OK), ENOENT);
}

/* ---- listing directories ---- */

static void readdir_lists_names_with_their_types(void) {
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    CHECK_EQ(write_file(at("d/file1"), "1"), 0);
    CHECK_EQ(write_file(at("d/file2"), "2"), 0);
    CHECK_EQ(mkdir(at("d/sub"), 0755), 0);
    CHECK_EQ(symlink("file1", at("d/link")), 0);
    CHECK_EQ(write_file(at("d/gone"), "x"), 0);
    CHECK_EQ(unlink(at("d/gone")), 0);
    static const char *const names[] = {".", "..", "file1", "file2", "sub", "link"};
    static const unsigned char types[] = {DT_DIR, DT_DIR, DT_REG, DT_REG, DT_DIR, DT_LNK};
    const char *const paths[] = {at("d"), top, at("d/file1"), at("d/file2"), at("d/sub"),
                                 at("d/link")};
    DIR *dir = opendir(at("d"));
    CHECK(dir != NULL);
    for (int pass = 0; pass < 2; pass++) {
        int seen[6] = {0}, entries = 0;
        struct dirent *entry;
        errno = 0;
        while ((entry = readdir(dir)) != NULL) {
            entries++;
            int found = -1;
            for (int i = 0; i < 6; i++)
                if (strcmp(entry->d_name, names[i]) == 0)
                    found = i;
            CHECK(found >= 0);
            seen[found]++;
            CHECK_EQ(entry->d_type, types[found]);
            struct stat st;
            CHECK_EQ(lstat(paths[found], &st), 0);
            CHECK_EQ(entry->d_ino, st.st_ino);
        }
        CHECK_EQ(errno, 0);
        CHECK_EQ(entries, 6);
        for (int i = 0; i < 6; i++)
            CHECK_EQ(seen[i], 1);
        rewinddir(dir);
    }
    closedir(dir);
    dir = opendir(at("d/sub"));
    CHECK(dir != NULL);
    int entries = 0;
    while (readdir(dir) != NULL)
        entries++;
    CHECK_EQ(entries, 2);
    closedir(dir);
    CHECK(opendir(at("d/file1")) == NULL);
    CHECK_EQ(errno, ENOTDIR);
}

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static void getdents64_continues_across_calls_and_checks_its_buffer(void) {
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    for (int i = 0; i < 50; i++) {
        char name[32];
        snprintf(name, sizeof name, "d/entry-%02d", i);
        CHECK_EQ(write_file(at(name), ""), 0);
    }
    int fd = open(at("d"), O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    int seen[50] = {0}, dots = 0, calls = 0;
    char buffer[100] __attribute__((aligned(8)));
    long count;
    while ((count = syscall(SYS_getdents64, fd, buffer, sizeof buffer)) > 0) {
        calls++;
        for (long offset = 0; offset < count;) {
            struct linux_dirent64 *entry = (struct linux_dirent64 *)(buffer + offset);
            CHECK(entry->d_reclen >= offsetof(struct linux_dirent64, d_name) +
                                         strlen(entry->d_name) + 1);
            CHECK_EQ(entry->d_reclen % 8, 0);
            int number;
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                dots++;
            else if (sscanf(entry->d_name, "entry-%d", &number) == 1 && number >= 0 &&
                     number < 50)
                seen[number]++;
            else
                CHECK(!"an unexpected name");
            offset += entry->d_reclen;
        }
    }
    CHECK_EQ(count, 0);
    CHECK(calls >= 10);
    CHECK_EQ(dots, 2);
    for (int i = 0; i < 50; i++)
        CHECK_EQ(seen[i], 1);
    CHECK_EQ(syscall(SYS_getdents64, fd, buffer, sizeof buffer), 0);
    /* From the start again: too small a buffer, and buffers that cannot be written. */
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_ERRNO(syscall(SYS_getdents64, fd, buffer, 10), EINVAL);
    void *unwritable[] = {NULL, unmapped_page, KERNEL_HALF, read_only_page};
    for (unsigned i = 0; i < sizeof unwritable / sizeof unwritable[0]; i++)
        CHECK_ERRNO(syscall(SYS_getdents64, fd, unwritable[i], 4096), EFAULT);
    /* The failed calls consumed nothing. */
    CHECK(syscall(SYS_getdents64, fd, buffer, sizeof buffer) > 0);
    close(fd);
    fd = open(at("d/entry-00"), O_RDONLY);
    CHECK(fd >= 0);
    CHECK_ERRNO(syscall(SYS_getdents64, fd, buffer, sizeof buffer), ENOTDIR);
    close(fd);
    CHECK_ERRNO(syscall(SYS_getdents64, 999, buffer, sizeof buffer), EBADF);
}

/* ---- the working directory ---- */

static void chdir_and_fchdir_move_relative_paths(void) {
    char cwd[512];
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    CHECK_EQ(chdir(at("d")), 0);
    CHECK_EQ(syscall(SYS_getcwd, cwd, sizeof cwd), strlen(at("d")) + 1);
    CHECK(strcmp(cwd, at("d")) == 0);
    CHECK(getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, at("d")) == 0);
    CHECK_ERRNO(syscall(SYS_getcwd, cwd, 5), ERANGE);
    CHECK_EQ(write_file("relative", "here"), 0);
    CHECK(holds(at("d/relative"), "here"));
    CHECK_EQ(mkdir("sub", 0755), 0);
    CHECK_EQ(chdir("sub/.."), 0);
    CHECK(holds("./relative", "here"));
    CHECK_EQ(chdir(".."), 0);
    CHECK(getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, top) == 0);
    CHECK(holds("d/relative", "here"));
    int dir = open(at("d/sub"), O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0);
    CHECK_EQ(fchdir(dir), 0);
    close(dir);
    CHECK(getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, at("d/sub")) == 0);
    CHECK(holds("../relative", "here"));
    CHECK_ERRNO(chdir(at("d/relative")), ENOTDIR);
    CHECK_ERRNO(chdir(at("missing")), ENOENT);
    int file = open(at("d/relative"), O_RDONLY);
    CHECK(file >= 0);
    CHECK_ERRNO(fchdir(file), ENOTDIR);
    close(file);
    CHECK_ERRNO(fchdir(999), EBADF);
    CHECK(getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, at("d/sub")) == 0);
    CHECK_EQ(chdir("/"), 0);
}

static void a_removed_working_directory_takes_nothing_new(void) {
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    CHECK_EQ(chdir(at("d")), 0);
    CHECK_EQ(rmdir(at("d")), 0);
    char cwd[512];
    CHECK_ERRNO(syscall(SYS_getcwd, cwd, sizeof cwd), ENOENT);
    CHECK_ERRNO(open("x", O_WRONLY | O_CREAT, 0644), ENOENT);
    CHECK_ERRNO(mkdir("y", 0755), ENOENT);
    struct stat st;
    CHECK_EQ(stat(".", &st), 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK_EQ(st.st_nlink, 0);
    /* Listing a removed directory is ENOENT, not even "." and "..". */
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    char buffer[256] __attribute__((aligned(8)));
    CHECK_ERRNO(syscall(SYS_getdents64, fd, buffer, sizeof buffer), ENOENT);
    close(fd);
    CHECK_EQ(chdir(".."), 0);
    CHECK(getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, top) == 0);
    CHECK_EQ(chdir("/"), 0);
}

static void openat_resolves_relative_to_a_directory(void) {
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    int dir = open(at("d"), O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0);
    int fd = openat(dir, "f", O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "at", 2), 2);
    close(fd);
    CHECK(holds(at("d/f"), "at"));
    struct stat st;
    CHECK_EQ(fstatat(dir, "..", &st, 0), 0);
    CHECK_EQ(st.st_ino, stat_ino(top));
    CHECK_EQ(fstatat(dir, "f", &st, 0), 0);
    CHECK_EQ(st.st_size, 2);
    /* An absolute path ignores the descriptor, even a bad one. */
    CHECK_EQ(write_file(at("g"), "abs"), 0);
    fd = openat(dir, at("g"), O_RDONLY);
    CHECK(fd >= 0);
    close(fd);
    fd = openat(999, at("g"), O_RDONLY);
    CHECK(fd >= 0);
    close(fd);
    CHECK_ERRNO(openat(999, "g", O_RDONLY), EBADF);
    CHECK_ERRNO(openat(dir, "", O_RDONLY), ENOENT);
    int file = open(at("g"), O_RDONLY);
    CHECK(file >= 0);
    CHECK_ERRNO(openat(file, "x", O_RDONLY), ENOTDIR);
    close(file);
    /* The descriptor follows the directory when it is renamed. */
    CHECK_EQ(rename(at("d"), at("renamed")), 0);
    fd = openat(dir, "f", O_RDONLY);
    CHECK(fd >= 0);
    close(fd);
    CHECK_EQ(fstatat(dir, "f", &st, 0), 0);
    CHECK_EQ(st.st_ino, stat_ino(at("renamed/f")));
    close(dir);
}

/* ---- syncing and file system statistics ---- */

static void fsync_and_statfs_succeed(void) {
    int fd = open(at("f"), O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "sync", 4), 4);
    CHECK_EQ(fsync(fd), 0);
    CHECK_EQ(fdatasync(fd), 0);
    int reader = open(at("f"), O_RDONLY);
    CHECK(reader >= 0);
    CHECK_EQ(fsync(reader), 0);
    close(reader);
    int dir = open(top, O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0);
    CHECK_EQ(fsync(dir), 0);
    close(dir);
    CHECK_ERRNO(fsync(999), EBADF);
    int ends[2];
    CHECK_EQ(pipe(ends), 0);
    CHECK_ERRNO(fsync(ends[0]), EINVAL);
    close(ends[0]);
    close(ends[1]);
    struct statfs by_path, by_fd;
    CHECK_EQ(statfs("/tmp", &by_path), 0);
    CHECK(by_path.f_bsize > 0);
    CHECK(by_path.f_blocks >= by_path.f_bfree);
    CHECK(by_path.f_bfree >= by_path.f_bavail);
    CHECK(by_path.f_files >= by_path.f_ffree);
    CHECK_EQ(by_path.f_namelen, 255);
    CHECK_EQ(fstatfs(fd, &by_fd), 0);
    CHECK_EQ(by_fd.f_type, by_path.f_type);
    CHECK_EQ(by_fd.f_bsize, by_path.f_bsize);
    CHECK_EQ(by_fd.f_blocks, by_path.f_blocks);
    CHECK_EQ(statfs(at("f"), &by_fd), 0);
    CHECK_EQ(by_fd.f_type, by_path.f_type);
    close(fd);
    CHECK_ERRNO(statfs(at("missing"), &by_fd), ENOENT);
    CHECK_ERRNO(fstatfs(999, &by_fd), EBADF);
}

/* ---- hostile pointers ---- */

/* openat(`path`) relative to a descriptor for the test directory; keeps openat's errno. */
static long open_in_top(const char *path) {
    int dir = open(top, O_RDONLY | O_DIRECTORY);
    if (dir < 0)
        return -2;
    long result = openat(dir, path, O_RDONLY);
    int error = errno;
    if (result >= 0)
        close(result);
    close(dir);
    errno = error;
    return result;
}

/* utimensat(fd, NULL, `times`) on a descriptor for `path`; keeps utimensat's errno. */
static long futimens_raw(const char *path, const void *times) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -2;
    long result = syscall(SYS_utimensat, fd, NULL, times, 0);
    int error = errno;
    close(fd);
    errno = error;
    return result;
}

static void path_arguments_with_bad_pointers_are_efault(void) {
    const char *paths[HOSTILE_PATHS];
    hostile_paths(paths);
    char buffer[16];
    struct stat st;
    for (int i = 0; i < HOSTILE_PATHS; i++) {
        const char *which = hostile_path_names[i];
        const char *path = paths[i];
        CHECK_ERRNO_FOR(openat(AT_FDCWD, path, O_RDONLY), EFAULT, which);
        CHECK_ERRNO_FOR(openat(AT_FDCWD, path, O_RDWR | O_CREAT, 0644), EFAULT, which);
        CHECK_ERRNO_FOR(mkdirat(AT_FDCWD, path, 0755), EFAULT, which);
        CHECK_ERRNO_FOR(unlinkat(AT_FDCWD, path, 0), EFAULT, which);
        CHECK_ERRNO_FOR(unlinkat(AT_FDCWD, path, AT_REMOVEDIR), EFAULT, which);
        CHECK_ERRNO_FOR(fchmodat(AT_FDCWD, path, 0644, 0), EFAULT, which);
        CHECK_ERRNO_FOR(syscall(SYS_faccessat, AT_FDCWD, path, F_OK), EFAULT, which);
        CHECK_ERRNO_FOR(syscall(SYS_utimensat, AT_FDCWD, path, NULL, 0), EFAULT, which);
        CHECK_ERRNO_FOR(readlinkat(AT_FDCWD, path, buffer, sizeof buffer), EFAULT, which);
        CHECK_ERRNO_FOR(fstatat(AT_FDCWD, path, &st, 0), EFAULT, which);
        CHECK_ERRNO_FOR(truncate(path, 0), EFAULT, which);
        CHECK_ERRNO_FOR(chdir(path), EFAULT, which);
        /* Relative to a directory descriptor too. */
        CHECK_ERRNO_FOR(open_in_top(path), EFAULT, which);
    }
    /* Nothing was created. */
    CHECK_EQ(entries_in(top), 2);
}

static void two_path_calls_with_bad_pointers_are_efault(void) {
    const char *paths[HOSTILE_PATHS];
    hostile_paths(paths);
    CHECK_EQ(write_file(at("f"), "kept"), 0);
    for (int i = 0; i < HOSTILE_PATHS; i++) {
        const char *which = hostile_path_names[i];
        const char *path = paths[i];
        CHECK_ERRNO_FOR(rename_flags(path, at("g"), 0), EFAULT, which);
        CHECK_ERRNO_FOR(rename_flags(at("f"), path, 0), EFAULT, which);
        CHECK_ERRNO_FOR(rename_flags(at("f"), path, RENAME_NOREPLACE), EFAULT, which);
        CHECK_ERRNO_FOR(linkat(AT_FDCWD, path, AT_FDCWD, at("g"), 0), EFAULT, which);
        CHECK_ERRNO_FOR(linkat(AT_FDCWD, at("f"), AT_FDCWD, path, 0), EFAULT, which);
        CHECK_ERRNO_FOR(symlinkat(path, AT_FDCWD, at("g")), EFAULT, which);
        CHECK_ERRNO_FOR(symlinkat("f", AT_FDCWD, path), EFAULT, which);
    }
    CHECK(holds(at("f"), "kept"));
    CHECK_EQ(stat_nlink(at("f")), 1);
    CHECK_ERRNO(lstat_mode(at("g")), ENOENT);
}

static void readlinkat_with_bad_buffers_is_efault(void) {
    CHECK_EQ(symlink("twelve-bytes", at("long")), 0);
    CHECK_EQ(symlink("six-by", at("short")), 0);
    void *unwritable[] = {NULL, unmapped_page, KERNEL_HALF, read_only_page,
                          straddling(16, 8)};
    static const char *const names[] = {" (NULL)", " (unmapped)", " (kernel half)",
                                        " (read-only)", " (straddling)"};
    for (unsigned i = 0; i < sizeof unwritable / sizeof unwritable[0]; i++)
        CHECK_ERRNO_FOR(readlinkat(AT_FDCWD, at("long"), unwritable[i], 16), EFAULT,
                        names[i]);
    /* Only what the link holds is written: six bytes fit before the unmapped page. */
    char *end = straddling(16, 8);
    memset(end, '#', 8);
    CHECK_EQ(readlinkat(AT_FDCWD, at("short"), end, 16), 6);
    CHECK(memcmp(end, "six-by##", 8) == 0);
}

static void utimensat_with_bad_times_is_efault(void) {
    CHECK_EQ(write_file(at("f"), "x"), 0);
    struct timespec times[2] = {{100, 1}, {200, 2}};
    CHECK_EQ(utimensat(AT_FDCWD, at("f"), times, 0), 0);
    void *unreadable[] = {unmapped_page, KERNEL_HALF,
                          straddling(2 * sizeof(struct timespec), 8)};
    static const char *const names[] = {" (unmapped)", " (kernel half)", " (straddling)"};
    for (unsigned i = 0; i < sizeof unreadable / sizeof unreadable[0]; i++) {
        CHECK_ERRNO_FOR(syscall(SYS_utimensat, AT_FDCWD, at("f"), unreadable[i], 0), EFAULT,
                        names[i]);
        CHECK_ERRNO_FOR(futimens_raw(at("f"), unreadable[i]), EFAULT, names[i]);
    }
    struct stat st;
    CHECK_EQ(stat(at("f"), &st), 0);
    CHECK_EQ(st.st_atim.tv_sec, 100);
    CHECK_EQ(st.st_mtim.tv_sec, 200);
    CHECK_EQ(st.st_mtim.tv_nsec, 2);
    /* Times need only be readable: a read-only page of zeroes is the epoch. */
    CHECK_EQ(syscall(SYS_utimensat, AT_FDCWD, at("f"), read_only_page, 0), 0);
    CHECK_EQ(stat(at("f"), &st), 0);
    CHECK_EQ(st.st_atim.tv_sec, 0);
    CHECK_EQ(st.st_mtim.tv_sec, 0);
    CHECK_EQ(st.st_mtim.tv_nsec, 0);
}

static void statfs_with_bad_buffers_is_efault(void) {
    int fd = open(top, O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    void *unwritable[] = {NULL, unmapped_page, KERNEL_HALF, read_only_page,
                          straddling(sizeof(struct statfs), 8)};
    static const char *const names[] = {" (NULL)", " (unmapped)", " (kernel half)",
                                        " (read-only)", " (straddling)"};
    for (unsigned i = 0; i < sizeof unwritable / sizeof unwritable[0]; i++) {
        CHECK_ERRNO_FOR(syscall(SYS_statfs, "/tmp", unwritable[i]), EFAULT, names[i]);
        CHECK_ERRNO_FOR(syscall(SYS_fstatfs, fd, unwritable[i]), EFAULT, names[i]);
    }
    close(fd);
}

static void a_path_running_into_an_unmapped_page_is_efault(void) {
    /* The same name NUL-terminated in the page's last byte is fine. */
    const char *name = at("edge");
    size_t length = strlen(name) + 1;
    char *edge = unmapped_page - length;
    memcpy(edge, name, length);
    int fd = open(edge, O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0);
    close(fd);
    CHECK_EQ(lstat_mode(name), S_IFREG | 0644);
    /* Without the NUL it runs into the unmapped page. */
    edge[length - 1] = 'x';
    CHECK_ERRNO(open(edge, O_RDONLY), EFAULT);
    CHECK_ERRNO(open(edge, O_WRONLY | O_CREAT, 0644), EFAULT);
    CHECK_ERRNO(unlink(edge), EFAULT);
    CHECK_ERRNO(mkdir(edge, 0755), EFAULT);
    CHECK_ERRNO(rename(name, edge), EFAULT);
    CHECK_ERRNO(symlink(edge, at("l")), EFAULT);
    CHECK_ERRNO(lstat_mode(edge), EFAULT);
    CHECK_EQ(lstat_mode(name), S_IFREG | 0644);
    CHECK_ERRNO(lstat_mode(at("edgex")), ENOENT);
    CHECK_ERRNO(lstat_mode(at("l")), ENOENT);
    edge[length - 1] = 0;
    CHECK_EQ(unlink(edge), 0);
    CHECK_ERRNO(lstat_mode(name), ENOENT);
}

/* ---- cleaning up ---- */

/* Removes everything under `path`; returns how many entries were left. */
static int remove_contents(const char *path) {
    for (int pass = 0; pass < 4; pass++) {
        DIR *dir = opendir(path);
        if (dir == NULL)
            return -1;
        int removed = 0, left = 0;
        struct dirent *entry;
        while ((entry = readdir(dir)) != NULL) {
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                continue;
            char child[1024];
            snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
            struct stat st;
            int ok = lstat(child, &st) == 0;
            if (ok && S_ISDIR(st.st_mode))
                ok = remove_contents(child) == 0 && rmdir(child) == 0;
            else if (ok)
                ok = unlink(child) == 0;
            removed += ok;
            left += !ok;
        }
        closedir(dir);
        if (left == 0 && removed == 0)
            return 0;
    }
    return 1;
}

static void clean_up(void) {
    for (int fd = first_free_fd; fd < first_free_fd + 64; fd++)
        close(fd);
    if (chdir("/") != 0 || chmod(top, 0700) != 0 || remove_contents(top) != 0) {
        failures++;
        printf("test " SUITE "::clean_up ... FAILED (%s is not empty)\n", top);
        fflush(stdout);
    }
    umask(022);
}

static void everything_created_is_removed(void) {
    CHECK_EQ(entries_in(top), 2);
    CHECK_EQ(rmdir(top), 0);
    CHECK_ERRNO(lstat_mode(top), ENOENT);
}

#define RUN_CLEAN(test)                                                                       \
    do {                                                                                      \
        RUN(test);                                                                            \
        clean_up();                                                                           \
    } while (0)

int main(void) {
    if (set_up_pages() != 0) {
        printf("test " SUITE "::set_up ... FAILED (mmap)\n");
        return 1;
    }
    umask(022);
    strcpy(top, "/tmp/tmpfs-test-XXXXXX");
    if (mkdtemp(top) == NULL) {
        printf("test " SUITE "::set_up ... FAILED (mkdtemp: errno %d)\n", errno);
        return 1;
    }
    first_free_fd = open("/", O_RDONLY | O_DIRECTORY);
    close(first_free_fd);
    RUN_CLEAN(create_exclusive_refuses_an_existing_name);
    RUN_CLEAN(truncating_open_empties_the_file);
    RUN_CLEAN(appending_writes_go_to_the_end);
    RUN_CLEAN(creation_mode_is_masked_by_the_umask);
    RUN_CLEAN(written_bytes_read_back_and_eof_reads_nothing);
    RUN_CLEAN(pread_and_pwrite_leave_the_offset_alone);
    RUN_CLEAN(seeking_past_the_end_then_writing_leaves_zeroes);
    RUN_CLEAN(a_large_file_written_in_odd_chunks_reads_back);
    RUN_CLEAN(opening_the_wrong_kind_of_file_is_refused);
    RUN_CLEAN(descriptors_share_an_offset_only_when_duplicated);
    RUN_CLEAN(truncation_grows_with_zeroes_and_shrinks);
    RUN_CLEAN(truncation_refuses_read_only_descriptors_and_bad_lengths);
    RUN_CLEAN(mkdir_creates_directories_and_refuses_bad_names);
    RUN_CLEAN(rmdir_removes_only_empty_directories);
    RUN_CLEAN(unlinkat_needs_removedir_for_directories);
    RUN_CLEAN(an_unlinked_file_lives_while_open);
    RUN_CLEAN(rename_replaces_a_file);
    RUN_CLEAN(renameat2_refuses_to_replace_or_exchanges);
    RUN_CLEAN(renaming_directories_keeps_the_tree_a_tree);
    RUN_CLEAN(hard_links_share_an_inode);
    RUN_CLEAN(readlink_returns_the_target_without_a_nul);
    RUN_CLEAN(lstat_sees_the_link_and_stat_its_target);
    RUN_CLEAN(opening_follows_links_unless_told_not_to);
    RUN_CLEAN(chmod_changes_permission_bits_only);
    RUN_CLEAN(utimensat_sets_explicit_current_and_omitted_times);
    RUN_CLEAN(futimens_sets_times_through_a_descriptor);
    RUN_CLEAN(access_checks_existence_and_root_permissions);
    RUN_CLEAN(readdir_lists_names_with_their_types);
    RUN_CLEAN(getdents64_continues_across_calls_and_checks_its_buffer);
    RUN_CLEAN(chdir_and_fchdir_move_relative_paths);
    RUN_CLEAN(a_removed_working_directory_takes_nothing_new);
    RUN_CLEAN(openat_resolves_relative_to_a_directory);
    RUN_CLEAN(fsync_and_statfs_succeed);
    RUN_CLEAN(path_arguments_with_bad_pointers_are_efault);
    RUN_CLEAN(two_path_calls_with_bad_pointers_are_efault);
    RUN_CLEAN(readlinkat_with_bad_buffers_is_efault);
    RUN_CLEAN(utimensat_with_bad_times_is_efault);
    RUN_CLEAN(statfs_with_bad_buffers_is_efault);
    RUN_CLEAN(a_path_running_into_an_unmapped_page_is_efault);
    RUN(everything_created_is_removed);
    return failures != 0;
}
