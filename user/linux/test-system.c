/* test-system: the smaller calls C programs and shells make, built static with gcc and run
 * unmodified: fcntl, ioctl on any descriptor, poll/ppoll and select, user and group ids,
 * process groups and sessions, wait4 by process group, resource limits, CPU time and usage,
 * times, umask, CPU affinity, madvise, msync, mremap, reboot's arguments and the console's
 * terminal ioctls, each
 * pointer argument also given NULL,
 * unmapped, kernel-half, read-only and page-straddling addresses. The same binary passes
 * under Linux (run with a terminal as its standard output). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <poll.h>
#include <sched.h>
#include <termios.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "pointers.h"

#define SUITE "system"

static void fcntl_duplicates_and_flags(void) {
    int ends[2];
    CHECK_EQ(pipe(ends), 0);
    int high = fcntl(ends[0], F_DUPFD, 40);
    CHECK(high >= 40);
    CHECK_EQ(fcntl(high, F_GETFD), 0);
    int cloexec = fcntl(ends[0], F_DUPFD_CLOEXEC, 40);
    CHECK(cloexec > high);
    CHECK_EQ(fcntl(cloexec, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(high, F_SETFD, FD_CLOEXEC), 0);
    CHECK_EQ(fcntl(high, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(ends[0], F_GETFL) & O_ACCMODE, O_RDONLY);
    CHECK_EQ(fcntl(ends[1], F_GETFL) & O_ACCMODE, O_WRONLY);
    CHECK_EQ(fcntl(ends[0], F_SETFL, O_NONBLOCK), 0);
    CHECK(fcntl(ends[0], F_GETFL) & O_NONBLOCK);
    char byte;
    CHECK_EQ(read(ends[0], &byte, 1), -1);
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(fcntl(999, F_GETFD), -1);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(fcntl(ends[0], F_DUPFD, 1 << 20), -1);
    CHECK_EQ(errno, EINVAL);
    close(high);
    close(cloexec);
    close(ends[0]);
    close(ends[1]);
}

/* The requests Linux takes on any descriptor, not only terminals. */
static void ioctl_sets_non_blocking_and_close_on_exec_on_a_pipe(void) {
    int ends[2];
    CHECK_EQ(pipe(ends), 0);
    int on = 1;
    CHECK_EQ(ioctl(ends[0], FIONBIO, &on), 0);
    CHECK(fcntl(ends[0], F_GETFL) & O_NONBLOCK);
    char byte;
    CHECK_EQ(read(ends[0], &byte, 1), -1);
    CHECK_EQ(errno, EAGAIN);
    int off = 0;
    CHECK_EQ(ioctl(ends[0], FIONBIO, &off), 0);
    CHECK(!(fcntl(ends[0], F_GETFL) & O_NONBLOCK));
    CHECK_EQ(ioctl(ends[0], FIONBIO, unmapped_page), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(ioctl(ends[0], FIONBIO, straddling(sizeof(int), 2)), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(ioctl(ends[1], FIOCLEX), 0);
    CHECK_EQ(fcntl(ends[1], F_GETFD), FD_CLOEXEC);
    CHECK_EQ(ioctl(ends[1], FIONCLEX), 0);
    CHECK_EQ(fcntl(ends[1], F_GETFD), 0);
    struct termios settings;
    CHECK_EQ(ioctl(ends[0], TCGETS, &settings), -1);
    CHECK_EQ(errno, ENOTTY);
    close(ends[0]);
    close(ends[1]);
}

static void poll_reports_pipe_readiness(void) {
    int ends[2];
    CHECK_EQ(pipe(ends), 0);
    struct pollfd fds[3] = {{ends[0], POLLIN, 0}, {ends[1], POLLOUT, 0}, {-1, POLLIN, 0}};
    CHECK_EQ(poll(fds, 1, 0), 0);
    CHECK_EQ(poll(fds, 3, 0), 1);
    CHECK_EQ(fds[1].revents, POLLOUT);
    CHECK_EQ(fds[2].revents, 0);
    CHECK_EQ(write(ends[1], "x", 1), 1);
    CHECK_EQ(poll(fds, 1, 0), 1);
    CHECK_EQ(fds[0].revents, POLLIN);
    close(ends[1]);
    char byte;
    CHECK_EQ(read(ends[0], &byte, 1), 1);
    CHECK_EQ(poll(fds, 1, 0), 1);
    CHECK(fds[0].revents & POLLHUP);
    close(ends[0]);
    struct pollfd closed = {ends[0], POLLIN, 0};
    CHECK_EQ(poll(&closed, 1, 0), 1);
    CHECK_EQ(closed.revents, POLLNVAL);
}

static void poll_times_out(void) {
    int ends[2];
    CHECK_EQ(pipe(ends), 0);
    struct pollfd fd = {ends[0], POLLIN, 0};
    struct timespec before, after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    CHECK_EQ(poll(&fd, 1, 30), 0);
    clock_gettime(CLOCK_MONOTONIC, &after);
    long waited_ms = (after.tv_sec - before.tv_sec) * 1000 + (after.tv_nsec - before.tv_nsec) / 1000000;
    CHECK(waited_ms >= 29);
    close(ends[0]);
    close(ends[1]);
}

static volatile int alarms;

static void count_alarm(int signal) {
    (void)signal;
    alarms++;
}

static void a_signal_interrupts_poll(void) {
    int ends[2];
    CHECK_EQ(pipe(ends), 0);
    struct sigaction action = {.sa_handler = count_alarm};
    CHECK_EQ(sigaction(SIGALRM, &action, NULL), 0);
    alarms = 0;
    struct itimerval soon = {.it_value = {0, 20 * 1000}};
    CHECK_EQ(setitimer(ITIMER_REAL, &soon, NULL), 0);
    struct pollfd fd = {ends[0], POLLIN, 0};
    CHECK_EQ(poll(&fd, 1, 5000), -1);
    CHECK_EQ(errno, EINTR);
    CHECK_EQ(alarms, 1);
    signal(SIGALRM, SIG_DFL);
    close(ends[0]);
    close(ends[1]);
}

static long raw_ppoll(void *fds, long count, void *timeout, void *mask, long mask_size) {
    return syscall(SYS_ppoll, fds, count, timeout, mask, mask_size);
}

static void ppoll_with_bad_pointers_is_efault(void) {
    struct timespec zero = {0, 0};
    void *unreadable[] = {NULL, unmapped_page, KERNEL_HALF};
    for (unsigned i = 0; i < 3; i++) {
        CHECK_EQ(raw_ppoll(unreadable[i], 1, &zero, NULL, 8), -1);
        CHECK_EQ(errno, EFAULT);
        struct pollfd fd = {0, POLLOUT, 0};
        CHECK_EQ(raw_ppoll(&fd, 1, unreadable[i] ? unreadable[i] : (void *)1, NULL, 8), -1);
        CHECK_EQ(errno, EFAULT);
        CHECK_EQ(raw_ppoll(&fd, 1, &zero, unreadable[i] ? unreadable[i] : (void *)1, 8), -1);
        CHECK_EQ(errno, EFAULT);
    }
    /* The array is read, then written: a read-only one is EFAULT, a straddling one too. */
    struct pollfd *read_only = (struct pollfd *)read_only_page;
    CHECK_EQ(raw_ppoll(read_only, 1, &zero, NULL, 8), -1);
    CHECK_EQ(errno, EFAULT);
    struct pollfd *across = straddling(2 * sizeof(struct pollfd), sizeof(struct pollfd));
    across[0] = (struct pollfd){-1, POLLIN, 0};
    CHECK_EQ(raw_ppoll(across, 2, &zero, NULL, 8), -1);
    CHECK_EQ(errno, EFAULT);
    struct timespec *timeout_across = straddling(sizeof(struct timespec), 8);
    timeout_across->tv_sec = 0;
    struct pollfd fd = {-1, POLLIN, 0};
    CHECK_EQ(raw_ppoll(&fd, 1, timeout_across, NULL, 8), -1);
    CHECK_EQ(errno, EFAULT);
    sigset_t none;
    sigemptyset(&none);
    CHECK_EQ(raw_ppoll(&fd, 1, &zero, &none, 4), -1);
    CHECK_EQ(errno, EINVAL);
    /* An empty array needs no memory at all. */
    CHECK_EQ(raw_ppoll(NULL, 0, &zero, NULL, 8), 0);
}

static void everyone_is_root(void) {
    CHECK_EQ(getuid(), 0);
    CHECK_EQ(geteuid(), 0);
    CHECK_EQ(getgid(), 0);
    CHECK_EQ(getegid(), 0);
    uid_t real = 1, effective = 1, saved = 1;
    CHECK_EQ(getresuid(&real, &effective, &saved), 0);
    CHECK_EQ(real + effective + saved, 0);
    gid_t group_real = 1, group_effective = 1, group_saved = 1;
    CHECK_EQ(getresgid(&group_real, &group_effective, &group_saved), 0);
    CHECK_EQ(group_real + group_effective + group_saved, 0);
    CHECK_EQ(setuid(0), 0);
    CHECK_EQ(setgid(0), 0);
    CHECK_EQ(setresuid(-1, 0, -1), 0);
}

static void getresuid_with_bad_pointers_is_efault(void) {
    uid_t fine;
    void *unwritable[] = {NULL, unmapped_page, KERNEL_HALF, read_only_page,
                          straddling(sizeof(uid_t), 2)};
    for (unsigned i = 0; i < sizeof unwritable / sizeof unwritable[0]; i++) {
        CHECK_EQ(syscall(SYS_getresuid, &fine, &fine, unwritable[i]), -1);
        CHECK_EQ(errno, EFAULT);
        CHECK_EQ(syscall(SYS_getresgid, unwritable[i], &fine, &fine), -1);
        CHECK_EQ(errno, EFAULT);
    }
}

static int group_of_its_own(void) {
    if (setpgid(0, 0) != 0 || getpgid(0) != getpid())
        return 1;
    for (;;)
        sleep(1);
}

static int new_session(void) {
    pid_t session = setsid();
    if (session != getpid() || getsid(0) != getpid() || getpgid(0) != getpid())
        return 1;
    /* A session (and group) leader cannot start another. */
    return setsid() == -1 && errno == EPERM ? 0 : 2;
}

static void process_groups_and_sessions(void) {
    CHECK_EQ(getpgid(0), getpgrp());
    CHECK_EQ(getsid(0), getsid(getpid()));
    pid_t child = fork();
    if (child == 0)
        _exit(group_of_its_own());
    /* Whichever runs first, the child ends up in a group of its own (it never calls execve,
     * which would make this EACCES). */
    CHECK_EQ(setpgid(child, child), 0);
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    CHECK_EQ(getpgid(child), child);
    CHECK_EQ(kill(-child, SIGTERM), 0);
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ(WTERMSIG(status), SIGTERM);
    CHECK_EQ(getpgid(999999), -1);
    CHECK_EQ(errno, ESRCH);
    child = fork();
    if (child == 0)
        _exit(new_session());
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
}

static void resource_limits_read_and_lower(void) {
    struct rlimit files, lowered, back;
    CHECK_EQ(getrlimit(RLIMIT_NOFILE, &files), 0);
    CHECK(files.rlim_cur <= files.rlim_max);
    CHECK(files.rlim_cur >= 64);
    lowered = files;
    lowered.rlim_cur = 64;
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
    CHECK_EQ(getrlimit(RLIMIT_NOFILE, &back), 0);
    CHECK_EQ(back.rlim_cur, 64);
    CHECK_EQ(prlimit(0, RLIMIT_NOFILE, &files, &back), 0);
    CHECK_EQ(back.rlim_cur, 64);
    struct rlimit inverted = {files.rlim_max, 1};
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &inverted), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(getrlimit(99, &back), -1);
    CHECK_EQ(errno, EINVAL);
    struct rlimit stack;
    CHECK_EQ(getrlimit(RLIMIT_STACK, &stack), 0);
    CHECK(stack.rlim_cur >= 1 << 20);
}

static void resource_limits_with_bad_pointers_are_efault(void) {
    void *unwritable[] = {unmapped_page, KERNEL_HALF, read_only_page,
                          straddling(sizeof(struct rlimit), 8)};
    for (unsigned i = 0; i < sizeof unwritable / sizeof unwritable[0]; i++) {
        CHECK_EQ(syscall(SYS_getrlimit, RLIMIT_NOFILE, unwritable[i]), -1);
        CHECK_EQ(errno, EFAULT);
        CHECK_EQ(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, unwritable[i]), -1);
        CHECK_EQ(errno, EFAULT);
    }
    CHECK_EQ(syscall(SYS_getrlimit, RLIMIT_NOFILE, NULL), -1);
    CHECK_EQ(errno, EFAULT);
    void *unreadable[] = {unmapped_page, KERNEL_HALF, straddling(sizeof(struct rlimit), 8)};
    for (unsigned i = 0; i < sizeof unreadable / sizeof unreadable[0]; i++) {
        CHECK_EQ(syscall(SYS_prlimit64, 0, RLIMIT_CORE, unreadable[i], NULL), -1);
        CHECK_EQ(errno, EFAULT);
    }
    CHECK_EQ(syscall(SYS_setrlimit, RLIMIT_CORE, NULL), -1);
    CHECK_EQ(errno, EFAULT);
    /* A limit read from read-only memory is fine; both pointers NULL asks nothing. */
    struct rlimit *current = (struct rlimit *)read_only_page;
    CHECK_EQ(syscall(SYS_prlimit64, 0, RLIMIT_CORE, NULL, NULL), 0);
    CHECK_EQ(syscall(SYS_prlimit64, 0, RLIMIT_CORE, current, NULL), 0);
}

