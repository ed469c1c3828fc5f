/* test-proc: /proc as programs such as ps, top and shells read it, built static with gcc and
 * run unmodified: /proc/self, a directory per process (listed while the process exists, until
 * it is reaped), its stat and status (state, parent, threads), cmdline, comm, exe, cwd, fd/
 * and maps, and the machine's meminfo, uptime, stat, loadavg and mounts. The same binary passes
 * under Linux. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "pointers.h"

#define SUITE "proc"

static const char *self;

/* The whole of a /proc file (which reports no size) as a string; empty if it cannot be read. */
static char *slurp(const char *path) {
    static char text[8192];
    text[0] = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return text;
    size_t length = 0;
    ssize_t got;
    while (length < sizeof text - 1 && (got = read(fd, text + length, sizeof text - 1 - length)) > 0)
        length += got;
    text[length] = 0;
    close(fd);
    return text;
}

static char *slurp_of(pid_t pid, const char *file) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
    return slurp(path);
}

/* Field `index` (1-based, as proc(5) counts; not 2, the name) of /proc/<pid>/stat, with the
 * state (field 3) at `state` if asked; 0 if there is no such field. */
static long stat_field(pid_t pid, int index, char *state) {
    char *text = slurp_of(pid, "stat");
    char *after_name = strrchr(text, ')');
    if (after_name == NULL)
        return 0;
    if (index == 1)
        return strtol(text, NULL, 10);
    if (state)
        *state = after_name[2];
    char *field = after_name + 2;
    for (int i = 3; i < index; i++) {
        field = strchr(field, ' ');
        if (field == NULL)
            return 0;
        field++;
    }
    return strtol(field, NULL, 10);
}

static char state_of(pid_t pid) {
    char state = '?';
    stat_field(pid, 3, &state);
    return state;
}

static int is_listed(pid_t pid) {
    char name[16];
    snprintf(name, sizeof name, "%d", pid);
    DIR *proc = opendir("/proc");
    if (proc == NULL)
        return -1;
    int found = 0;
    struct dirent *entry;
    while ((entry = readdir(proc)) != NULL)
        found |= strcmp(entry->d_name, name) == 0;
    closedir(proc);
    return found;
}

static void sleep_ms(long ms) {
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&pause, NULL);
}

/* Waits (at most two seconds) for `pid` to reach `state`; returns the state it was last in. */
static char wait_for_state(pid_t pid, char state) {
    char now = state_of(pid);
    for (int i = 0; i < 200 && now != state; i++) {
        sleep_ms(10);
        now = state_of(pid);
    }
    return now;
}

static void self_leads_to_the_readers_own_directory(void) {
    char link[32], expected[32];
    ssize_t length = readlink("/proc/self", link, sizeof link - 1);
    CHECK(length > 0);
    link[length] = 0;
    snprintf(expected, sizeof expected, "%d", getpid());
    CHECK(strcmp(link, expected) == 0);
    struct stat by_self, by_pid;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d", getpid());
    CHECK_EQ(stat("/proc/self", &by_self), 0);
    CHECK_EQ(stat(path, &by_pid), 0);
    CHECK(S_ISDIR(by_pid.st_mode));
    CHECK_EQ(by_self.st_ino, by_pid.st_ino);
    CHECK_EQ(is_listed(getpid()), 1);
}

static void exe_comm_and_cwd_describe_the_program(void) {
    char link[256];
    ssize_t length = readlink("/proc/self/exe", link, sizeof link - 1);
    CHECK(length > 0);
    link[length] = 0;
    CHECK(strcmp(link, self) == 0);
    const char *base = strrchr(self, '/') ? strrchr(self, '/') + 1 : self;
    char expected[64];
    snprintf(expected, sizeof expected, "%s\n", base);
    CHECK(strcmp(slurp("/proc/self/comm"), expected) == 0);
    CHECK_EQ(chdir("/tmp"), 0);
    length = readlink("/proc/self/cwd", link, sizeof link - 1);
    CHECK_EQ(chdir("/"), 0);
    CHECK_EQ(length, 4);
    CHECK(memcmp(link, "/tmp", 4) == 0);
    /* readlink's buffer is as hostile as any other. */
    void *bad[] = {NULL, unmapped_page, KERNEL_HALF, read_only_page};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(readlink("/proc/self/exe", bad[i], 64), -1);
        CHECK_EQ(errno, EFAULT);
    }
    size_t exe_length = strlen(self);
    CHECK_EQ(readlink("/proc/self/exe", straddling(exe_length, 4), exe_length), -1);
    CHECK_EQ(errno, EFAULT);
}

