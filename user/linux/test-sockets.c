/* test-sockets: socketpair(AF_UNIX) with its send and receive calls, and prctl's thread
 * name, built static with gcc and run unmodified; each pointer argument is also given NULL,
 * unmapped, kernel-half, read-only and page-straddling addresses. The same binary passes
 * under Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "pointers.h"

#define SUITE "sockets"

static void stream_pair_carries_bytes_both_ways(void) {
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CHECK_EQ(write(sv[0], "hello", 5), 5);
    CHECK_EQ(send(sv[0], " world", 6, 0), 6);
    char buffer[32] = {0};
    CHECK_EQ(read(sv[1], buffer, sizeof buffer), 11);
    CHECK(memcmp(buffer, "hello world", 11) == 0);
    CHECK_EQ(send(sv[1], "back", 4, 0), 4);
    CHECK_EQ(recv(sv[0], buffer, 2, 0), 2);
    CHECK_EQ(recv(sv[0], buffer + 2, 10, 0), 2);
    CHECK(memcmp(buffer, "back", 4) == 0);
    close(sv[0]);
    CHECK_EQ(read(sv[1], buffer, sizeof buffer), 0);
    close(sv[1]);
}

static void seqpacket_keeps_message_boundaries(void) {
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    CHECK_EQ(send(sv[0], "abc", 3, 0), 3);
    CHECK_EQ(send(sv[0], "defgh", 5, 0), 5);
    CHECK_EQ(send(sv[0], "123456", 6, 0), 6);
    CHECK_EQ(send(sv[0], "next", 4, 0), 4);
    char buffer[32] = {0};
    CHECK_EQ(recv(sv[1], buffer, sizeof buffer, 0), 3);
    CHECK_EQ(recv(sv[1], buffer, sizeof buffer, 0), 5);
    CHECK(memcmp(buffer, "defgh", 5) == 0);
    /* A message longer than the buffer is cut, its rest discarded, and recvmsg says so. */
    struct iovec iov = {.iov_base = buffer, .iov_len = 4};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1};
    CHECK_EQ(recvmsg(sv[1], &message, 0), 4);
    CHECK(memcmp(buffer, "1234", 4) == 0);
    CHECK(message.msg_flags & MSG_TRUNC);
    CHECK_EQ(recv(sv[1], buffer, sizeof buffer, 0), 4);
    CHECK(memcmp(buffer, "next", 4) == 0);
    close(sv[0]);
    CHECK_EQ(recv(sv[1], buffer, sizeof buffer, 0), 0);
    close(sv[1]);
}

static void sendmsg_gathers_and_recvmsg_scatters(void) {
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct iovec out[] = {{"ab", 2}, {"cde", 3}};
    struct msghdr sent = {.msg_iov = out, .msg_iovlen = 2};
    CHECK_EQ(sendmsg(sv[0], &sent, 0), 5);
    char first[1], second[8];
    struct iovec in[] = {{first, 1}, {second, sizeof second}};
    struct sockaddr_un_like {
        unsigned short family;
        char path[30];
    } name;
    struct msghdr received = {.msg_name = &name,
                              .msg_namelen = sizeof name,
                              .msg_iov = in,
                              .msg_iovlen = 2,
                              .msg_flags = -1};
    CHECK_EQ(recvmsg(sv[1], &received, 0), 5);
    CHECK_EQ(first[0], 'a');
    CHECK(memcmp(second, "bcde", 4) == 0);
    CHECK_EQ(received.msg_flags, 0);
    CHECK_EQ(received.msg_controllen, 0);
    /* The peer of a socketpair has no address. */
    CHECK_EQ(received.msg_namelen, 0);
    close(sv[0]);
    close(sv[1]);
}

static void recvfrom_reports_no_source_address(void) {
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    CHECK_EQ(sendto(sv[0], "x", 1, 0, NULL, 0), 1);
    char byte, address[16];
    socklen_t length = sizeof address;
    CHECK_EQ(recvfrom(sv[1], &byte, 1, 0, (struct sockaddr *)address, &length), 1);
    CHECK_EQ(byte, 'x');
    CHECK_EQ(length, 0);
    close(sv[0]);
    close(sv[1]);
}