static void umask_swaps_the_mask(void) {
    mode_t old = umask(077);
    CHECK_EQ(umask(old), 077);
    CHECK_EQ(umask(old), old);
}

static void affinity_names_at_least_one_cpu(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK_EQ(sched_getaffinity(0, sizeof set, &set), 0);
    CHECK(CPU_COUNT(&set) >= 1);
    long written = syscall(SYS_sched_getaffinity, 0, sizeof set, &set);
    CHECK(written >= 8 && written <= (long)sizeof set);
    CHECK_EQ(syscall(SYS_sched_getaffinity, 0, 1, &set), -1);
    CHECK_EQ(errno, EINVAL);
    void *unwritable[] = {NULL, unmapped_page, KERNEL_HALF, read_only_page};
    for (unsigned i = 0; i < sizeof unwritable / sizeof unwritable[0]; i++) {
        CHECK_EQ(syscall(SYS_sched_getaffinity, 0, sizeof set, unwritable[i]), -1);
        CHECK_EQ(errno, EFAULT);
    }
}

static void select_reports_pipe_readiness_and_times_out(void) {
    int ends[2];
    CHECK_EQ(pipe(ends), 0);
    fd_set readable, writable;
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    FD_SET(ends[0], &readable);
    FD_SET(ends[1], &writable);
    struct timeval zero = {0, 0};
    /* Only the write end is ready. */
    CHECK_EQ(select(ends[1] + 1, &readable, &writable, NULL, &zero), 1);
    CHECK(!FD_ISSET(ends[0], &readable));
    CHECK(FD_ISSET(ends[1], &writable));
    CHECK_EQ(write(ends[1], "x", 1), 1);
    FD_SET(ends[0], &readable);
    CHECK_EQ(select(ends[0] + 1, &readable, NULL, NULL, &zero), 1);
    CHECK(FD_ISSET(ends[0], &readable));
    /* Nothing to read after the byte is taken: the timeout runs out, and is used up. */
    char byte;
    CHECK_EQ(read(ends[0], &byte, 1), 1);
    struct timespec timeout = {0, 30 * 1000 * 1000};
    FD_SET(ends[0], &readable);
    CHECK_EQ(syscall(SYS_pselect6, ends[0] + 1, &readable, NULL, NULL, &timeout, NULL), 0);
    CHECK(!FD_ISSET(ends[0], &readable));
    CHECK_EQ(timeout.tv_sec, 0);
    CHECK_EQ(timeout.tv_nsec, 0);
    /* A descriptor that is not open is EBADF; a negative count EINVAL. */
    close(ends[1]);
    FD_ZERO(&writable);
    FD_SET(ends[1], &writable);
    CHECK_EQ(select(ends[1] + 1, NULL, &writable, NULL, &zero), -1);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(syscall(SYS_pselect6, -1, NULL, NULL, NULL, NULL, NULL), -1);
    CHECK_EQ(errno, EINVAL);
    close(ends[0]);
}

