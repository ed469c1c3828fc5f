/* test-mqueue: POSIX message queues as glibc's mq_* calls use them, built static with gcc and
 * run unmodified: priorities, blocking and timeouts on a full or empty queue, between
 * processes, O_NONBLOCK, unlink while open, the descriptor's poll and status, the errors, and
 * every pointer argument given NULL, unmapped, kernel-half, read-only and page-straddling
 * addresses. The same binary passes under Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "pointers.h"

#define SUITE "mqueue"

static const char *name = "/mqueue-test";

/* A new queue of four 64-byte messages, open for reading and writing with `flags`. */
static mqd_t fresh_queue(int flags) {
    mq_unlink(name);
    struct mq_attr attributes = {.mq_maxmsg = 4, .mq_msgsize = 64};
    return mq_open(name, O_CREAT | O_EXCL | O_RDWR | flags, 0600, &attributes);
}

/* CLOCK_REALTIME `ms` milliseconds from now, as mq_timedsend and mq_timedreceive take it. */
static struct timespec in_ms(long ms) {
    struct timespec when;
    clock_gettime(CLOCK_REALTIME, &when);
    when.tv_nsec += ms * 1000000;
    when.tv_sec += when.tv_nsec / 1000000000;
    when.tv_nsec %= 1000000000;
    return when;
}

static double now_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

static void messages_come_out_highest_priority_first(void) {
    mqd_t queue = fresh_queue(0);
    CHECK(queue != (mqd_t)-1);
    CHECK_EQ(mq_send(queue, "low", 3, 1), 0);
    CHECK_EQ(mq_send(queue, "high", 4, 5), 0);
    CHECK_EQ(mq_send(queue, "mid", 3, 3), 0);
    CHECK_EQ(mq_send(queue, "high2", 5, 5), 0);
    struct mq_attr attributes;
    CHECK_EQ(mq_getattr(queue, &attributes), 0);
    CHECK_EQ(attributes.mq_curmsgs, 4);
    CHECK_EQ(attributes.mq_maxmsg, 4);
    CHECK_EQ(attributes.mq_msgsize, 64);
    CHECK_EQ(attributes.mq_flags, 0);
    const char *order[] = {"high", "high2", "mid", "low"};
    unsigned priorities[] = {5, 5, 3, 1};
    for (int i = 0; i < 4; i++) {
        char message[64];
        unsigned priority = 99;
        ssize_t length = mq_receive(queue, message, sizeof message, &priority);
        CHECK_EQ(length, (ssize_t)strlen(order[i]));
        CHECK(memcmp(message, order[i], length) == 0);
        CHECK_EQ(priority, priorities[i]);
    }
    /* An empty message is a message. */
    CHECK_EQ(mq_send(queue, "", 0, 0), 0);
    char message[64];
    CHECK_EQ(mq_receive(queue, message, sizeof message, NULL), 0);
    mq_close(queue);
    mq_unlink(name);
}

/* A full queue refuses with O_NONBLOCK, times out with a deadline, and otherwise waits for a
 * receiver, in another process here. */
static void a_full_queue_makes_senders_wait(void) {
    mqd_t queue = fresh_queue(0);
    CHECK(queue != (mqd_t)-1);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(mq_send(queue, "x", 1, 0), 0);
    struct timespec soon = in_ms(100);
    double start = now_seconds();
    CHECK_EQ(mq_timedsend(queue, "y", 1, 0, &soon), -1);
    CHECK_EQ(errno, ETIMEDOUT);
    CHECK(now_seconds() - start >= 0.08);
    struct mq_attr non_blocking = {.mq_flags = O_NONBLOCK}, old;
    CHECK_EQ(mq_setattr(queue, &non_blocking, &old), 0);
    CHECK_EQ(old.mq_flags, 0);
    CHECK_EQ(mq_send(queue, "y", 1, 0), -1);
    CHECK_EQ(errno, EAGAIN);
    struct mq_attr blocking = {.mq_flags = 0};
    CHECK_EQ(mq_setattr(queue, &blocking, &old), 0);
    CHECK_EQ(old.mq_flags, O_NONBLOCK);
    pid_t child = fork();
    if (child == 0) {
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
        char message[64];
        _exit(mq_receive(queue, message, sizeof message, NULL) == 1 ? 0 : 1);
    }
    CHECK_EQ(mq_send(queue, "z", 1, 9), 0);
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    struct mq_attr now;
    CHECK_EQ(mq_getattr(queue, &now), 0);
    CHECK_EQ(now.mq_curmsgs, 4);
    mq_close(queue);
    mq_unlink(name);
}

