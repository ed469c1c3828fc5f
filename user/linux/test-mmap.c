/* test-mmap: mappings of files and shared memory, built static with gcc and run unmodified:
 * MAP_PRIVATE of a tmpfs file (its bytes, zeroes after its end in the last page, SIGBUS on
 * pages wholly past it, writes that stay private, offsets, fork, mremap growing into more of
 * the file, MADV_DONTNEED reading the file again), /dev/zero, the errors for what cannot be
 * mapped, system calls whose buffers are file-mapped pages not yet touched; MAP_SHARED of
 * anonymous memory, of files (the same page at different addresses and in different
 * processes), POSIX shared memory (shm_open) and memfd_create; memory locks (mlock, mlock2,
 * mlockall and their undoing), mincore. The same binary passes under Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "child.h"
#include "pointers.h"

#define SUITE "mmap"

static const char *path = "/tmp/mmap-test-file";
/* Two and a half pages: page 2 ends with the file. */
#define FILE_SIZE (2 * 4096 + 2048)

static unsigned char pattern(size_t offset) {
    return (unsigned char)(offset * 7 + offset / 4096);
}

/* Writes the test file afresh; returns a read-only descriptor for it. */
static int make_file(void) {
    static unsigned char bytes[FILE_SIZE];
    for (size_t i = 0; i < FILE_SIZE; i++)
        bytes[i] = pattern(i);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0 || write(fd, bytes, FILE_SIZE) != FILE_SIZE || close(fd) != 0)
        return -1;
    return open(path, O_RDONLY);
}

static int matches_file(const unsigned char *mapped, size_t from, size_t count) {
    for (size_t i = 0; i < count; i++)
        if (mapped[i] != pattern(from + i))
            return 0;
    return 1;
}

static void a_private_mapping_holds_the_files_bytes(void) {
    int fd = make_file();
    CHECK(fd >= 0);
    unsigned char *mapped = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(mapped != MAP_FAILED);
    CHECK(matches_file(mapped, 0, FILE_SIZE));
    /* The rest of the last page reads as zeroes. */
    for (size_t i = FILE_SIZE; i < 3 * 4096; i++)
        CHECK_EQ(mapped[i], 0);
    /* An offset maps from there on. */
    unsigned char *second = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
    CHECK(second != MAP_FAILED);
    CHECK(matches_file(second, 4096, 4096));
    CHECK_EQ(munmap(second, 4096), 0);
    CHECK_EQ(munmap(mapped, 3 * 4096), 0);
    close(fd);
}

/* Writes to a private mapping change the mapping only: not the file, not another mapping. */
static void writes_to_a_private_mapping_stay_private(void) {
    int fd = make_file();
    CHECK(fd >= 0);
    unsigned char *mine = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    unsigned char *other = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(mine != MAP_FAILED && other != MAP_FAILED);
    memset(mine, 0xee, 100);
    CHECK_EQ(mine[99], 0xee);
    CHECK(matches_file(other, 0, 4096));
    unsigned char first[100];
    CHECK_EQ(pread(fd, first, sizeof first, 0), (ssize_t)sizeof first);
    CHECK(matches_file(first, 0, sizeof first));
    /* A child sees the parent's private copy, and its own writes stay its own. */
    pid_t child = fork();
    if (child == 0) {
        int ok = mine[0] == 0xee && matches_file(mine + 100, 100, 100);
        mine[0] = 0x11;
        _exit(ok ? 0 : 1);
    }
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(mine[0], 0xee);
    /* Dropping the pages reads the file again. */
    CHECK_EQ(madvise(mine, 4096, MADV_DONTNEED), 0);
    CHECK(matches_file(mine, 0, 4096));
    munmap(mine, 4096);
    munmap(other, 4096);
    close(fd);
}

static int touch_past_the_end(void) {
    int fd = open(path, O_RDONLY);
    volatile unsigned char *mapped = mmap(NULL, 4 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapped == MAP_FAILED)
        return 2;
    return mapped[3 * 4096];
}

/* A page wholly past the end of the file is a SIGBUS; a system call given one fails. */
static void a_page_past_the_end_of_the_file_is_a_sigbus(void) {
    int fd = make_file();
    CHECK(fd >= 0);
    int status = in_child(touch_past_the_end);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ(WTERMSIG(status), SIGBUS);
    unsigned char *mapped = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(mapped != MAP_FAILED);
    int zero = open("/dev/zero", O_RDONLY);
    CHECK_EQ(read(zero, mapped + 3 * 4096, 16), -1);
    CHECK_EQ(errno, EFAULT);
    /* The last page of the file is there, zeroes after the end. */
    CHECK_EQ(read(zero, mapped + 2 * 4096 + 4000, 16), 16);
    close(zero);
    munmap(mapped, 4 * 4096);
    close(fd);
}