static void pselect_with_bad_pointers_is_efault(void) {
    int ends[2];
    CHECK_EQ(pipe(ends), 0);
    struct timespec zero = {0, 0};
    void *bad[] = {unmapped_page, KERNEL_HALF, read_only_page, straddling(8, 4)};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* The sets are read and written back: each must be readable and writable. */
        for (int set = 0; set < 3; set++) {
            void *sets[3] = {NULL, NULL, NULL};
            sets[set] = bad[i];
            if (bad[i] == read_only_page)
                continue;
            CHECK_EQ(syscall(SYS_pselect6, ends[1] + 1, sets[0], sets[1], sets[2], &zero, NULL), -1);
            CHECK_EQ(errno, EFAULT);
        }
    }
    fd_set writable;
    FD_ZERO(&writable);
    FD_SET(ends[1], &writable);
    /* A read-only set that has to be written back. */
    fd_set *read_only = (fd_set *)read_only_page;
    CHECK_EQ(mprotect(read_only_page, 4096, PROT_READ | PROT_WRITE), 0);
    *read_only = writable;
    CHECK_EQ(mprotect(read_only_page, 4096, PROT_READ), 0);
    CHECK_EQ(syscall(SYS_pselect6, ends[1] + 1, NULL, read_only, NULL, &zero, NULL), -1);
    CHECK_EQ(errno, EFAULT);
    void *unreadable[] = {unmapped_page, KERNEL_HALF, straddling(16, 8)};
    for (unsigned i = 0; i < sizeof unreadable / sizeof unreadable[0]; i++) {
        CHECK_EQ(syscall(SYS_pselect6, ends[1] + 1, NULL, &writable, NULL, unreadable[i], NULL), -1);
        CHECK_EQ(errno, EFAULT);
        CHECK_EQ(syscall(SYS_pselect6, ends[1] + 1, NULL, &writable, NULL, &zero, unreadable[i]), -1);
        CHECK_EQ(errno, EFAULT);
    }
    close(ends[0]);
    close(ends[1]);
}

