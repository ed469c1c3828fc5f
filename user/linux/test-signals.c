/* test-signals: signals as glibc programs use them, built static with gcc and run unmodified:
 * handlers and their siginfo, masks, ignoring, default actions, fault handlers that read or
 * rewrite the interrupted registers, the alternate stack, the FP/SIMD registers across a
 * handler, SA_RESTART, SA_RESETHAND, SA_NODEFER, SIGCHLD, SIGPIPE, SIGALRM from the interval
 * timer, SIGVTALRM and SIGPROF from the CPU-time timers, sigtimedwait, the deaths Linux hands
 * out for a bad signal stack or frame, and job control: stop signals, SIGTTIN and SIGTTOU for
 * background use of the terminal, orphaned process groups. The same binary passes under
 * Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "check.h"
#include "child.h"
#include "pointers.h"

#define SUITE "signals"

/* What the last handler saw. */
static volatile sig_atomic_t handled;
static volatile int seen_signal, seen_code, seen_pid, seen_status;
static void *volatile seen_address;

static void note(int signal, siginfo_t *info, void *context) {
    (void)context;
    handled++;
    seen_signal = signal;
    seen_code = info->si_code;
    seen_pid = info->si_pid;
    seen_status = info->si_status;
    seen_address = info->si_addr;
}

static void forget(void) {
    handled = 0;
    seen_signal = seen_code = seen_pid = seen_status = 0;
    seen_address = NULL;
}

/* Installs `handler` (SA_SIGINFO) for `signal` with `flags`; returns sigaction's result. */
static int install(int signal, void (*handler)(int, siginfo_t *, void *), int flags) {
    struct sigaction action = {0};
    action.sa_sigaction = handler;
    action.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&action.sa_mask);
    return sigaction(signal, &action, NULL);
}

static void restore_default(int signal) {
    struct sigaction action = {0};
    action.sa_handler = SIG_DFL;
    sigaction(signal, &action, NULL);
}

static void a_handler_gets_the_signal_and_its_sender(void) {
    forget();
    CHECK_EQ(install(SIGUSR1, note, 0), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(handled, 1);
    CHECK_EQ(seen_signal, SIGUSR1);
    CHECK_EQ(seen_code, SI_TKILL);
    CHECK_EQ(seen_pid, getpid());
    restore_default(SIGUSR1);
}

static int kill_parent_with_sigusr2(void) {
    return kill(getppid(), SIGUSR2) == 0 ? 0 : 1;
}

static void kill_from_another_process_says_who_sent_it(void) {
    forget();
    sigset_t block, old, none;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigemptyset(&none);
    CHECK_EQ(install(SIGUSR2, note, 0), 0);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &block, &old), 0);
    pid_t child = fork();
    if (child == 0)
        _exit(kill_parent_with_sigusr2());
    while (!handled)
        sigsuspend(&none);
    CHECK_EQ(seen_code, SI_USER);
    CHECK_EQ(seen_pid, child);
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK_EQ(status, 0);
    CHECK_EQ(sigprocmask(SIG_SETMASK, &old, NULL), 0);
    restore_default(SIGUSR2);
}

static void a_blocked_signal_waits_until_unblocked(void) {
    forget();
    sigset_t block, pending;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    CHECK_EQ(install(SIGUSR1, note, 0), 0);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &block, NULL), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(handled, 0);
    CHECK_EQ(sigpending(&pending), 0);
    CHECK(sigismember(&pending, SIGUSR1));
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &block, NULL), 0);
    CHECK_EQ(handled, 1);
    CHECK_EQ(sigpending(&pending), 0);
    CHECK(!sigismember(&pending, SIGUSR1));
    restore_default(SIGUSR1);
}

static void an_ignored_signal_vanishes(void) {
    sigset_t pending;
    CHECK(signal(SIGUSR1, SIG_IGN) != SIG_ERR);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(sigpending(&pending), 0);
    CHECK(!sigismember(&pending, SIGUSR1));
    restore_default(SIGUSR1);
}

static int raise_sigterm(void) {
    raise(SIGTERM);
    return 99;
}

static void the_default_action_ends_the_process(void) {
    int status = in_child(raise_sigterm);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ(WTERMSIG(status), SIGTERM);
}

static void skip_and_answer(int signal, siginfo_t *info, void *context) {
    note(signal, info, context);
    ucontext_t *registers = context;
    registers->uc_mcontext.pc += 4;
    registers->uc_mcontext.regs[0] = 42;
}