static void stat_and_status_describe_the_reader(void) {
    char state = '?';
    CHECK_EQ(stat_field(getpid(), 1, NULL), getpid());
    CHECK_EQ(stat_field(getpid(), 4, &state), getppid());
    CHECK_EQ(state, 'R');
    CHECK_EQ(stat_field(getpid(), 5, NULL), getpgrp());
    CHECK_EQ(stat_field(getpid(), 6, NULL), getsid(0));
    CHECK_EQ(stat_field(getpid(), 20, NULL), 1);
    CHECK(stat_field(getpid(), 23, NULL) > 0);
    mode_t old = umask(027);
    char *status = slurp("/proc/self/status");
    umask(old);
    char line[64];
    snprintf(line, sizeof line, "\nPid:\t%d\n", getpid());
    CHECK(strstr(status, line) != NULL);
    snprintf(line, sizeof line, "\nPPid:\t%d\n", getppid());
    CHECK(strstr(status, line) != NULL);
    snprintf(line, sizeof line, "\nTgid:\t%d\n", getpid());
    CHECK(strstr(status, line) != NULL);
    CHECK(strstr(status, "\nState:\tR (running)\n") != NULL);
    CHECK(strstr(status, "\nUmask:\t0027\n") != NULL);
    CHECK(strstr(status, "\nThreads:\t1\n") != NULL);
    CHECK(strncmp(status, "Name:\t", 6) == 0);
}

/* A child is listed from its fork to its reaping, and /proc says what it is doing: sleeping,
 * stopped, a zombie. */
static void a_childs_directory_follows_its_life(void) {
    pid_t child = fork();
    if (child == 0) {
        sleep_ms(10000);
        _exit(0);
    }
    CHECK_EQ(is_listed(child), 1);
    CHECK_EQ(wait_for_state(child, 'S'), 'S');
    CHECK_EQ(stat_field(child, 4, NULL), getpid());
    CHECK(strstr(slurp_of(child, "status"), "\nState:\tS (sleeping)\n") != NULL);
    CHECK_EQ(kill(child, SIGSTOP), 0);
    CHECK_EQ(wait_for_state(child, 'T'), 'T');
    CHECK_EQ(kill(child, SIGKILL), 0);
    CHECK_EQ(wait_for_state(child, 'Z'), 'Z');
    CHECK_EQ(is_listed(child), 1);
    CHECK_EQ(waitpid(child, NULL, 0), child);
    CHECK_EQ(is_listed(child), 0);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d", child);
    struct stat status;
    CHECK_EQ(stat(path, &status), -1);
    CHECK_EQ(errno, ENOENT);
}

/* cmdline holds the arguments execve was given, each ended by a NUL. */
static void cmdline_holds_the_arguments(void) {
    int ready[2];
    CHECK_EQ(pipe(ready), 0);
    pid_t child = fork();
    if (child == 0) {
        char fd[16];
        snprintf(fd, sizeof fd, "%d", ready[1]);
        execl(self, "proc-child", "wait", fd, "two words", (char *)NULL);
        _exit(127);
    }
    close(ready[1]);
    char byte;
    CHECK_EQ(read(ready[0], &byte, 1), 1);
    close(ready[0]);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", child);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    char text[128];
    ssize_t length = read(fd, text, sizeof text);
    close(fd);
    char expected[64];
    int expected_length = snprintf(expected, sizeof expected, "proc-child%cwait%c%d%ctwo words%c",
                                   0, 0, ready[1], 0, 0);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    CHECK_EQ(length, expected_length);
    CHECK(memcmp(text, expected, length) == 0);
    CHECK(strcmp(slurp_of(child, "cmdline"), "") == 0);
}

static int fd_is_listed(int wanted) {
    DIR *fds = opendir("/proc/self/fd");
    if (fds == NULL)
        return -1;
    int found = 0;
    struct dirent *entry;
    while ((entry = readdir(fds)) != NULL)
        found |= entry->d_name[0] != '.' && atoi(entry->d_name) == wanted;
    closedir(fds);
    return found;
}

static int fd_link(int fd, char *link, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(path, link, size - 1);
    if (length < 0)
        return -1;
    link[length] = 0;
    return 0;
}

