/* test-glibc: a C program built with gcc against glibc, static (or static-PIE, the same source
 * with SUITE "glibc_pie"), run unmodified: startup (IRELATIVE string routines, TLS), the heap,
 * stdio, fork/exec/wait, pipes, clocks and the errno values glibc hands back. The same binary
 * passes under Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#ifndef SUITE
#define SUITE "glibc"
#endif

/* Programs this one runs, beside it in the initramfs (and in the Linux initramfs). */
#define BSS_ONLY "/bin/bss-only"

static __thread int initialised_tls = 42;
static __thread char zeroed_tls[256];

static void heap_blocks_keep_their_contents(void) {
    enum { COUNT = 40 };
    unsigned char *blocks[COUNT];
    for (int i = 0; i < COUNT; i++) {
        size_t size = (size_t)1 << (i % 21); /* 1 byte to 1 MiB: brk and mmap */
        blocks[i] = malloc(size);
        CHECK(blocks[i] != NULL);
        memset(blocks[i], i, size);
    }
    for (int i = 0; i < COUNT; i++) {
        size_t size = (size_t)1 << (i % 21);
        CHECK(blocks[i][0] == i && blocks[i][size - 1] == i);
        free(blocks[i]);
    }
    unsigned char *grown = malloc(100);
    CHECK(grown != NULL);
    memset(grown, 0x5a, 100);
    grown = realloc(grown, 4 << 20);
    CHECK(grown != NULL);
    CHECK(grown[0] == 0x5a && grown[99] == 0x5a);
    free(grown);
    unsigned long *zeroed = calloc(1 << 16, sizeof *zeroed);
    CHECK(zeroed != NULL);
    for (int i = 0; i < 1 << 16; i++)
        CHECK(zeroed[i] == 0);
    free(zeroed);
}

/* glibc picks memcpy and friends at startup by AT_HWCAP (IRELATIVE relocations). */
static void string_routines_agree_with_byte_loops(void) {
    static unsigned char source[600], target[600];
    for (size_t i = 0; i < sizeof source; i++)
        source[i] = (unsigned char)(i * 7 + 1);
    for (size_t align = 0; align < 16; align++) {
        for (size_t len = 0; len < 300; len += 1 + len / 8) {
            memset(target, 0xee, sizeof target);
            memcpy(target + align, source + 3, len);
            for (size_t i = 0; i < len; i++)
                CHECK(target[align + i] == source[3 + i]);
            CHECK(target[align + len] == 0xee);
            char text[320];
            memset(text, 'a', len);
            text[len] = 0;
            CHECK_EQ(strlen(text), len);
            unsigned char wanted = source[3 + len / 2];
            unsigned char *first = NULL;
            for (size_t i = 0; i < len && !first; i++)
                if (target[align + i] == wanted)
                    first = target + align + i;
            CHECK(memchr(target + align, wanted, len) == first);
        }
    }
    memcpy(target, source, 500);
    memmove(target + 1, target, 500);
    CHECK(memcmp(target + 1, source, 500) == 0);
    CHECK(strcmp("kernel", "kernel") == 0 && strcmp("kernel", "kernem") < 0);
}

static void thread_local_storage_starts_from_its_template(void) {
    CHECK_EQ(initialised_tls, 42);
    for (size_t i = 0; i < sizeof zeroed_tls; i++)
        CHECK(zeroed_tls[i] == 0);
    initialised_tls = 7;
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0)
        _exit(initialised_tls == 7 ? 0 : 1);
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(initialised_tls, 7);
    initialised_tls = 42;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void formatting_and_floating_point(void) {
    char text[64];
    snprintf(text, sizeof text, "%.3f|%5d|%-4s|%x|%e", 3.14159, 42, "ab", 255, 1e10);
    CHECK(strcmp(text, "3.142|   42|ab  |ff|1.000000e+10") == 0);
    CHECK(strtod("2.5e3", NULL) == 2500.0);
    double values[] = {3.5, -1.0, 2.25, 1e9, 0.0};
    qsort(values, 5, sizeof values[0], compare_doubles);
    CHECK(values[0] == -1.0 && values[4] == 1e9);
    /* The FP registers survive a context switch to another process. */
    double sum = 0;
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        double noise = 0;
        for (int i = 0; i < 100000; i++)
            noise += i * 0.5;
        _exit(noise > 0 ? 0 : 1);
    }
    for (int i = 1; i <= 100000; i++)
        sum += 1.0 / i;
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(sum > 12.09 && sum < 12.10);
}

static void children_report_their_exit_status(void) {
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0)
        _exit(7);
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 7);
    CHECK_EQ(waitpid(child, &status, WNOHANG), -1);
    CHECK_EQ(errno, ECHILD);
}

/* The program GNU ld lays out with a bss whose file offset lies past the file's end. */
static void a_bss_only_program_runs(void) {
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        char *argv[] = {BSS_ONLY, NULL};
        execve(BSS_ONLY, argv, argv + 1);
        _exit(100 + errno);
    }
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
}