static void flags_make_sockets_non_blocking_and_close_on_exec(void) {
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    CHECK(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
    CHECK_EQ(fcntl(sv[1], F_GETFD), FD_CLOEXEC);
    char byte;
    CHECK_EQ(recv(sv[0], &byte, 1, 0), -1);
    CHECK_EQ(errno, EAGAIN);
    close(sv[0]);
    close(sv[1]);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    CHECK_EQ(fcntl(sv[0], F_GETFD), 0);
    CHECK_EQ(recv(sv[0], &byte, 1, MSG_DONTWAIT), -1);
    CHECK_EQ(errno, EAGAIN);
    close(sv[0]);
    close(sv[1]);
}

static volatile int broken_pipes;

static void count_broken_pipe(int signal) {
    (void)signal;
    broken_pipes++;
}

static void a_closed_peer_is_epipe_with_sigpipe_unless_nosignal(void) {
    struct sigaction action = {.sa_handler = count_broken_pipe}, old;
    CHECK_EQ(sigaction(SIGPIPE, &action, &old), 0);
    broken_pipes = 0;
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    close(sv[1]);
    CHECK_EQ(send(sv[0], "x", 1, MSG_NOSIGNAL), -1);
    CHECK_EQ(errno, EPIPE);
    CHECK_EQ(broken_pipes, 0);
    CHECK_EQ(write(sv[0], "x", 1), -1);
    CHECK_EQ(errno, EPIPE);
    CHECK_EQ(broken_pipes, 1);
    close(sv[0]);
    CHECK_EQ(sigaction(SIGPIPE, &old, NULL), 0);
}

static void shutdown_ends_one_direction(void) {
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CHECK_EQ(send(sv[0], "last", 4, 0), 4);
    CHECK_EQ(shutdown(sv[0], SHUT_WR), 0);
    char buffer[8];
    CHECK_EQ(recv(sv[1], buffer, sizeof buffer, 0), 4);
    CHECK_EQ(recv(sv[1], buffer, sizeof buffer, 0), 0);
    CHECK_EQ(send(sv[0], "x", 1, MSG_NOSIGNAL), -1);
    CHECK_EQ(errno, EPIPE);
    /* The other direction still works. */
    CHECK_EQ(send(sv[1], "up", 2, 0), 2);
    CHECK_EQ(recv(sv[0], buffer, sizeof buffer, 0), 2);
    CHECK_EQ(shutdown(sv[0], SHUT_RDWR), 0);
    CHECK_EQ(recv(sv[0], buffer, sizeof buffer, 0), 0);
    CHECK_EQ(shutdown(sv[0], 3), -1);
    CHECK_EQ(errno, EINVAL);
    close(sv[0]);
    close(sv[1]);
}

static void poll_sees_data_and_hang_up(void) {
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct pollfd entry = {.fd = sv[1], .events = POLLIN | POLLOUT};
    CHECK_EQ(poll(&entry, 1, 0), 1);
    CHECK_EQ(entry.revents, POLLOUT);
    CHECK_EQ(send(sv[0], "x", 1, 0), 1);
    CHECK_EQ(poll(&entry, 1, 0), 1);
    CHECK_EQ(entry.revents, POLLIN | POLLOUT);
    close(sv[0]);
    entry.events = POLLIN;
    CHECK_EQ(poll(&entry, 1, 0), 1);
    CHECK(entry.revents & POLLIN);
    CHECK(entry.revents & POLLHUP);
    close(sv[1]);
}

/* What Rust's std::process::Command does: the child reports over a socket, the parent reads
 * until the child's end is gone. */
static void a_forked_child_talks_over_the_pair(void) {
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    pid_t child = fork();
    if (child == 0) {
        close(sv[0]);
        _exit(send(sv[1], "from child", 10, 0) == 10 ? 0 : 1);
    }
    close(sv[1]);
    char buffer[16];
    CHECK_EQ(recv(sv[0], buffer, sizeof buffer, 0), 10);
    CHECK(memcmp(buffer, "from child", 10) == 0);
    CHECK_EQ(recv(sv[0], buffer, sizeof buffer, 0), 0);
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(sv[0]);
}

static void bad_arguments_are_refused(void) {
    int sv[2];
    CHECK_EQ(socketpair(999, SOCK_STREAM, 0, sv), -1);
    CHECK_EQ(errno, EAFNOSUPPORT);
    CHECK_EQ(socketpair(AF_UNIX, 7, 0, sv), -1);
    CHECK_EQ(errno, ESOCKTNOSUPPORT);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 2, sv), -1);
    CHECK_EQ(errno, EPROTONOSUPPORT);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | 0x100, 0, sv), -1);
    CHECK_EQ(errno, EINVAL);
    int ends[2];
    CHECK_EQ(pipe(ends), 0);
    char byte = 0;
    CHECK_EQ(send(ends[1], &byte, 1, 0), -1);
    CHECK_EQ(errno, ENOTSOCK);
    CHECK_EQ(recv(ends[0], &byte, 1, MSG_DONTWAIT), -1);
    CHECK_EQ(errno, ENOTSOCK);
    CHECK_EQ(shutdown(ends[0], SHUT_RD), -1);
    CHECK_EQ(errno, ENOTSOCK);
    CHECK_EQ(send(999, &byte, 1, 0), -1);
    CHECK_EQ(errno, EBADF);
    close(ends[0]);
    close(ends[1]);
}