/* The kernel faults file pages in for a system call as it does for the program. */
static void system_calls_read_file_pages_not_yet_touched(void) {
    int fd = make_file();
    CHECK(fd >= 0);
    unsigned char *mapped = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(mapped != MAP_FAILED);
    int ends[2];
    CHECK_EQ(pipe(ends), 0);
    /* Straddling pages 0 and 1, neither touched yet. */
    CHECK_EQ(write(ends[1], mapped + 4000, 200), 200);
    unsigned char copy[200];
    CHECK_EQ(read(ends[0], copy, sizeof copy), 200);
    CHECK(matches_file(copy, 4000, 200));
    close(ends[0]);
    close(ends[1]);
    munmap(mapped, 3 * 4096);
    close(fd);
}

/* mremap grows a file mapping into more of the file, in place or moved. */
static void mremap_grows_a_file_mapping_into_more_of_the_file(void) {
    int fd = make_file();
    CHECK(fd >= 0);
    unsigned char *mapped = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(mapped != MAP_FAILED);
    unsigned char *grown = mremap(mapped, 4096, 3 * 4096, MREMAP_MAYMOVE);
    CHECK(grown != MAP_FAILED);
    CHECK(matches_file(grown, 0, FILE_SIZE));
    munmap(grown, 3 * 4096);
    close(fd);
}

static void dev_zero_maps_private_zeroes(void) {
    int fd = open("/dev/zero", O_RDWR);
    CHECK(fd >= 0);
    unsigned char *mapped = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(mapped != MAP_FAILED);
    CHECK_EQ(mapped[0], 0);
    CHECK_EQ(mapped[8191], 0);
    mapped[100] = 5;
    CHECK_EQ(mapped[100], 5);
    munmap(mapped, 8192);
    close(fd);
}

static void what_cannot_be_mapped_says_why(void) {
    int fd = make_file();
    CHECK(fd >= 0);
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    int write_only = open(path, O_WRONLY);
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, write_only, 0) == MAP_FAILED);
    CHECK_EQ(errno, EACCES);
    close(write_only);
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED);
    CHECK_EQ(errno, EBADF);
    int ends[2];
    CHECK_EQ(pipe(ends), 0);
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, ends[0], 0) == MAP_FAILED);
    CHECK_EQ(errno, ENODEV);
    close(ends[0]);
    close(ends[1]);
    int directory = open("/tmp", O_RDONLY | O_DIRECTORY);
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, directory, 0) == MAP_FAILED);
    CHECK_EQ(errno, ENODEV);
    close(directory);
    close(fd);
}

/* Shared anonymous memory is one set of pages for the parent and its children. */
static void shared_anonymous_memory_is_shared_with_children(void) {
    volatile unsigned char *shared =
        mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(shared != MAP_FAILED);
    CHECK_EQ(shared[4096], 0);
    shared[0] = 1;
    pid_t child = fork();
    if (child == 0) {
        int saw = shared[0];
        shared[4096 + 1] = 42;
        shared[0] = 2;
        _exit(saw == 1 ? 0 : 1);
    }
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(shared[0], 2);
    CHECK_EQ(shared[4096 + 1], 42);
    CHECK_EQ(munmap((void *)shared, 2 * 4096), 0);
}

/* A shared mapping is the file: writes through it are read back with read, writes with write
 * show in it, and two mappings of the file at different addresses are the same page. */
static void a_shared_file_mapping_is_the_file(void) {
    int fd = make_file();
    CHECK(fd >= 0);
    close(fd);
    fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    unsigned char *one = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    unsigned char *two = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
    CHECK(one != MAP_FAILED && two != MAP_FAILED);
    CHECK(matches_file(one, 0, FILE_SIZE));
    one[4096 + 10] = 0xab;
    CHECK_EQ(two[10], 0xab);
    unsigned char byte = 0;
    CHECK_EQ(pread(fd, &byte, 1, 4096 + 10), 1);
    CHECK_EQ(byte, 0xab);
    CHECK_EQ(pwrite(fd, "\xcd", 1, 4096 + 20), 1);
    CHECK_EQ(one[4096 + 20], 0xcd);
    CHECK_EQ(two[20], 0xcd);
    CHECK_EQ(msync(one, 3 * 4096, MS_SYNC), 0);
    /* Another process mapping the file at an address of its own shares the same page. */
    pid_t child = fork();
    if (child == 0) {
        int own = open(path, O_RDWR);
        unsigned char *mine = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, own, 4096);
        if (mine == MAP_FAILED || mine == two)
            _exit(2);
        int saw = mine[10] == 0xab;
        mine[30] = 0xef;
        _exit(saw ? 0 : 1);
    }
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(one[4096 + 30], 0xef);
    CHECK_EQ(two[30], 0xef);
    munmap(one, 3 * 4096);
    munmap(two, 4096);
    /* The bytes stay in the file once every mapping is gone. */
    CHECK_EQ(pread(fd, &byte, 1, 4096 + 30), 1);
    CHECK_EQ(byte, 0xef);
    close(fd);
}