/* The handler moves the pc past the faulting load and writes its destination register. */
static void a_fault_handler_can_rewrite_the_registers(void) {
    forget();
    CHECK_EQ(install(SIGSEGV, skip_and_answer, 0), 0);
    long value;
    __asm__ volatile("mov x0, #0x10\n\tldr x0, [x0]\n\tmov %0, x0" : "=r"(value) : : "x0", "memory");
    CHECK_EQ(value, 42);
    CHECK_EQ(handled, 1);
    CHECK_EQ(seen_code, SEGV_MAPERR);
    CHECK_EQ((uintptr_t)seen_address, 0x10);
    restore_default(SIGSEGV);
}

static sigjmp_buf escape;

static void jump_out(int signal, siginfo_t *info, void *context) {
    note(signal, info, context);
    siglongjmp(escape, 1);
}

static void a_write_to_read_only_memory_is_an_access_error(void) {
    forget();
    volatile char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(page != MAP_FAILED);
    CHECK_EQ(install(SIGSEGV, jump_out, 0), 0);
    if (sigsetjmp(escape, 1) == 0)
        page[100] = 1;
    CHECK_EQ(handled, 1);
    CHECK_EQ(seen_code, SEGV_ACCERR);
    CHECK(seen_address == page + 100);
    restore_default(SIGSEGV);
    CHECK_EQ(munmap((void *)page, 4096), 0);
}

static char *alternate_base;
static volatile int handler_on_alternate_stack, handler_saw_onstack, change_while_on_it;

static void check_stack(int signal, siginfo_t *info, void *context) {
    note(signal, info, context);
    char local;
    handler_on_alternate_stack = &local > alternate_base && &local < alternate_base + 65536;
    stack_t current, replacement = {.ss_sp = alternate_base, .ss_size = 65536};
    handler_saw_onstack = sigaltstack(NULL, &current) == 0 && (current.ss_flags & SS_ONSTACK);
    change_while_on_it = sigaltstack(&replacement, NULL) == -1 ? errno : 0;
}