/* The lowest free descriptor: a call that failed must not have left one open. */
static int lowest_free_descriptor(void) {
    int fd = dup(0);
    close(fd);
    return fd;
}

static void socketpair_with_bad_pointers_is_efault(void) {
    int free_before = lowest_free_descriptor();
    void *unwritable[] = {NULL, unmapped_page, KERNEL_HALF, read_only_page, straddling(8, 4)};
    for (unsigned i = 0; i < sizeof unwritable / sizeof unwritable[0]; i++) {
        CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, unwritable[i]), -1);
        CHECK_EQ(errno, EFAULT);
        CHECK_EQ(lowest_free_descriptor(), free_before);
    }
}

static void send_and_receive_with_bad_buffers_are_efault(void) {
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    void *unreadable[] = {NULL, unmapped_page, KERNEL_HALF, straddling(8, 4)};
    for (unsigned i = 0; i < sizeof unreadable / sizeof unreadable[0]; i++) {
        CHECK_EQ(send(sv[0], unreadable[i], 8, 0), -1);
        CHECK_EQ(errno, EFAULT);
    }
    /* Sending from read-only memory is fine. */
    CHECK_EQ(send(sv[0], read_only_page, 8, 0), 8);
    void *unwritable[] = {NULL, unmapped_page, KERNEL_HALF, read_only_page, straddling(8, 4)};
    for (unsigned i = 0; i < sizeof unwritable / sizeof unwritable[0]; i++) {
        CHECK_EQ(recv(sv[1], unwritable[i], 8, 0), -1);
        CHECK_EQ(errno, EFAULT);
    }
    /* A stream keeps what a failed receive did not deliver. */
    char buffer[8] = {1};
    CHECK_EQ(recv(sv[1], buffer, sizeof buffer, 0), 8);
    CHECK(memcmp(buffer, read_only_page, 8) == 0);
    close(sv[0]);
    close(sv[1]);
}

static void recvfrom_with_bad_address_length_is_efault(void) {
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    char address[16], byte;
    void *bad[] = {NULL, unmapped_page, KERNEL_HALF, read_only_page, straddling(4, 2)};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(send(sv[0], "y", 1, 0), 1);
        CHECK_EQ(recvfrom(sv[1], &byte, 1, 0, (struct sockaddr *)address, bad[i]), -1);
        CHECK_EQ(errno, EFAULT);
    }
    close(sv[0]);
    close(sv[1]);
}