/* A read-only descriptor maps shared only for reading; mprotect cannot add writing later. */
static void a_shared_mapping_needs_a_writable_descriptor_to_write(void) {
    int fd = make_file();
    CHECK(fd >= 0);
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EACCES);
    unsigned char *mapped = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(mapped != MAP_FAILED);
    CHECK(matches_file(mapped, 0, 4096));
    CHECK_EQ(mprotect(mapped, 4096, PROT_READ | PROT_WRITE), -1);
    CHECK_EQ(errno, EACCES);
    munmap(mapped, 4096);
    close(fd);
}

/* shm_open is glibc's open of a file in /dev/shm: two mappings of it share their pages. */
static void posix_shared_memory_is_shared(void) {
    shm_unlink("/mmap-test-shm");
    int fd = shm_open("/mmap-test-shm", O_CREAT | O_EXCL | O_RDWR, 0600);
    CHECK(fd >= 0);
    CHECK_EQ(ftruncate(fd, 8192), 0);
    unsigned char *writer = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(writer != MAP_FAILED);
    close(fd);
    pid_t child = fork();
    if (child == 0) {
        int own = shm_open("/mmap-test-shm", O_RDWR, 0);
        unsigned char *reader = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, own, 0);
        if (reader == MAP_FAILED)
            _exit(2);
        reader[8000] = 77;
        _exit(0);
    }
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(writer[8000], 77);
    CHECK_EQ(shm_unlink("/mmap-test-shm"), 0);
    CHECK_EQ(shm_open("/mmap-test-shm", O_RDWR, 0), -1);
    CHECK_EQ(errno, ENOENT);
    /* The pages outlive the name while mapped. */
    CHECK_EQ(writer[8000], 77);
    munmap(writer, 8192);
}

/* memfd_create makes an anonymous file: sized with ftruncate, mapped shared, read back. */
static void memfd_is_an_anonymous_file(void) {
    int fd = memfd_create("mmap-test", MFD_CLOEXEC);
    CHECK(fd >= 0);
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(ftruncate(fd, 4096), 0);
    unsigned char *mapped = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(mapped != MAP_FAILED);
    memcpy(mapped, "memfd", 5);
    char back[5];
    CHECK_EQ(pread(fd, back, 5, 0), 5);
    CHECK(memcmp(back, "memfd", 5) == 0);
    struct stat status;
    CHECK_EQ(fstat(fd, &status), 0);
    CHECK_EQ(status.st_size, 4096);
    CHECK(S_ISREG(status.st_mode));
    CHECK_EQ(memfd_create("bad", 0x1000), -1);
    CHECK_EQ(errno, EINVAL);
    munmap(mapped, 4096);
    close(fd);
}