static void a_handler_runs_on_the_alternate_stack(void) {
    forget();
    alternate_base = malloc(65536);
    CHECK(alternate_base != NULL);
    stack_t stack = {.ss_sp = alternate_base, .ss_size = 65536}, small = stack, old;
    small.ss_size = 1024;
    CHECK_EQ(sigaltstack(&small, NULL), -1);
    CHECK_EQ(errno, ENOMEM);
    stack.ss_flags = 0x40;
    CHECK_EQ(sigaltstack(&stack, NULL), -1);
    CHECK_EQ(errno, EINVAL);
    stack.ss_flags = 0;
    CHECK_EQ(sigaltstack(&stack, NULL), 0);
    CHECK_EQ(install(SIGUSR1, check_stack, SA_ONSTACK), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(handled, 1);
    CHECK(handler_on_alternate_stack);
    CHECK(handler_saw_onstack);
    CHECK_EQ(change_while_on_it, EPERM);
    CHECK_EQ(sigaltstack(NULL, &old), 0);
    CHECK_EQ(old.ss_flags, 0);
    CHECK(old.ss_sp == alternate_base);
    CHECK_EQ(old.ss_size, 65536);
    old.ss_flags = SS_DISABLE;
    CHECK_EQ(sigaltstack(&old, NULL), 0);
    CHECK_EQ(sigaltstack(NULL, &old), 0);
    CHECK_EQ(old.ss_flags, SS_DISABLE);
    restore_default(SIGUSR1);
    free(alternate_base);
}

static void clobber_v16(int signal, siginfo_t *info, void *context) {
    note(signal, info, context);
    __asm__ volatile("movi v16.2d, #0" : : : "v16");
}

/* v16 holds a pattern across a system call that delivers a handler which zeroes it. */
static void fp_registers_survive_a_handler(void) {
    forget();
    CHECK_EQ(install(SIGUSR1, clobber_v16, 0), 0);
    uint64_t pattern = 0x0123456789abcdefULL, after;
    long pid = getpid(), number = SIGUSR1;
    __asm__ volatile("fmov d16, %[pattern]\n\t"
                     "mov x0, %[pid]\n\t"
                     "mov x1, %[number]\n\t"
                     "mov x8, #129\n\t"
                     "svc #0\n\t"
                     "fmov %[after], d16"
                     : [after] "=r"(after)
                     : [pattern] "r"(pattern), [pid] "r"(pid), [number] "r"(number)
                     : "x0", "x1", "x8", "v16", "memory");
    CHECK_EQ(handled, 1);
    CHECK_EQ(after, pattern);
    restore_default(SIGUSR1);
}

static int signal_parent_then_write(int writer) {
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    kill(getppid(), SIGUSR1);
    nanosleep(&pause, NULL);
    return write(writer, "x", 1) == 1 ? 0 : 1;
}

/* A read blocked on an empty pipe: a handler interrupts it; SA_RESTART makes it go on. */
static void a_blocked_read_restarts_only_with_sa_restart(void) {
    for (int restart = 0; restart <= 1; restart++) {
        forget();
        int pipe_ends[2];
        CHECK_EQ(pipe(pipe_ends), 0);
        CHECK_EQ(install(SIGUSR1, note, restart ? SA_RESTART : 0), 0);
        pid_t child = fork();
        if (child == 0)
            _exit(signal_parent_then_write(pipe_ends[1]));
        char byte = 0;
        ssize_t got = read(pipe_ends[0], &byte, 1);
        int error = errno;
        CHECK_EQ(handled, 1);
        if (restart) {
            CHECK_EQ(got, 1);
            CHECK_EQ(byte, 'x');
        } else {
            CHECK_EQ(got, -1);
            CHECK_EQ(error, EINTR);
        }
        int status;
        CHECK_EQ(waitpid(child, &status, 0), child);
        CHECK_EQ(status, 0);
        close(pipe_ends[0]);
        close(pipe_ends[1]);
    }
    restore_default(SIGUSR1);
}

static int raise_twice_one_shot(void) {
    if (install(SIGUSR1, note, SA_RESETHAND) != 0)
        return 1;
    raise(SIGUSR1);
    if (handled != 1)
        return 2;
    raise(SIGUSR1);
    return 3;
}

static void sa_resethand_handles_once_then_defaults(void) {
    forget();
    int status = in_child(raise_twice_one_shot);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ(WTERMSIG(status), SIGUSR1);
}

static volatile int depth, deepest;

static void reenter(int signal, siginfo_t *info, void *context) {
    note(signal, info, context);
    depth++;
    if (depth > deepest)
        deepest = depth;
    if (handled == 1)
        raise(SIGUSR1);
    depth--;
}

/* Raised from its own handler, a signal nests only with SA_NODEFER; otherwise it waits. */
static void a_handler_blocks_its_own_signal_unless_nodefer(void) {
    for (int nodefer = 0; nodefer <= 1; nodefer++) {
        forget();
        depth = deepest = 0;
        CHECK_EQ(install(SIGUSR1, reenter, nodefer ? SA_NODEFER : 0), 0);
        CHECK_EQ(raise(SIGUSR1), 0);
        CHECK_EQ(handled, 2);
        CHECK_EQ(deepest, nodefer ? 2 : 1);
    }
    restore_default(SIGUSR1);
}

static void sigchld_reports_the_child(void) {
    forget();
    sigset_t block, old, none;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigemptyset(&none);
    CHECK_EQ(install(SIGCHLD, note, 0), 0);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &block, &old), 0);
    pid_t child = fork();
    if (child == 0)
        _exit(7);
    while (!handled)
        sigsuspend(&none);
    CHECK_EQ(seen_signal, SIGCHLD);
    CHECK_EQ(seen_code, CLD_EXITED);
    CHECK_EQ(seen_pid, child);
    CHECK_EQ(seen_status, 7);
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK_EQ(WEXITSTATUS(status), 7);
    CHECK_EQ(sigprocmask(SIG_SETMASK, &old, NULL), 0);
    restore_default(SIGCHLD);
}

static int write_to_a_pipe_nobody_reads(void) {
    int pipe_ends[2];
    if (pipe(pipe_ends) != 0)
        return 1;
    close(pipe_ends[0]);
    write(pipe_ends[1], "x", 1);
    return 2;
}

static void sigpipe_kills_unless_ignored(void) {
    int status = in_child(write_to_a_pipe_nobody_reads);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ(WTERMSIG(status), SIGPIPE);
    int pipe_ends[2];
    CHECK_EQ(pipe(pipe_ends), 0);
    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
    close(pipe_ends[0]);
    CHECK_EQ(write(pipe_ends[1], "x", 1), -1);
    CHECK_EQ(errno, EPIPE);
    close(pipe_ends[1]);
    restore_default(SIGPIPE);
}