/* An empty queue makes receivers wait: for a sender in another process, or until a deadline. */
static void an_empty_queue_makes_receivers_wait(void) {
    mqd_t queue = fresh_queue(0);
    CHECK(queue != (mqd_t)-1);
    char message[64];
    struct timespec soon = in_ms(100);
    CHECK_EQ(mq_timedreceive(queue, message, sizeof message, NULL, &soon), -1);
    CHECK_EQ(errno, ETIMEDOUT);
    pid_t child = fork();
    if (child == 0) {
        mqd_t own = mq_open(name, O_WRONLY);
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
        _exit(mq_send(own, "from the child", 14, 2) == 0 ? 0 : 1);
    }
    unsigned priority = 0;
    CHECK_EQ(mq_receive(queue, message, sizeof message, &priority), 14);
    CHECK(memcmp(message, "from the child", 14) == 0);
    CHECK_EQ(priority, 2);
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    mq_close(queue);
    mq_unlink(name);
}

/* The descriptor polls as readable with a message and writable with room; reading it gives
 * the queue's status, as Linux's mqueue file system does. */
static void the_descriptor_polls_and_reads_as_status(void) {
    mqd_t queue = fresh_queue(0);
    CHECK(queue != (mqd_t)-1);
    struct pollfd entry = {.fd = queue, .events = POLLIN | POLLOUT};
    CHECK_EQ(poll(&entry, 1, 0), 1);
    CHECK_EQ(entry.revents, POLLOUT);
    CHECK_EQ(mq_send(queue, "abc", 3, 0), 0);
    CHECK_EQ(mq_send(queue, "de", 2, 0), 0);
    CHECK_EQ(poll(&entry, 1, 0), 1);
    CHECK_EQ(entry.revents, POLLIN | POLLOUT);
    char status[128] = {0};
    CHECK(read(queue, status, sizeof status - 1) > 0);
    CHECK(strncmp(status, "QSIZE:5 ", 8) == 0);
    mq_close(queue);
    mq_unlink(name);
}