/* The locked memory /proc/self/status reports (VmLck), in KiB; -1 if it says nothing. */
static long locked_kib(void) {
    char text[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    ssize_t length = fd < 0 ? -1 : read(fd, text, sizeof text - 1);
    close(fd);
    if (length <= 0)
        return -1;
    text[length] = 0;
    char *line = strstr(text, "\nVmLck:");
    return line == NULL ? -1 : strtol(line + 7, NULL, 10);
}

/* How many pages of `pages` at `memory` mincore says are present; -1 if it fails. */
static long present_pages(void *memory, size_t pages) {
    static unsigned char vector[1024];
    if (pages > sizeof vector || mincore(memory, pages * 4096, vector) != 0)
        return -1;
    long present = 0;
    for (size_t i = 0; i < pages; i++)
        present += vector[i] & 1;
    return present;
}

/* mincore reports which pages are present: only those written to in fresh anonymous memory. */
static void mincore_reports_present_pages(void) {
    unsigned char *memory = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(memory != MAP_FAILED);
    memory[4096] = 1;
    memory[3 * 4096 + 5] = 1;
    unsigned char vector[4];
    CHECK_EQ(mincore(memory, 4 * 4096, vector), 0);
    CHECK(!(vector[0] & 1) && (vector[1] & 1) && !(vector[2] & 1) && (vector[3] & 1));
    CHECK_EQ(mincore(memory + 1, 4096, vector), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(munmap(memory + 2 * 4096, 4096), 0);
    CHECK_EQ(mincore(memory, 4 * 4096, vector), -1);
    CHECK_EQ(errno, ENOMEM);
    void *bad[] = {NULL, unmapped_page, KERNEL_HALF, read_only_page, straddling(2, 1)};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(mincore(memory, 2 * 4096, bad[i]), -1);
        CHECK_EQ(errno, EFAULT);
    }
    munmap(memory, 4 * 4096);
}

/* mlock makes the pages present at once and counts them locked; locked pages cannot be
 * dropped; munlock undoes it; a child does not inherit locks. */
static void mlock_makes_pages_present_and_keeps_them(void) {
    size_t size = 64 * 4096;
    unsigned char *memory = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(memory != MAP_FAILED);
    long before = locked_kib();
    CHECK(before >= 0);
    CHECK_EQ(present_pages(memory, 64), 0);
    CHECK_EQ(mlock(memory + 100, size - 100), 0);
    CHECK_EQ(present_pages(memory, 64), 64);
    CHECK_EQ(locked_kib(), before + (long)size / 1024);
    CHECK_EQ(madvise(memory, 4096, MADV_DONTNEED), -1);
    CHECK_EQ(errno, EINVAL);
    pid_t child = fork();
    if (child == 0)
        _exit(locked_kib() == before ? 0 : 1);
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(munlock(memory, size), 0);
    CHECK_EQ(locked_kib(), before);
    CHECK_EQ(madvise(memory, 4096, MADV_DONTNEED), 0);
    /* Nothing there to lock. */
    CHECK_EQ(munmap(memory + 4096, 4096), 0);
    CHECK_EQ(mlock(memory, size), -1);
    CHECK_EQ(errno, ENOMEM);
    CHECK_EQ(mlock(memory, 0), 0);
    munmap(memory, size);
}

/* mlock2's MLOCK_ONFAULT locks without making pages present; unknown flags are EINVAL. */
static void mlock2_on_fault_locks_without_touching(void) {
    size_t size = 64 * 4096;
    unsigned char *memory = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(memory != MAP_FAILED);
    long before = locked_kib();
    CHECK_EQ(mlock2(memory, size, MLOCK_ONFAULT), 0);
    CHECK_EQ(locked_kib(), before + (long)size / 1024);
    CHECK_EQ(present_pages(memory, 64), 0);
    CHECK_EQ(mlock2(memory, size, 2), -1);
    CHECK_EQ(errno, EINVAL);
    munmap(memory, size);
    CHECK_EQ(locked_kib(), before);
}

/* mlockall locks what is mapped (MCL_CURRENT) and what will be (MCL_FUTURE); munlockall
 * undoes both. */
static void mlockall_locks_now_and_later(void) {
    CHECK_EQ(mlockall(0), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(mlockall(MCL_CURRENT | MCL_FUTURE), 0);
    long all = locked_kib();
    CHECK(all > 0);
    size_t size = 16 * 4096;
    unsigned char *later = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(later != MAP_FAILED);
    CHECK_EQ(locked_kib(), all + (long)size / 1024);
    CHECK_EQ(munlockall(), 0);
    CHECK_EQ(locked_kib(), 0);
    munmap(later, size);
}

int main(void) {
    if (set_up_pages() != 0) {
        printf("test " SUITE "::set_up ... FAILED (mmap)\n");
        return 1;
    }
    RUN(a_private_mapping_holds_the_files_bytes);
    RUN(writes_to_a_private_mapping_stay_private);
    RUN(a_page_past_the_end_of_the_file_is_a_sigbus);
    RUN(system_calls_read_file_pages_not_yet_touched);
    RUN(mremap_grows_a_file_mapping_into_more_of_the_file);
    RUN(dev_zero_maps_private_zeroes);
    RUN(what_cannot_be_mapped_says_why);
    RUN(shared_anonymous_memory_is_shared_with_children);
    RUN(a_shared_file_mapping_is_the_file);
    RUN(a_shared_mapping_needs_a_writable_descriptor_to_write);
    RUN(posix_shared_memory_is_shared);
    RUN(memfd_is_an_anonymous_file);
    RUN(mincore_reports_present_pages);
    RUN(mlock_makes_pages_present_and_keeps_them);
    RUN(mlock2_on_fault_locks_without_touching);
    RUN(mlockall_locks_now_and_later);
    unlink(path);
    return failures != 0;
}