static void the_interval_timer_interrupts_a_sleep(void) {
    forget();
    CHECK_EQ(install(SIGALRM, note, 0), 0);
    struct itimerval once = {.it_value = {0, 50 * 1000}};
    CHECK_EQ(setitimer(ITIMER_REAL, &once, NULL), 0);
    struct timespec request = {5, 0}, left = {0, 0};
    CHECK_EQ(nanosleep(&request, &left), -1);
    CHECK_EQ(errno, EINTR);
    CHECK_EQ(handled, 1);
    CHECK_EQ(seen_signal, SIGALRM);
    CHECK(left.tv_sec >= 3 && left.tv_sec <= 4);
    restore_default(SIGALRM);
}

static void the_interval_timer_repeats_until_disarmed(void) {
    forget();
    sigset_t block, old, none;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigemptyset(&none);
    CHECK_EQ(install(SIGALRM, note, 0), 0);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &block, &old), 0);
    struct itimerval every = {.it_interval = {0, 20 * 1000}, .it_value = {0, 20 * 1000}}, now;
    CHECK_EQ(setitimer(ITIMER_REAL, &every, NULL), 0);
    while (handled < 3)
        sigsuspend(&none);
    CHECK_EQ(getitimer(ITIMER_REAL, &now), 0);
    CHECK_EQ(now.it_interval.tv_usec, 20 * 1000);
    CHECK(now.it_value.tv_usec > 0 && now.it_value.tv_usec <= 20 * 1000);
    struct itimerval off = {0};
    CHECK_EQ(setitimer(ITIMER_REAL, &off, &now), 0);
    CHECK_EQ(now.it_interval.tv_usec, 20 * 1000);
    CHECK_EQ(getitimer(ITIMER_REAL, &now), 0);
    CHECK_EQ(now.it_value.tv_sec, 0);
    CHECK_EQ(now.it_value.tv_usec, 0);
    CHECK_EQ(alarm(0), 0);
    CHECK_EQ(sigprocmask(SIG_SETMASK, &old, NULL), 0);
    restore_default(SIGALRM);
}

static double monotonic_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

/* The CPU-time timers count only the time the process runs: user time for ITIMER_VIRTUAL
 * (SIGVTALRM), user and system time for ITIMER_PROF (SIGPROF). A sleep does not advance
 * them; spinning does. */
static void the_cpu_time_timers_count_only_running_time(void) {
    int timers[] = {ITIMER_VIRTUAL, ITIMER_PROF}, signals[] = {SIGVTALRM, SIGPROF};
    for (int t = 0; t < 2; t++) {
        forget();
        CHECK_EQ(install(signals[t], note, 0), 0);
        struct itimerval once = {.it_value = {0, 50 * 1000}}, now;
        CHECK_EQ(setitimer(timers[t], &once, NULL), 0);
        CHECK_EQ(getitimer(timers[t], &now), 0);
        CHECK(now.it_value.tv_sec == 0 && now.it_value.tv_usec > 0);
        /* Linux rounds the value to its own tick. */
        CHECK(now.it_value.tv_usec <= 60 * 1000);
        struct timespec pause = {0, 200 * 1000 * 1000};
        nanosleep(&pause, NULL);
        CHECK_EQ(handled, 0);
        volatile unsigned long sink = 0;
        double give_up = monotonic_seconds() + 5;
        while (handled == 0 && monotonic_seconds() < give_up)
            for (int i = 0; i < 10000; i++)
                sink += i;
        CHECK_EQ(handled, 1);
        CHECK_EQ(seen_signal, signals[t]);
        CHECK_EQ(getitimer(timers[t], &now), 0);
        CHECK(now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0);
        restore_default(signals[t]);
    }
    struct itimerval value;
    CHECK_EQ(getitimer(3, &value), -1);
    CHECK_EQ(errno, EINVAL);
    void *bad[] = {NULL, unmapped_page, KERNEL_HALF, read_only_page,
                   straddling(sizeof value, 8)};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(syscall(SYS_getitimer, ITIMER_PROF, bad[i]), -1);
        CHECK_EQ(errno, EFAULT);
    }
}