/* vfork: the child borrows the parent's memory, which is suspended until the child execs. */
static void vfork_suspends_the_parent_until_exec(void) {
    volatile int written_by_child = 0;
    pid_t child = vfork();
    CHECK(child >= 0);
    if (child == 0) {
        written_by_child = 1;
        char *argv[] = {BSS_ONLY, NULL};
        execve(BSS_ONLY, argv, argv + 1);
        _exit(100 + errno);
    }
    CHECK_EQ(written_by_child, 1);
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
}

/* glibc's posix_spawn is clone(CLONE_VM | CLONE_VFORK) on a stack of its own; a failed exec
 * comes back through the shared memory as posix_spawn's result. */
static void posix_spawn_runs_a_program_and_reports_a_missing_one(void) {
    char *argv[] = {BSS_ONLY, NULL};
    pid_t child;
    CHECK_EQ(posix_spawn(&child, BSS_ONLY, NULL, NULL, argv, argv + 1), 0);
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char *missing[] = {"/no/such/program", NULL};
    CHECK_EQ(posix_spawn(&child, missing[0], NULL, NULL, missing, missing + 1), ENOENT);
}

/* glibc's fork asks the kernel to store the child's thread id in the child's thread block
 * (CLONE_CHILD_SETTID); a process's one thread has the process's id. */
static void a_child_knows_its_own_ids(void) {
    pid_t parent = getpid();
    CHECK_EQ(gettid(), parent);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0)
        _exit(gettid() == getpid() && getppid() == parent ? 0 : 1);
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void a_pipe_carries_everything_in_order(void) {
    int ends[2];
    CHECK(pipe(ends) == 0);
    enum { TOTAL = 200000 };
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        close(ends[0]);
        unsigned char chunk[1000];
        for (int done = 0; done < TOTAL; done += sizeof chunk) {
            for (size_t i = 0; i < sizeof chunk; i++)
                chunk[i] = (unsigned char)((done + i) % 251);
            if (write(ends[1], chunk, sizeof chunk) != sizeof chunk)
                _exit(1);
        }
        _exit(0);
    }
    close(ends[1]);
    long received = 0;
    unsigned char buffer[4096];
    ssize_t got;
    while ((got = read(ends[0], buffer, sizeof buffer)) > 0) {
        for (ssize_t i = 0; i < got; i++)
            CHECK(buffer[i] == (received + i) % 251);
        received += got;
    }
    close(ends[0]);
    CHECK_EQ(got, 0);
    CHECK_EQ(received, TOTAL);
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void the_monotonic_clock_counts_a_sleep(void) {
    struct timespec before, after;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &before) == 0);
    struct timespec nap = {0, 20 * 1000 * 1000};
    CHECK(nanosleep(&nap, NULL) == 0);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &after) == 0);
    long long elapsed = (after.tv_sec - before.tv_sec) * 1000000000LL +
                        (after.tv_nsec - before.tv_nsec);
    CHECK(elapsed >= 20 * 1000 * 1000);
    CHECK(elapsed < 5LL * 1000 * 1000 * 1000);
}

/* glibc passes the kernel's errors through: bad descriptors, missing files, bad pointers. */
static void errors_arrive_as_errno(void) {
    /* Hidden from the compiler, which rightly refuses a literal NULL buffer. */
    const void *volatile null = NULL;
    errno = 0;
    CHECK_EQ(open("/no/such/file", O_RDONLY), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(close(-1), -1);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(write(1, null, 1), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(write(1, (const void *)0xffff000000001000UL, 1), -1);
    CHECK_EQ(errno, EFAULT);
    struct stat status;
    CHECK_EQ(stat("/bin", (struct stat *)0x10), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK(stat("/bin", &status) == 0 && S_ISDIR(status.st_mode));
}

static void anonymous_mappings_are_zero_and_writable(void) {
    size_t size = 3 * 4096 + 100;
    unsigned char *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(map != MAP_FAILED);
    CHECK(((uintptr_t)map & 4095) == 0);
    for (size_t i = 0; i < size; i++)
        CHECK(map[i] == 0);
    memset(map, 0xab, size);
    CHECK(map[size - 1] == 0xab);
    CHECK(mprotect(map, 4096, PROT_READ) == 0);
    CHECK(munmap(map, size) == 0);
}

int main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    RUN(heap_blocks_keep_their_contents);
    RUN(string_routines_agree_with_byte_loops);
    RUN(thread_local_storage_starts_from_its_template);
    RUN(formatting_and_floating_point);
    RUN(children_report_their_exit_status);
    RUN(a_bss_only_program_runs);
    RUN(vfork_suspends_the_parent_until_exec);
    RUN(posix_spawn_runs_a_program_and_reports_a_missing_one);
    RUN(a_child_knows_its_own_ids);
    RUN(a_pipe_carries_everything_in_order);
    RUN(the_monotonic_clock_counts_a_sleep);
    RUN(errors_arrive_as_errno);
    RUN(anonymous_mappings_are_zero_and_writable);
    return failures != 0;
}