static void message_calls_with_bad_headers_are_efault(void) {
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    void *unreadable[] = {NULL, unmapped_page, KERNEL_HALF, straddling(sizeof(struct msghdr), 8)};
    for (unsigned i = 0; i < sizeof unreadable / sizeof unreadable[0]; i++) {
        CHECK_EQ(sendmsg(sv[0], unreadable[i], 0), -1);
        CHECK_EQ(errno, EFAULT);
        CHECK_EQ(recvmsg(sv[1], unreadable[i], MSG_DONTWAIT), -1);
        CHECK_EQ(errno, EFAULT);
    }
    /* iovec arrays that cannot be read, and iovecs that point nowhere. */
    char byte = 'z';
    void *bad_arrays[] = {unmapped_page, KERNEL_HALF, straddling(sizeof(struct iovec), 8)};
    for (unsigned i = 0; i < sizeof bad_arrays / sizeof bad_arrays[0]; i++) {
        struct msghdr message = {.msg_iov = bad_arrays[i], .msg_iovlen = 1};
        CHECK_EQ(sendmsg(sv[0], &message, 0), -1);
        CHECK_EQ(errno, EFAULT);
    }
    struct iovec nowhere = {KERNEL_HALF, 1};
    struct msghdr message = {.msg_iov = &nowhere, .msg_iovlen = 1};
    CHECK_EQ(sendmsg(sv[0], &message, 0), -1);
    CHECK_EQ(errno, EFAULT);
    /* recvmsg writes the header back: a read-only one is EFAULT. */
    struct iovec iov = {&byte, 1};
    struct msghdr *read_only = (struct msghdr *)read_only_page;
    struct msghdr good = {.msg_iov = &iov, .msg_iovlen = 1};
    CHECK_EQ(sendmsg(sv[0], &good, 0), 1);
    CHECK_EQ(mprotect(read_only_page, 4096, PROT_READ | PROT_WRITE), 0);
    *read_only = good;
    CHECK_EQ(mprotect(read_only_page, 4096, PROT_READ), 0);
    CHECK_EQ(recvmsg(sv[1], read_only, 0), -1);
    CHECK_EQ(errno, EFAULT);
    close(sv[0]);
    close(sv[1]);
}

static void thread_name_is_the_program_then_what_prctl_sets(void) {
    char name[16] = {0};
    CHECK_EQ(prctl(PR_GET_NAME, name), 0);
    CHECK(strcmp(name, "test-sockets") == 0);
    CHECK_EQ(prctl(PR_SET_NAME, "a-name-longer-than-fifteen"), 0);
    CHECK_EQ(prctl(PR_GET_NAME, name), 0);
    CHECK(strcmp(name, "a-name-longer-t") == 0);
    CHECK_EQ(prctl(PR_SET_NAME, "test-sockets"), 0);
    void *unreadable[] = {NULL, unmapped_page, KERNEL_HALF};
    for (unsigned i = 0; i < sizeof unreadable / sizeof unreadable[0]; i++) {
        CHECK_EQ(prctl(PR_SET_NAME, unreadable[i]), -1);
        CHECK_EQ(errno, EFAULT);
    }
    void *unwritable[] = {NULL, unmapped_page, KERNEL_HALF, read_only_page, straddling(16, 8)};
    for (unsigned i = 0; i < sizeof unwritable / sizeof unwritable[0]; i++) {
        CHECK_EQ(prctl(PR_GET_NAME, unwritable[i]), -1);
        CHECK_EQ(errno, EFAULT);
    }
    CHECK_EQ(prctl(0x7fff0000, 0), -1);
    CHECK_EQ(errno, EINVAL);
}

int main(void) {
    if (set_up_pages() != 0) {
        printf("test " SUITE "::set_up ... FAILED (mmap)\n");
        return 1;
    }
    RUN(stream_pair_carries_bytes_both_ways);
    RUN(seqpacket_keeps_message_boundaries);
    RUN(sendmsg_gathers_and_recvmsg_scatters);
    RUN(recvfrom_reports_no_source_address);
    RUN(flags_make_sockets_non_blocking_and_close_on_exec);
    RUN(a_closed_peer_is_epipe_with_sigpipe_unless_nosignal);
    RUN(shutdown_ends_one_direction);
    RUN(poll_sees_data_and_hang_up);
    RUN(a_forked_child_talks_over_the_pair);
    RUN(bad_arguments_are_refused);
    RUN(socketpair_with_bad_pointers_is_efault);
    RUN(send_and_receive_with_bad_buffers_are_efault);
    RUN(recvfrom_with_bad_address_length_is_efault);
    RUN(message_calls_with_bad_headers_are_efault);
    RUN(thread_name_is_the_program_then_what_prctl_sets);
    return failures != 0;
}