static void sigtimedwait_takes_a_blocked_signal_or_times_out(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &set, NULL), 0);
    CHECK_EQ(raise(SIGUSR2), 0);
    siginfo_t info;
    struct timespec short_wait = {0, 20 * 1000 * 1000};
    /* The system call itself: glibc's sigtimedwait reports SI_TKILL as SI_USER. */
    CHECK_EQ(syscall(SYS_rt_sigtimedwait, &set, &info, &short_wait, 8), SIGUSR2);
    CHECK_EQ(info.si_signo, SIGUSR2);
    CHECK_EQ(info.si_code, SI_TKILL);
    CHECK_EQ(info.si_pid, getpid());
    CHECK_EQ(sigtimedwait(&set, &info, &short_wait), -1);
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &set, NULL), 0);
}

static void make_pstate_privileged(int signal, siginfo_t *info, void *context) {
    note(signal, info, context);
    ((ucontext_t *)context)->uc_mcontext.pstate |= 0x5; /* EL1h */
}

static int return_to_el1(void) {
    install(SIGUSR1, make_pstate_privileged, 0);
    raise(SIGUSR1);
    return 99;
}

static void a_frame_that_would_leave_user_mode_is_a_sigsegv(void) {
    int status = in_child(return_to_el1);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ(WTERMSIG(status), SIGSEGV);
}

static int deliver_on_an_unmapped_stack(void) {
    install(SIGUSR1, note, 0);
    long pid = getpid();
    __asm__ volatile("mov x0, %0\n\t"
                     "mov x1, #10\n\t" /* SIGUSR1 */
                     "mov x2, #0x10\n\t"
                     "mov sp, x2\n\t"
                     "mov x8, #129\n\t" /* kill */
                     "svc #0\n\t"
                     "mov x0, #99\n\t"
                     "mov x8, #94\n\t" /* exit_group */
                     "svc #0"
                     :
                     : "r"(pid)
                     : "x0", "x1", "x2", "x8", "memory");
    return 98;
}

static void a_signal_on_a_bad_stack_is_a_sigsegv(void) {
    int status = in_child(deliver_on_an_unmapped_stack);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ(WTERMSIG(status), SIGSEGV);
}

static _Alignas(16) char garbage_frame[8192];

static int sigreturn_on_garbage(void) {
    __asm__ volatile("mov sp, %0\n\t"
                     "mov x8, #139\n\t" /* rt_sigreturn */
                     "svc #0\n\t"
                     "mov x0, #99\n\t"
                     "mov x8, #94\n\t"
                     "svc #0"
                     :
                     : "r"(garbage_frame + 4096)
                     : "x0", "x8", "memory");
    return 98;
}

static void sigreturn_without_a_frame_is_a_sigsegv(void) {
    int status = in_child(sigreturn_on_garbage);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ(WTERMSIG(status), SIGSEGV);
}

/* In the program run by exec_resets_handlers_but_keeps_ignored_signals. */
static int report_dispositions(void) {
    struct sigaction handled_one, ignored_one;
    sigaction(SIGUSR1, NULL, &handled_one);
    sigaction(SIGUSR2, NULL, &ignored_one);
    return (handled_one.sa_handler == SIG_DFL ? 0 : 1) | (ignored_one.sa_handler == SIG_IGN ? 0 : 2);
}

static const char *self;

static int exec_self_with_handlers(void) {
    install(SIGUSR1, note, 0);
    signal(SIGUSR2, SIG_IGN);
    execl(self, self, "dispositions", (char *)NULL);
    return 100;
}

static void exec_resets_handlers_but_keeps_ignored_signals(void) {
    int status = in_child(exec_self_with_handlers);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
}

/* A child that waits for a byte on `fd`, then exits with it. */
static pid_t child_waiting_on(int fd) {
    pid_t child = fork();
    if (child == 0) {
        char byte = 0;
        _exit(read(fd, &byte, 1) == 1 ? byte : 99);
    }
    return child;
}

static volatile int stopped_children, continued_children;

static void count_child_changes(int signal, siginfo_t *info, void *context) {
    (void)signal;
    (void)context;
    if (info->si_code == CLD_STOPPED)
        stopped_children++;
    if (info->si_code == CLD_CONTINUED)
        continued_children++;
}

/* SIGSTOP stops a child until SIGCONT; its parent hears of both through wait4 and SIGCHLD,
 * and the child then goes on as if nothing happened (its read restarts). */