static void madvise_dontneed_gives_back_zeroes(void) {
    char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(page != MAP_FAILED);
    memset(page, 0x5a, 8192);
    CHECK_EQ(madvise(page, 4096, MADV_DONTNEED), 0);
    CHECK_EQ(page[0], 0);
    CHECK_EQ(page[4095], 0);
    CHECK_EQ(page[4096], 0x5a);
    CHECK_EQ(madvise(page, 8192, MADV_WILLNEED), 0);
    CHECK_EQ(madvise(page, 0, MADV_DONTNEED), 0);
    CHECK_EQ(madvise(page + 1, 4096, MADV_DONTNEED), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(madvise(page, 4096, 12345), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(munmap(page + 4096, 4096), 0);
    CHECK_EQ(madvise(page, 8192, MADV_DONTNEED), -1);
    CHECK_EQ(errno, ENOMEM);
    CHECK_EQ(munmap(page, 4096), 0);
}

static void msync_checks_its_arguments(void) {
    char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(pages != MAP_FAILED);
    CHECK_EQ(munmap(pages + 4096, 4096), 0);
    int synced = msync(pages, 4096, MS_SYNC);
    int both = msync(pages, 4096, MS_SYNC | MS_ASYNC);
    int both_errno = errno;
    int misaligned = msync(pages + 1, 4096, MS_SYNC);
    int misaligned_errno = errno;
    int gone = msync(pages, 8192, MS_ASYNC | MS_INVALIDATE);
    int gone_errno = errno;
    CHECK_EQ(munmap(pages, 4096), 0);
    CHECK_EQ(synced, 0);
    CHECK_EQ(both, -1);
    CHECK_EQ(both_errno, EINVAL);
    CHECK_EQ(misaligned, -1);
    CHECK_EQ(misaligned_errno, EINVAL);
    /* Part of the range is not mapped. */
    CHECK_EQ(gone, -1);
    CHECK_EQ(gone_errno, ENOMEM);
}

static void mremap_grows_shrinks_and_moves_keeping_the_bytes(void) {
    char *block = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(block != MAP_FAILED);
    /* The page after the first is taken: growing in place is impossible. */
    memset(block, 0x11, 4096);
    CHECK(mremap(block, 4096, 2 * 4096, 0) == MAP_FAILED);
    CHECK_EQ(errno, ENOMEM);
    CHECK_EQ(munmap(block + 4096, 4096), 0);
    /* Now the page after it is free: it grows where it is. */
    char *grown = mremap(block, 4096, 2 * 4096, 0);
    CHECK(grown == block);
    CHECK_EQ(grown[0], 0x11);
    CHECK_EQ(grown[4096], 0);
    grown[4096] = 0x22;
    /* Moved (a fixed place far away), with both pages' bytes. */
    char *place = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(place != MAP_FAILED);
    char *moved = mremap(grown, 2 * 4096, 4 * 4096, MREMAP_MAYMOVE | MREMAP_FIXED, place);
    CHECK(moved == place);
    CHECK_EQ(moved[0], 0x11);
    CHECK_EQ(moved[4096], 0x22);
    CHECK_EQ(moved[3 * 4096], 0);
    CHECK_EQ(msync(grown, 4096, MS_ASYNC), -1);
    CHECK_EQ(errno, ENOMEM);
    /* Shrunk in place. */
    CHECK(mremap(moved, 4 * 4096, 4096, 0) == moved);
    CHECK_EQ(msync(moved + 4096, 4096, MS_ASYNC), -1);
    CHECK_EQ(errno, ENOMEM);
    /* Bad requests. */
    CHECK(mremap(moved + 1, 4096, 4096, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK(mremap(moved, 4096, 0, MREMAP_MAYMOVE) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK(mremap(moved, 4096, 8192, MREMAP_FIXED, place + 8 * 4096) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK(mremap(moved, 4096, 8192, 0x100) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK(mremap(unmapped_page, 4096, 8192, MREMAP_MAYMOVE) == MAP_FAILED);
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(munmap(moved, 4096), 0);
}

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

/* MREMAP_DONTUNMAP moves the pages and leaves the old mapping in place, empty. */
static void mremap_dontunmap_leaves_the_old_mapping_empty(void) {
    unsigned char *old = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(old != MAP_FAILED);
    old[0] = 1;
    old[4096 + 5] = 2;
    unsigned char *moved = mremap(old, 2 * 4096, 2 * 4096, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
    CHECK(moved != MAP_FAILED);
    CHECK(moved != old);
    CHECK_EQ(moved[0], 1);
    CHECK_EQ(moved[4096 + 5], 2);
    CHECK_EQ(old[0], 0);
    CHECK_EQ(old[4096 + 5], 0);
    old[1] = 3;
    CHECK_EQ(moved[1], 0);
    /* Only a move of the same size. */
    CHECK(mremap(old, 2 * 4096, 4096, MREMAP_MAYMOVE | MREMAP_DONTUNMAP) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK(mremap(old, 2 * 4096, 2 * 4096, MREMAP_DONTUNMAP) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(munmap(old, 2 * 4096), 0);
    CHECK_EQ(munmap(moved, 2 * 4096), 0);
}

static void usage_and_times_are_reported(void) {
    struct rusage usage;
    CHECK_EQ(getrusage(RUSAGE_SELF, &usage), 0);
    CHECK_EQ(getrusage(RUSAGE_CHILDREN, &usage), 0);
    CHECK_EQ(syscall(SYS_getrusage, 5, &usage), -1);
    CHECK_EQ(errno, EINVAL);
    void *unwritable[] = {NULL, unmapped_page, KERNEL_HALF, read_only_page,
                          straddling(sizeof usage, 8)};
    for (unsigned i = 0; i < sizeof unwritable / sizeof unwritable[0]; i++) {
        CHECK_EQ(syscall(SYS_getrusage, RUSAGE_SELF, unwritable[i]), -1);
        CHECK_EQ(errno, EFAULT);
    }
    /* times takes NULL; any other bad buffer is EFAULT. */
    void *bad_tms[] = {unmapped_page, KERNEL_HALF, read_only_page, straddling(sizeof(struct tms), 8)};
    for (unsigned i = 0; i < sizeof bad_tms / sizeof bad_tms[0]; i++) {
        CHECK_EQ(syscall(SYS_times, bad_tms[i]), -1);
        CHECK_EQ(errno, EFAULT);
    }
    /* times counts clock ticks, 100 a second; its buffer may be NULL. */
    struct tms tms;
    long before = syscall(SYS_times, &tms);
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    long after = syscall(SYS_times, NULL);
    CHECK(after - before >= 4 && after - before <= 50);
    /* wait4 fills in the child's usage, or fails with EFAULT after reaping it. */
    pid_t child = fork();
    if (child == 0)
        _exit(3);
    int status;
    CHECK_EQ(wait4(child, &status, 0, &usage), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
    child = fork();
    if (child == 0)
        _exit(0);
    CHECK_EQ(syscall(SYS_wait4, child, &status, 0, KERNEL_HALF), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(waitpid(child, &status, WNOHANG), -1);
    CHECK_EQ(errno, ECHILD);
}

static double seconds(clockid_t clock) {
    struct timespec now;
    clock_gettime(clock, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

/* In raw mode VTIME bounds a read's wait: with VMIN 0 it returns 0 once VTIME tenths of a second
 * pass without a byte (nobody types during the tests), and at once with VTIME 0 too. */
static void a_timed_raw_read_returns_nothing_when_nobody_types(void) {
    CHECK(isatty(0));
    struct termios saved, raw;
    CHECK_EQ(tcgetattr(0, &saved), 0);
    raw = saved;
    raw.c_lflag &= ~(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 3;
    CHECK_EQ(tcsetattr(0, TCSANOW, &raw), 0);
    char byte;
    double start = seconds(CLOCK_MONOTONIC);
    ssize_t timed = read(0, &byte, 1);
    double waited = seconds(CLOCK_MONOTONIC) - start;
    raw.c_cc[VTIME] = 0;
    CHECK_EQ(tcsetattr(0, TCSANOW, &raw), 0);
    start = seconds(CLOCK_MONOTONIC);
    ssize_t polled = read(0, &byte, 1);
    double polled_for = seconds(CLOCK_MONOTONIC) - start;
    CHECK_EQ(tcsetattr(0, TCSANOW, &saved), 0);
    CHECK_EQ(timed, 0);
    CHECK(waited >= 0.25 && waited < 2);
    CHECK_EQ(polled, 0);
    CHECK(polled_for < 0.25);
}

static double timeval_seconds(struct timeval t) {
    return t.tv_sec + t.tv_usec / 1e6;
}

/* Spins in user space for `duration` seconds of wall time. */
static void spin_in_user_space(double duration) {
    volatile unsigned long sink = 0;
    double end = seconds(CLOCK_MONOTONIC) + duration;
    while (seconds(CLOCK_MONOTONIC) < end)
        for (int i = 0; i < 10000; i++)
            sink += i;
}

/* The kernel counts the CPU time it spends and the time user space spends apart; the bounds are
 * loose because the machine running QEMU may be busy (a spin of 0.4 s of wall time may get only
 * part of a CPU), but a clock that never advances fails them. */
static void cpu_time_is_counted_as_user_or_system(void) {
    struct tms start, end;
    times(&start);
    spin_in_user_space(0.4);
    char buffer[65536];
    int zero = open("/dev/zero", O_RDONLY);
    CHECK(zero >= 0);
    double stop = seconds(CLOCK_MONOTONIC) + 0.4;
    while (seconds(CLOCK_MONOTONIC) < stop)
        for (int i = 0; i < 16; i++)
            CHECK_EQ(read(zero, buffer, sizeof buffer), (ssize_t)sizeof buffer);
    close(zero);
    times(&end);
    long ticks = sysconf(_SC_CLK_TCK);
    CHECK_EQ(ticks, 100);
    CHECK(end.tms_utime - start.tms_utime >= 5);
    CHECK(end.tms_stime - start.tms_stime >= 2);
    struct rusage self, thread;
    CHECK_EQ(getrusage(RUSAGE_SELF, &self), 0);
    CHECK_EQ(getrusage(RUSAGE_THREAD, &thread), 0);
    CHECK(timeval_seconds(self.ru_utime) >= 0.05);
    CHECK(timeval_seconds(self.ru_stime) >= 0.02);
    CHECK(self.ru_utime.tv_usec < 1000000 && self.ru_stime.tv_usec < 1000000);
    /* A single-threaded process: the thread's time is the process's. */
    CHECK(timeval_seconds(thread.ru_utime) >= 0.05);
    CHECK(timeval_seconds(thread.ru_utime) <= timeval_seconds(self.ru_utime) + 0.02);
    /* Nobody else ran here, so the CPU time cannot exceed the wall time by much. */
    CHECK(timeval_seconds(self.ru_utime) + timeval_seconds(self.ru_stime) <=
          seconds(CLOCK_MONOTONIC) + 1);
}

/* The CPU-time clocks advance while the process runs, not while it sleeps. */
static void the_cpu_time_clocks_count_running_time(void) {
    clockid_t clocks[] = {CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
    for (int c = 0; c < 2; c++) {
        double start = seconds(clocks[c]);
        spin_in_user_space(0.3);
        double spun = seconds(clocks[c]) - start;
        CHECK(spun >= 0.05 && spun <= 1.5);
        start = seconds(clocks[c]);
        struct timespec pause = {0, 200 * 1000 * 1000};
        nanosleep(&pause, NULL);
        CHECK(seconds(clocks[c]) - start < 0.05);
        struct timespec resolution;
        CHECK_EQ(clock_getres(clocks[c], &resolution), 0);
        CHECK(resolution.tv_sec == 0 && resolution.tv_nsec > 0);
    }
}

/* A child's CPU time reaches wait4's rusage, and once reaped, times() and RUSAGE_CHILDREN. */
static void a_reaped_childs_cpu_time_is_the_parents_children_time(void) {
    struct tms before, after;
    times(&before);
    pid_t child = fork();
    if (child == 0) {
        spin_in_user_space(0.4);
        _exit(0);
    }
    int status;
    struct rusage usage;
    CHECK_EQ(wait4(child, &status, 0, &usage), child);
    CHECK(WIFEXITED(status));
    CHECK(timeval_seconds(usage.ru_utime) >= 0.05);
    times(&after);
    CHECK(after.tms_cutime - before.tms_cutime >= 5);
    struct rusage children;
    CHECK_EQ(getrusage(RUSAGE_CHILDREN, &children), 0);
    CHECK(timeval_seconds(children.ru_utime) >= timeval_seconds(usage.ru_utime));
}

/* wait4's pid: 0 is any child in the caller's process group, below -1 any in that group. */
static void wait_chooses_children_by_process_group(void) {
    pid_t own_group = fork();
    if (own_group == 0) {
        setpgid(0, 0);
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
        _exit(1);
    }
    CHECK_EQ(setpgid(own_group, own_group), 0);
    pid_t same_group = fork();
    if (same_group == 0) {
        struct timespec pause = {0, 100 * 1000 * 1000};
        nanosleep(&pause, NULL);
        _exit(2);
    }
    int status;
    CHECK_EQ(waitpid(0, &status, 0), same_group);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2);
    CHECK_EQ(waitpid(0, &status, WNOHANG), -1);
    CHECK_EQ(errno, ECHILD);
    CHECK_EQ(waitpid(-own_group, &status, 0), own_group);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    CHECK_EQ(waitpid(-99999, &status, 0), -1);
    CHECK_EQ(errno, ECHILD);
}

/* The console is every test program's terminal (standard output). */
/* reboot's arguments are C ints: glibc passes the magic numbers sign-extended (0xfee1dead is
 * negative), so only the low 32 bits may count. Ctrl-Alt-Del's setting changes nothing here
 * and succeeds, as it does under Linux; a wrong magic number or command is EINVAL. */
static void reboot_takes_its_arguments_as_ints(void) {
    CHECK_EQ(reboot(RB_DISABLE_CAD), 0);
    long magic1 = (int)LINUX_REBOOT_MAGIC1;
    CHECK(magic1 < 0);
    CHECK_EQ(syscall(SYS_reboot, magic1, LINUX_REBOOT_MAGIC2,
                     0x7fffffff00000000L | LINUX_REBOOT_CMD_CAD_OFF, 0),
             0);
    CHECK_EQ(syscall(SYS_reboot, 0x1234L, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, 0), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(syscall(SYS_reboot, magic1, LINUX_REBOOT_MAGIC2, 0x12345678L, 0), -1);
    CHECK_EQ(errno, EINVAL);
}

static void the_console_is_a_terminal_with_termios(void) {
    CHECK(isatty(1));
    struct termios saved, changed, seen;
    CHECK_EQ(tcgetattr(1, &saved), 0);
    CHECK(saved.c_cflag & CREAD);
    changed = saved;
    changed.c_lflag &= ~(ICANON | ECHO);
    changed.c_cc[VMIN] = 1;
    CHECK_EQ(tcsetattr(1, TCSANOW, &changed), 0);
    CHECK_EQ(tcgetattr(1, &seen), 0);
    CHECK_EQ(seen.c_lflag, changed.c_lflag);
    CHECK_EQ(tcsetattr(1, TCSAFLUSH, &saved), 0);
    CHECK_EQ(tcgetattr(1, &seen), 0);
    CHECK_EQ(seen.c_lflag, saved.c_lflag);
    struct winsize size;
    CHECK_EQ(ioctl(1, TIOCGWINSZ, &size), 0);
    CHECK(size.ws_row > 0 && size.ws_col > 0);
    /* The foreground group is one of this session's, and it can be set to our own group. */
    pid_t foreground = tcgetpgrp(1);
    CHECK(foreground > 0);
    CHECK_EQ(tcsetpgrp(1, getpgrp()), 0);
    CHECK_EQ(tcgetpgrp(1), getpgrp());
    CHECK_EQ(tcsetpgrp(1, 99999), -1);
    CHECK_EQ(errno, ESRCH);
    CHECK_EQ(tcsetpgrp(1, foreground), 0);
    /* A pipe is no terminal. */
    int ends[2];
    CHECK_EQ(pipe(ends), 0);
    CHECK_EQ(tcgetattr(ends[0], &seen), -1);
    CHECK_EQ(errno, ENOTTY);
    close(ends[0]);
    close(ends[1]);
    /* The kernel's struct termios (36 bytes) is smaller than glibc's. */
    struct {
        unsigned long request;
        size_t size;
    } requests[] = {{TCSETS, 36}, {TIOCGWINSZ, sizeof size}, {TIOCGPGRP, sizeof(pid_t)}};
    for (unsigned r = 0; r < sizeof requests / sizeof requests[0]; r++) {
        void *bad[] = {NULL, unmapped_page, KERNEL_HALF, straddling(requests[r].size, 2)};
        for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            CHECK_EQ(ioctl(1, requests[r].request, bad[i]), -1);
            CHECK_EQ(errno, EFAULT);
        }
    }
    CHECK_EQ(ioctl(1, TIOCGWINSZ, read_only_page), -1);
    CHECK_EQ(errno, EFAULT);
}

int main(void) {
    if (set_up_pages() != 0) {
        printf("test " SUITE "::set_up ... FAILED (mmap)\n");
        return 1;
    }
    RUN(fcntl_duplicates_and_flags);
    RUN(ioctl_sets_non_blocking_and_close_on_exec_on_a_pipe);
    RUN(poll_reports_pipe_readiness);
    RUN(poll_times_out);
    RUN(a_signal_interrupts_poll);
    RUN(ppoll_with_bad_pointers_is_efault);
    RUN(everyone_is_root);
    RUN(getresuid_with_bad_pointers_is_efault);
    RUN(process_groups_and_sessions);
    RUN(resource_limits_read_and_lower);
    RUN(resource_limits_with_bad_pointers_are_efault);
    RUN(umask_swaps_the_mask);
    RUN(reboot_takes_its_arguments_as_ints);
    RUN(affinity_names_at_least_one_cpu);
    RUN(select_reports_pipe_readiness_and_times_out);
    RUN(pselect_with_bad_pointers_is_efault);
    RUN(madvise_dontneed_gives_back_zeroes);
    RUN(msync_checks_its_arguments);
    RUN(mremap_grows_shrinks_and_moves_keeping_the_bytes);
    RUN(mremap_dontunmap_leaves_the_old_mapping_empty);
    RUN(usage_and_times_are_reported);
    RUN(cpu_time_is_counted_as_user_or_system);
    RUN(the_cpu_time_clocks_count_running_time);
    RUN(a_reaped_childs_cpu_time_is_the_parents_children_time);
    RUN(wait_chooses_children_by_process_group);
    RUN(a_timed_raw_read_returns_nothing_when_nobody_types);
    RUN(the_console_is_a_terminal_with_termios);
    return failures != 0;
}