/* A queue whose name is gone still works for those who have it open. */
static void an_unlinked_queue_lives_while_open(void) {
    mqd_t queue = fresh_queue(0);
    CHECK(queue != (mqd_t)-1);
    CHECK_EQ(mq_unlink(name), 0);
    CHECK_EQ(mq_open(name, O_RDWR), (mqd_t)-1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(mq_unlink(name), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(mq_send(queue, "still", 5, 0), 0);
    char message[64];
    CHECK_EQ(mq_receive(queue, message, sizeof message, NULL), 5);
    mq_close(queue);
}

static void errors_say_what_is_wrong(void) {
    mqd_t queue = fresh_queue(0);
    CHECK(queue != (mqd_t)-1);
    char big[65] = {0}, message[64];
    CHECK_EQ(mq_send(queue, big, sizeof big, 0), -1);
    CHECK_EQ(errno, EMSGSIZE);
    CHECK_EQ(mq_send(queue, "x", 1, 32768), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(mq_receive(queue, message, 63, NULL), -1);
    CHECK_EQ(errno, EMSGSIZE);
    struct mq_attr bad = {.mq_maxmsg = 0, .mq_msgsize = 64};
    CHECK_EQ(mq_open("/mqueue-test-bad", O_CREAT | O_RDWR, 0600, &bad), (mqd_t)-1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, NULL), (mqd_t)-1);
    CHECK_EQ(errno, EEXIST);
    CHECK_EQ(mq_open("/mqueue-test-missing", O_RDWR), (mqd_t)-1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(syscall(SYS_mq_open, "a/b", O_CREAT | O_RDWR, 0600, NULL), -1);
    CHECK_EQ(errno, EACCES);
    mqd_t reader = mq_open(name, O_RDONLY), writer = mq_open(name, O_WRONLY);
    CHECK(reader != (mqd_t)-1 && writer != (mqd_t)-1);
    CHECK_EQ(mq_send(reader, "x", 1, 0), -1);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(mq_receive(writer, message, sizeof message, NULL), -1);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(mq_send(1, "x", 1, 0), -1);
    CHECK_EQ(errno, EBADF);
    /* A queue created without attributes gets Linux's defaults. */
    mqd_t plain = mq_open("/mqueue-test-plain", O_CREAT | O_RDWR, 0600, NULL);
    CHECK(plain != (mqd_t)-1);
    struct mq_attr attributes;
    CHECK_EQ(mq_getattr(plain, &attributes), 0);
    CHECK_EQ(attributes.mq_maxmsg, 10);
    CHECK_EQ(attributes.mq_msgsize, 8192);
    mq_close(plain);
    mq_unlink("/mqueue-test-plain");
    mq_close(reader);
    mq_close(writer);
    mq_close(queue);
    mq_unlink(name);
}

/* Every pointer the calls take, hostile: a message to send may be read-only (it is only
 * read); a received message that cannot be stored is lost, as on Linux. */
static void hostile_pointers_are_efault(void) {
    mqd_t queue = fresh_queue(0);
    CHECK(queue != (mqd_t)-1);
    /* A name that runs into the unmapped page: no NUL before it. */
    memset(straddling(16, 8), 'a', 8);
    void *unreadable[] = {NULL, unmapped_page, KERNEL_HALF, straddling(16, 8)};
    for (unsigned i = 0; i < sizeof unreadable / sizeof unreadable[0]; i++) {
        CHECK_EQ(syscall(SYS_mq_timedsend, queue, unreadable[i], 16, 0, NULL), -1);
        CHECK_EQ(errno, EFAULT);
        CHECK_EQ(syscall(SYS_mq_open, unreadable[i], O_RDWR, 0, NULL), -1);
        CHECK_EQ(errno, EFAULT);
        CHECK_EQ(syscall(SYS_mq_unlink, unreadable[i]), -1);
        CHECK_EQ(errno, EFAULT);
    }
    /* NULL attributes and timeouts mean the defaults and no timeout; the others fault. */
    for (unsigned i = 1; i < sizeof unreadable / sizeof unreadable[0]; i++) {
        CHECK_EQ(syscall(SYS_mq_open, "mqueue-test-2", O_CREAT | O_RDWR, 0600, unreadable[i]), -1);
        CHECK_EQ(errno, EFAULT);
        CHECK_EQ(syscall(SYS_mq_timedsend, queue, "x", 1, 0, unreadable[i]), -1);
        CHECK_EQ(errno, EFAULT);
        CHECK_EQ(syscall(SYS_mq_getsetattr, queue, unreadable[i], NULL), -1);
        CHECK_EQ(errno, EFAULT);
    }
    CHECK_EQ(syscall(SYS_mq_timedsend, queue, read_only_page, 16, 0, NULL), 0);
    /* Only the message is stored, so the straddling buffer ends its mapped part mid-message. */
    void *unwritable[] = {NULL, unmapped_page, KERNEL_HALF, read_only_page, straddling(64, 62)};
    for (unsigned i = 0; i < sizeof unwritable / sizeof unwritable[0]; i++) {
        CHECK_EQ(syscall(SYS_mq_timedsend, queue, "lost", 4, 0, NULL), 0);
        struct mq_attr before;
        CHECK_EQ(mq_getattr(queue, &before), 0);
        CHECK_EQ(syscall(SYS_mq_timedreceive, queue, unwritable[i], 64, NULL, NULL), -1);
        CHECK_EQ(errno, EFAULT);
        struct mq_attr after;
        CHECK_EQ(mq_getattr(queue, &after), 0);
        CHECK_EQ(after.mq_curmsgs, before.mq_curmsgs - 1);
        /* NULL asks for no attributes back. */
        CHECK_EQ(syscall(SYS_mq_getsetattr, queue, NULL, unwritable[i]), i == 0 ? 0 : -1);
        CHECK(i == 0 || errno == EFAULT);
    }
    mq_close(queue);
    mq_unlink(name);
    mq_unlink("/mqueue-test-2");
}

int main(void) {
    if (set_up_pages() != 0) {
        printf("test " SUITE "::set_up ... FAILED (mmap)\n");
        return 1;
    }
    RUN(messages_come_out_highest_priority_first);
    RUN(a_full_queue_makes_senders_wait);
    RUN(an_empty_queue_makes_receivers_wait);
    RUN(the_descriptor_polls_and_reads_as_status);
    RUN(an_unlinked_queue_lives_while_open);
    RUN(errors_say_what_is_wrong);
    RUN(hostile_pointers_are_efault);
    return failures != 0;
}