static void a_stopped_child_continues_where_it_was(void) {
    struct sigaction action = {.sa_sigaction = count_child_changes,
                               .sa_flags = SA_SIGINFO | SA_RESTART};
    struct sigaction old;
    CHECK_EQ(sigaction(SIGCHLD, &action, &old), 0);
    stopped_children = continued_children = 0;
    int ends[2];
    CHECK_EQ(pipe(ends), 0);
    pid_t child = child_waiting_on(ends[0]);
    CHECK(child > 0);
    int status = 0;
    CHECK_EQ(kill(child, SIGSTOP), 0);
    CHECK_EQ(waitpid(child, &status, WUNTRACED), child);
    CHECK(WIFSTOPPED(status));
    CHECK_EQ(WSTOPSIG(status), SIGSTOP);
    /* Reported once. */
    CHECK_EQ(waitpid(child, &status, WUNTRACED | WNOHANG), 0);
    /* A stopped child does not read: the byte waits in the pipe. */
    CHECK_EQ(write(ends[1], "\x2a", 1), 1);
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    CHECK_EQ(waitpid(child, &status, WNOHANG), 0);
    CHECK_EQ(kill(child, SIGCONT), 0);
    /* The continued child may read its byte and exit before this wait, which then reports the
     * exit (a continue is only reported while the child lives); SIGCHLD told of both. */
    CHECK_EQ(waitpid(child, &status, WCONTINUED), child);
    if (WIFCONTINUED(status))
        CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0x2a);
    CHECK_EQ(stopped_children, 1);
    CHECK_EQ(continued_children, 1);
    close(ends[0]);
    close(ends[1]);
    CHECK_EQ(sigaction(SIGCHLD, &old, NULL), 0);
}

static void sigkill_ends_a_stopped_child(void) {
    int ends[2];
    CHECK_EQ(pipe(ends), 0);
    pid_t child = child_waiting_on(ends[0]);
    int status = 0;
    /* SIGSTOP, not SIGTSTP: Linux drops the terminal stops sent to an orphaned process group,
     * which the test programs' group may be. */
    CHECK_EQ(kill(child, SIGSTOP), 0);
    CHECK_EQ(waitpid(child, &status, WUNTRACED), child);
    CHECK(WIFSTOPPED(status));
    CHECK_EQ(WSTOPSIG(status), SIGSTOP);
    CHECK_EQ(kill(child, SIGKILL), 0);
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ(WTERMSIG(status), SIGKILL);
    close(ends[0]);
    close(ends[1]);
}

static volatile int terminal_stops;

static void count_terminal_stop(int signal) {
    (void)signal;
    terminal_stops++;
}

static int stop_with_a_handler(void) {
    struct sigaction action = {.sa_handler = count_terminal_stop};
    if (sigaction(SIGTSTP, &action, NULL) != 0)
        return 1;
    raise(SIGTSTP);
    return terminal_stops == 1 ? 0 : 2;
}

/* A stop signal with a handler is caught, not a stop. */
static void a_caught_stop_signal_does_not_stop(void) {
    int status = in_child(stop_with_a_handler);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
}

/* Runs `body` in a child in a process group of its own, in the background of the terminal;
 * returns the first status wait4 reports with WUNTRACED. A stopped child is then killed. */
static int in_background_child(int (*body)(void)) {
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        _exit(body());
    }
    setpgid(pid, pid);
    int status = -1, ended;
    if (waitpid(pid, &status, WUNTRACED) != pid)
        return -1;
    if (WIFSTOPPED(status)) {
        kill(pid, SIGKILL);
        waitpid(pid, &ended, 0);
    }
    return status;
}

static int read_the_terminal(void) {
    char byte;
    return read(0, &byte, 1) == -1 && errno == EIO ? 0 : 1;
}

static int read_the_terminal_ignoring_sigttin(void) {
    signal(SIGTTIN, SIG_IGN);
    return read_the_terminal();
}

static int read_the_terminal_blocking_sigttin(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTTIN);
    sigprocmask(SIG_BLOCK, &set, NULL);
    return read_the_terminal();
}

static int change_the_terminal(void) {
    struct termios settings;
    if (tcgetattr(0, &settings) != 0)
        return 2;
    return tcsetattr(0, TCSANOW, &settings) == 0 ? 0 : 1;
}

static int change_the_terminal_ignoring_sigttou(void) {
    signal(SIGTTOU, SIG_IGN);
    return change_the_terminal();
}

static int write_to_the_terminal(void) {
    return write(1, "", 1) == 1 ? 0 : 1;
}