/* fd/ has a link per open descriptor: a file's path, or a pipe's inode number. */
static void fd_links_to_what_each_descriptor_has_open(void) {
    int file = open("/tmp/proc-fd-test", O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(file >= 0);
    char link[128];
    CHECK_EQ(fd_link(file, link, sizeof link), 0);
    CHECK(strcmp(link, "/tmp/proc-fd-test") == 0);
    /* A descriptor number opendir cannot take for itself once it is closed. */
    CHECK_EQ(dup2(file, 60), 60);
    CHECK_EQ(fd_is_listed(60), 1);
    CHECK_EQ(fd_link(60, link, sizeof link), 0);
    CHECK(strcmp(link, "/tmp/proc-fd-test") == 0);
    int ends[2];
    CHECK_EQ(pipe(ends), 0);
    struct stat status;
    CHECK_EQ(fstat(ends[0], &status), 0);
    char expected[64];
    snprintf(expected, sizeof expected, "pipe:[%lu]", (unsigned long)status.st_ino);
    CHECK_EQ(fd_link(ends[1], link, sizeof link), 0);
    CHECK(strcmp(link, expected) == 0);
    close(ends[0]);
    close(ends[1]);
    close(file);
    close(60);
    unlink("/tmp/proc-fd-test");
    CHECK_EQ(fd_is_listed(60), 0);
    CHECK_EQ(fd_link(60, link, sizeof link), -1);
    CHECK_EQ(errno, ENOENT);
}

static void maps_shows_the_code_and_the_stack(void) {
    char *maps = slurp("/proc/self/maps");
    CHECK(strstr(maps, "[stack]") != NULL);
    unsigned long code = (unsigned long)&maps_shows_the_code_and_the_stack;
    int found = 0;
    for (char *line = maps; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        unsigned long start, end;
        char permissions[5];
        if (sscanf(line, "%lx-%lx %4s", &start, &end, permissions) == 3 && start <= code &&
            code < end)
            found = strcmp(permissions, "r-xp") == 0;
    }
    CHECK(found);
}

static void the_machine_files_have_linux_formats(void) {
    unsigned long total = 0, free_kib = 0;
    char *meminfo = slurp("/proc/meminfo");
    CHECK(sscanf(meminfo, "MemTotal: %lu kB\nMemFree: %lu kB", &total, &free_kib) == 2);
    CHECK(total > 0 && free_kib > 0 && free_kib <= total);
    double up, idle;
    CHECK(sscanf(slurp("/proc/uptime"), "%lf %lf", &up, &idle) == 2);
    CHECK(up > 0);
    CHECK(strstr(slurp("/proc/mounts"), " /proc proc ") != NULL);
    CHECK(strstr(slurp("/proc/cpuinfo"), "processor\t: 0\n") != NULL);
}

/* The CPU's user time in /proc/stat, in clock ticks. */
static long machine_user_ticks(void) {
    long user = -1, nice, system, idle;
    if (sscanf(slurp("/proc/stat"), "cpu %ld %ld %ld %ld", &user, &nice, &system, &idle) != 4)
        return -1;
    return user;
}

/* /proc/stat counts the CPU's time, /proc/uptime its idle time, /proc/loadavg what runs. */
static void the_machine_counts_its_time_and_load(void) {
    long before = machine_user_ticks();
    CHECK(before >= 0);
    volatile unsigned long sink = 0;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        for (int i = 0; i < 10000; i++)
            sink += i;
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((now.tv_sec - start.tv_sec) * 1000000000L + now.tv_nsec - start.tv_nsec < 300000000L);
    CHECK(machine_user_ticks() - before >= 5);
    CHECK(strstr(slurp("/proc/stat"), "\ncpu0 ") != NULL);
    double up, idle;
    CHECK(sscanf(slurp("/proc/uptime"), "%lf %lf", &up, &idle) == 2);
    CHECK(idle >= 0 && idle <= up);
    double loads[3];
    int running, threads, last_pid;
    CHECK(sscanf(slurp("/proc/loadavg"), "%lf %lf %lf %d/%d %d", &loads[0], &loads[1], &loads[2],
                 &running, &threads, &last_pid) == 6);
    CHECK(loads[0] >= 0 && loads[1] >= 0 && loads[2] >= 0);
    CHECK(running >= 1 && running <= threads);
    CHECK(last_pid >= getpid());
}

/* /proc is the kernel's to fill: nothing is created, removed or moved in it. */
static void nothing_can_be_created_or_removed_in_proc(void) {
    CHECK_EQ(open("/proc/new-file", O_CREAT | O_WRONLY, 0644), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(mkdir("/proc/new-directory", 0755), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(unlink("/proc/meminfo"), -1);
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(rmdir("/proc/self/fd"), -1);
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(mkdir("/tmp/proc-rename-test", 0755), 0);
    CHECK_EQ(rename("/tmp/proc-rename-test", "/proc/moved"), -1);
    CHECK_EQ(errno, EXDEV);
    CHECK_EQ(rmdir("/tmp/proc-rename-test"), 0);
}

int main(int argc, char **argv) {
    self = argv[0];
    if (argc == 4 && strcmp(argv[1], "wait") == 0) {
        /* The child of cmdline_holds_the_arguments: says it is running, then waits to die. */
        int ready = atoi(argv[2]);
        if (write(ready, "", 1) != 1)
            return 1;
        sleep_ms(10000);
        return 0;
    }
    if (set_up_pages() != 0) {
        printf("test " SUITE "::set_up ... FAILED (mmap)\n");
        return 1;
    }
    RUN(self_leads_to_the_readers_own_directory);
    RUN(exe_comm_and_cwd_describe_the_program);
    RUN(stat_and_status_describe_the_reader);
    RUN(a_childs_directory_follows_its_life);
    RUN(cmdline_holds_the_arguments);
    RUN(fd_links_to_what_each_descriptor_has_open);
    RUN(maps_shows_the_code_and_the_stack);
    RUN(the_machine_files_have_linux_formats);
    RUN(the_machine_counts_its_time_and_load);
    RUN(nothing_can_be_created_or_removed_in_proc);
    return failures != 0;
}