/* A process outside the terminal's foreground group that reads from it is stopped by SIGTTIN;
 * one that ignores or blocks SIGTTIN gets EIO instead. */
static void a_background_read_of_the_terminal_stops_with_sigttin(void) {
    CHECK(isatty(0));
    int status = in_background_child(read_the_terminal);
    CHECK(WIFSTOPPED(status));
    CHECK_EQ(WSTOPSIG(status), SIGTTIN);
    status = in_background_child(read_the_terminal_ignoring_sigttin);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    status = in_background_child(read_the_terminal_blocking_sigttin);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Changing the terminal's settings from the background is stopped by SIGTTOU unless SIGTTOU is
 * ignored; writing is too, but only with TOSTOP set. */
static void a_background_change_of_the_terminal_stops_with_sigttou(void) {
    CHECK(isatty(0));
    int status = in_background_child(change_the_terminal);
    CHECK(WIFSTOPPED(status));
    CHECK_EQ(WSTOPSIG(status), SIGTTOU);
    status = in_background_child(change_the_terminal_ignoring_sigttou);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    struct termios saved, stopping;
    CHECK_EQ(tcgetattr(0, &saved), 0);
    stopping = saved;
    stopping.c_lflag |= TOSTOP;
    CHECK_EQ(tcsetattr(0, TCSANOW, &stopping), 0);
    status = in_background_child(write_to_the_terminal);
    CHECK_EQ(tcsetattr(0, TCSANOW, &saved), 0);
    CHECK(WIFSTOPPED(status));
    CHECK_EQ(WSTOPSIG(status), SIGTTOU);
}

static int raise_sigtstp(void) {
    raise(SIGTSTP);
    return 7;
}

/* The test programs run in the process group of the first process, which has no parent: an
 * orphaned group, which the terminal's stop signals do not stop (nobody would continue it). In
 * a group of its own, whose parent is in another group of the session, SIGTSTP stops. */
static void terminal_stops_spare_an_orphaned_process_group(void) {
    int status = in_child(raise_sigtstp);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
    status = in_background_child(raise_sigtstp);
    CHECK(WIFSTOPPED(status));
    CHECK_EQ(WSTOPSIG(status), SIGTSTP);
}

int main(int argc, char **argv) {
    self = argv[0];
    if (argc > 1 && strcmp(argv[1], "dispositions") == 0)
        return report_dispositions();
    if (set_up_pages() != 0) {
        printf("test " SUITE "::set_up ... FAILED (mmap)\n");
        return 1;
    }
    RUN(a_handler_gets_the_signal_and_its_sender);
    RUN(kill_from_another_process_says_who_sent_it);
    RUN(a_blocked_signal_waits_until_unblocked);
    RUN(an_ignored_signal_vanishes);
    RUN(the_default_action_ends_the_process);
    RUN(a_fault_handler_can_rewrite_the_registers);
    RUN(a_write_to_read_only_memory_is_an_access_error);
    RUN(a_handler_runs_on_the_alternate_stack);
    RUN(fp_registers_survive_a_handler);
    RUN(a_blocked_read_restarts_only_with_sa_restart);
    RUN(sa_resethand_handles_once_then_defaults);
    RUN(a_handler_blocks_its_own_signal_unless_nodefer);
    RUN(sigchld_reports_the_child);
    RUN(sigpipe_kills_unless_ignored);
    RUN(the_interval_timer_interrupts_a_sleep);
    RUN(the_interval_timer_repeats_until_disarmed);
    RUN(the_cpu_time_timers_count_only_running_time);
    RUN(sigtimedwait_takes_a_blocked_signal_or_times_out);
    RUN(a_frame_that_would_leave_user_mode_is_a_sigsegv);
    RUN(a_signal_on_a_bad_stack_is_a_sigsegv);
    RUN(sigreturn_without_a_frame_is_a_sigsegv);
    RUN(exec_resets_handlers_but_keeps_ignored_signals);
    RUN(a_stopped_child_continues_where_it_was);
    RUN(sigkill_ends_a_stopped_child);
    RUN(a_caught_stop_signal_does_not_stop);
    RUN(a_background_read_of_the_terminal_stops_with_sigttin);
    RUN(a_background_change_of_the_terminal_stops_with_sigttou);
    RUN(terminal_stops_spare_an_orphaned_process_group);
    return failures != 0;
}
