/* test-threads: POSIX threads as glibc builds them on clone, futex and the thread-id words,
 * built static with gcc and run unmodified: create and join, mutexes and condition variables
 * under contention, thread-local storage, thread ids, exit versus exit_group, signals to the
 * process and to one thread, faults, fork and execve from a threaded process, the futex
 * calls themselves (bad pointers included), and no memory kept after threads come and go.
 * The same binary passes under Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "child.h"

#define SUITE "threads"

static long raw_futex(void *address, int operation, unsigned value, const struct timespec *timeout) {
    return syscall(SYS_futex, address, operation, value, timeout, NULL, 0);
}

static pid_t gettid_now(void) {
    return (pid_t)syscall(SYS_gettid);
}

static void *double_it(void *argument) {
    return (void *)((uintptr_t)argument * 2);
}

static void create_and_join_returns_the_value(void) {
    pthread_t thread;
    CHECK_EQ(pthread_create(&thread, NULL, double_it, (void *)21), 0);
    void *result = NULL;
    CHECK_EQ(pthread_join(thread, &result), 0);
    CHECK_EQ((uintptr_t)result, 42);
}

static struct {
    pid_t pid, tid;
} seen_by_thread;

static void *note_ids(void *unused) {
    (void)unused;
    seen_by_thread.pid = getpid();
    seen_by_thread.tid = gettid_now();
    return NULL;
}

static void a_thread_has_its_own_tid_and_the_process_pid(void) {
    pthread_t thread;
    CHECK_EQ(gettid_now(), getpid());
    CHECK_EQ(pthread_create(&thread, NULL, note_ids, NULL), 0);
    CHECK_EQ(pthread_join(thread, NULL), 0);
    CHECK_EQ(seen_by_thread.pid, getpid());
    CHECK(seen_by_thread.tid != getpid());
    CHECK(seen_by_thread.tid > 0);
}

#define WORKERS 8
#define ROUNDS 2000

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *count_up(void *unused) {
    (void)unused;
    for (int round = 0; round < ROUNDS; round++) {
        pthread_mutex_lock(&counter_lock);
        long value = counter;
        if (round % 100 == 0)
            sched_yield(); /* hold the lock across a switch: others must wait on the futex */
        counter = value + 1;
        pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

static void a_contended_mutex_loses_no_update(void) {
    pthread_t workers[WORKERS];
    counter = 0;
    for (int i = 0; i < WORKERS; i++)
        CHECK_EQ(pthread_create(&workers[i], NULL, count_up, NULL), 0);
    for (int i = 0; i < WORKERS; i++)
        CHECK_EQ(pthread_join(workers[i], NULL), 0);
    CHECK_EQ(counter, WORKERS * ROUNDS);
}

#define ITEMS 200

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_changed = PTHREAD_COND_INITIALIZER;
static int queue[4], queue_length;
static long consumed_sum;

static void *consume(void *unused) {
    (void)unused;
    for (int taken = 0; taken < ITEMS; taken++) {
        pthread_mutex_lock(&queue_lock);
        while (queue_length == 0)
            pthread_cond_wait(&queue_changed, &queue_lock);
        consumed_sum += queue[--queue_length];
        pthread_cond_broadcast(&queue_changed);
        pthread_mutex_unlock(&queue_lock);
    }
    return NULL;
}

static void a_condition_variable_hands_items_over(void) {
    pthread_t consumer;
    consumed_sum = 0;
    queue_length = 0;
    CHECK_EQ(pthread_create(&consumer, NULL, consume, NULL), 0);
    for (int item = 1; item <= ITEMS; item++) {
        pthread_mutex_lock(&queue_lock);
        while (queue_length == 4)
            pthread_cond_wait(&queue_changed, &queue_lock);
        queue[queue_length++] = item;
        pthread_cond_signal(&queue_changed);
        pthread_mutex_unlock(&queue_lock);
    }
    CHECK_EQ(pthread_join(consumer, NULL), 0);
    CHECK_EQ(consumed_sum, ITEMS * (ITEMS + 1) / 2);
}

static void a_timed_wait_times_out(void) {
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t never = PTHREAD_COND_INITIALIZER;
    struct timespec deadline, after;
    CHECK_EQ(clock_gettime(CLOCK_REALTIME, &deadline), 0);
    deadline.tv_nsec += 30 * 1000 * 1000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&lock);
    CHECK_EQ(pthread_cond_timedwait(&never, &lock, &deadline), ETIMEDOUT);
    pthread_mutex_unlock(&lock);
    CHECK_EQ(clock_gettime(CLOCK_REALTIME, &after), 0);
    CHECK(after.tv_sec > deadline.tv_sec ||
          (after.tv_sec == deadline.tv_sec && after.tv_nsec >= deadline.tv_nsec));
}

static sem_t ready;

static void *post_later(void *unused) {
    (void)unused;
    struct timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, NULL);
    sem_post(&ready);
    return NULL;
}

static void a_semaphore_wakes_its_waiter(void) {
    pthread_t poster;
    CHECK_EQ(sem_init(&ready, 0, 0), 0);
    CHECK_EQ(pthread_create(&poster, NULL, post_later, NULL), 0);
    CHECK_EQ(sem_wait(&ready), 0);
    CHECK_EQ(pthread_join(poster, NULL), 0);
    CHECK_EQ(sem_destroy(&ready), 0);
}

static __thread int per_thread = 7;

static void *change_own_copy(void *value) {
    per_thread = (int)(uintptr_t)value;
    sched_yield();
    return (void *)(uintptr_t)per_thread;
}

static void thread_local_storage_is_per_thread(void) {
    pthread_t first, second;
    per_thread = 1;
    CHECK_EQ(pthread_create(&first, NULL, change_own_copy, (void *)100), 0);
    CHECK_EQ(pthread_create(&second, NULL, change_own_copy, (void *)200), 0);
    void *first_result, *second_result;
    CHECK_EQ(pthread_join(first, &first_result), 0);
    CHECK_EQ(pthread_join(second, &second_result), 0);
    CHECK_EQ((uintptr_t)first_result, 100);
    CHECK_EQ((uintptr_t)second_result, 200);
    CHECK_EQ(per_thread, 1);
}

/* Sleeps until a signal ends the process (glibc's pause() is ppoll, not needed here). */
static void *sleep_forever(void *unused) {
    (void)unused;
    sigset_t none;
    sigemptyset(&none);
    for (;;)
        sigsuspend(&none);
    return NULL;
}

static void *exit_process_with_3(void *unused) {
    (void)unused;
    exit(3);
}

static int exit_from_a_thread(void) {
    pthread_t sleeper, exiter;
    pthread_create(&sleeper, NULL, sleep_forever, NULL);
    pthread_create(&exiter, NULL, exit_process_with_3, NULL);
    sleep_forever(NULL);
    return 0;
}

static void exit_in_one_thread_ends_them_all(void) {
    int status = in_child(exit_from_a_thread);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 3);
}

static void *finish_after_the_main_thread(void *unused) {
    (void)unused;
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    exit(5);
}

static int main_thread_exits_first(void) {
    pthread_t late;
    pthread_create(&late, NULL, finish_after_the_main_thread, NULL);
    pthread_exit(NULL);
}

static void the_process_outlives_its_main_thread(void) {
    int status = in_child(main_thread_exits_first);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 5);
}

static int *volatile nowhere = (int *)16;

static void *fault(void *unused) {
    (void)unused;
    *nowhere = 1;
    return NULL;
}

static int fault_in_a_thread(void) {
    pthread_t faulting, sleeper;
    pthread_create(&sleeper, NULL, sleep_forever, NULL);
    pthread_create(&faulting, NULL, fault, NULL);
    pthread_join(faulting, NULL);
    return 0;
}

static void a_fault_in_a_thread_kills_the_process(void) {
    int status = in_child(fault_in_a_thread);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ(WTERMSIG(status), SIGSEGV);
}

static volatile pid_t handled_on;

static void note_thread(int signal) {
    (void)signal;
    handled_on = gettid_now();
}

static volatile pid_t sleeper_tid;

/* SIGUSR1 is blocked until sigsuspend opens it: a signal that came between the look at
 * handled_on and the call would otherwise be handled there, and sigsuspend would wait for
 * ever for another. */
static void *report_and_wait(void *unused) {
    (void)unused;
    sigset_t usr1, none;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
    sleeper_tid = gettid_now();
    sigemptyset(&none);
    while (handled_on == 0)
        sigsuspend(&none);
    return NULL;
}

static void pthread_kill_reaches_that_thread(void) {
    struct sigaction action = {.sa_handler = note_thread};
    CHECK_EQ(sigaction(SIGUSR1, &action, NULL), 0);
    handled_on = 0;
    sleeper_tid = 0;
    pthread_t target;
    CHECK_EQ(pthread_create(&target, NULL, report_and_wait, NULL), 0);
    while (sleeper_tid == 0)
        sched_yield();
    CHECK_EQ(pthread_kill(target, SIGUSR1), 0);
    CHECK_EQ(pthread_join(target, NULL), 0);
    CHECK_EQ(handled_on, sleeper_tid);
    signal(SIGUSR1, SIG_DFL);
}

static void *block_usr2_and_wait(void *unused) {
    (void)unused;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    int signal = 0;
    sigwait(&set, &signal);
    return (void *)(uintptr_t)signal;
}

/* kill() names the process: the one thread that waits for the signal takes it. */
static void a_signal_to_the_process_reaches_the_thread_that_waits(void) {
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    CHECK_EQ(pthread_sigmask(SIG_BLOCK, &set, &old), 0);
    pthread_t waiter;
    CHECK_EQ(pthread_create(&waiter, NULL, block_usr2_and_wait, NULL), 0);
    struct timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, NULL);
    CHECK_EQ(kill(getpid(), SIGUSR2), 0);
    void *received;
    CHECK_EQ(pthread_join(waiter, &received), 0);
    CHECK_EQ((uintptr_t)received, SIGUSR2);
    CHECK_EQ(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
}

static int fork_from_a_thread_child(void) {
    pid_t pid = fork();
    if (pid == 0)
        _exit(getpid() == gettid_now() ? 9 : 1);
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 100;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 101;
}

static void *fork_here(void *unused) {
    (void)unused;
    return (void *)(uintptr_t)fork_from_a_thread_child();
}

static void fork_in_a_thread_gives_a_one_thread_child(void) {
    pthread_t forker;
    CHECK_EQ(pthread_create(&forker, NULL, fork_here, NULL), 0);
    void *result;
    CHECK_EQ(pthread_join(forker, &result), 0);
    CHECK_EQ((uintptr_t)result, 9);
}

static const char *self;

static int exec_with_threads_running(void) {
    pthread_t sleeper;
    pthread_create(&sleeper, NULL, sleep_forever, NULL);
    pthread_create(&sleeper, NULL, sleep_forever, NULL);
    execl(self, self, "exit-11", (char *)NULL);
    return 100;
}

static void execve_ends_the_other_threads(void) {
    int status = in_child(exec_with_threads_running);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 11);
}

static void futex_wait_checks_the_word(void) {
    static uint32_t word = 5;
    struct timespec short_wait = {0, 1000 * 1000};
    CHECK_EQ(raw_futex(&word, FUTEX_WAIT_PRIVATE, 4, &short_wait), -1);
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(raw_futex(&word, FUTEX_WAIT_PRIVATE, 5, &short_wait), -1);
    CHECK_EQ(errno, ETIMEDOUT);
    CHECK_EQ(raw_futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL), 0);
    CHECK_EQ(raw_futex((char *)&word + 1, FUTEX_WAKE_PRIVATE, 1, NULL), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(syscall(SYS_futex, &word, FUTEX_WAIT_BITSET_PRIVATE, 5, NULL, NULL, 0), -1);
    CHECK_EQ(errno, EINVAL);
}

/* The word is read through uaccess: every address a user cannot read is EFAULT. */
static void futex_wait_on_a_bad_word_is_efault(void) {
    struct timespec short_wait = {0, 1000 * 1000};
    void *unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(unmapped != MAP_FAILED);
    CHECK_EQ(munmap(unmapped, 4096), 0);
    void *bad[] = {NULL, unmapped, (void *)0xffff000000080000UL, (void *)0x0001000000000000UL};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(raw_futex(bad[i], FUTEX_WAIT_PRIVATE, 0, &short_wait), -1);
        CHECK_EQ(errno, EFAULT);
    }
    /* A read-only word can be waited on. */
    uint32_t *read_only = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(read_only != MAP_FAILED);
    CHECK_EQ(raw_futex(read_only, FUTEX_WAIT_PRIVATE, 0, &short_wait), -1);
    CHECK_EQ(errno, ETIMEDOUT);
    CHECK_EQ(munmap(read_only, 4096), 0);
}

static void futex_wait_with_a_bad_timeout_is_efault(void) {
    static uint32_t word;
    char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(pages != MAP_FAILED);
    CHECK_EQ(munmap(pages + 4096, 4096), 0);
    /* The seconds readable, the nanoseconds past the end of the mapping. */
    struct timespec *straddling = (struct timespec *)(pages + 4096 - 8);
    straddling->tv_sec = 0;
    const struct timespec *bad[] = {straddling, (void *)(pages + 4096),
                                    (void *)0xffff000000080000UL};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(raw_futex(&word, FUTEX_WAIT_PRIVATE, 0, bad[i]), -1);
        CHECK_EQ(errno, EFAULT);
    }
    CHECK_EQ(munmap(pages, 4096), 0);
}

static uint32_t requeue_word, requeue_target;
static volatile int requeue_waiters_done;

static void *wait_on_requeue_word(void *unused) {
    (void)unused;
    while (raw_futex(&requeue_word, FUTEX_WAIT_PRIVATE, 0, NULL) != 0 && errno == EINTR)
        ;
    __atomic_add_fetch(&requeue_waiters_done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Two waiters: one woken at once, the other moved to another word and woken there. */
static void futex_requeue_moves_waiters(void) {
    pthread_t waiters[2];
    requeue_waiters_done = 0;
    for (int i = 0; i < 2; i++)
        CHECK_EQ(pthread_create(&waiters[i], NULL, wait_on_requeue_word, NULL), 0);
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    CHECK_EQ(syscall(SYS_futex, &requeue_word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &requeue_target, 1),
             -1);
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(syscall(SYS_futex, &requeue_word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &requeue_target, 0),
             2);
    nanosleep(&pause, NULL);
    CHECK_EQ(requeue_waiters_done, 1);
    CHECK_EQ(raw_futex(&requeue_word, FUTEX_WAKE_PRIVATE, 1, NULL), 0);
    CHECK_EQ(raw_futex(&requeue_target, FUTEX_WAKE_PRIVATE, 1, NULL), 1);
    for (int i = 0; i < 2; i++)
        CHECK_EQ(pthread_join(waiters[i], NULL), 0);
    CHECK_EQ(requeue_waiters_done, 2);
}

static void handle_quietly(int signal) {
    (void)signal;
}

/* Threads that come and go, with signals delivered to them, in a child that ends: afterwards
 * the kernel has as much free memory as before. */
static int churn_threads_and_signals(void) {
    struct sigaction action = {.sa_handler = handle_quietly};
    sigaction(SIGUSR1, &action, NULL);
    for (int round = 0; round < 20; round++) {
        pthread_t threads[4];
        for (int i = 0; i < 4; i++)
            if (pthread_create(&threads[i], NULL, double_it, (void *)1) != 0)
                return 1;
        for (int i = 0; i < 4; i++) {
            pthread_kill(threads[i], SIGUSR1);
            pthread_join(threads[i], NULL);
        }
        raise(SIGUSR1);
    }
    return 0;
}

static unsigned long free_memory(void) {
    struct sysinfo info;
    return sysinfo(&info) == 0 ? info.freeram * info.mem_unit : 0;
}

static void threads_and_signals_leave_no_memory_behind(void) {
    /* Once first, so that whatever is allocated once and kept is in place. */
    CHECK_EQ(in_child(churn_threads_and_signals), 0);
    unsigned long before = free_memory();
    CHECK_EQ(in_child(churn_threads_and_signals), 0);
    /* This kernel frees at once; Linux frees some of it a little later (RCU, per-CPU lists),
     * so the memory has two seconds to come back. A leak never does. */
    unsigned long after = free_memory();
    for (int wait = 0; wait < 100 && after < before; wait++) {
        nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
        after = free_memory();
    }
    CHECK(after >= before);
}

int main(int argc, char **argv) {
    self = argv[0];
    if (argc > 1 && strcmp(argv[1], "exit-11") == 0)
        return 11;
    RUN(create_and_join_returns_the_value);
    RUN(a_thread_has_its_own_tid_and_the_process_pid);
    RUN(a_contended_mutex_loses_no_update);
    RUN(a_condition_variable_hands_items_over);
    RUN(a_timed_wait_times_out);
    RUN(a_semaphore_wakes_its_waiter);
    RUN(thread_local_storage_is_per_thread);
    RUN(exit_in_one_thread_ends_them_all);
    RUN(the_process_outlives_its_main_thread);
    RUN(a_fault_in_a_thread_kills_the_process);
    RUN(pthread_kill_reaches_that_thread);
    RUN(a_signal_to_the_process_reaches_the_thread_that_waits);
    RUN(fork_in_a_thread_gives_a_one_thread_child);
    RUN(execve_ends_the_other_threads);
    RUN(futex_wait_checks_the_word);
    RUN(futex_wait_on_a_bad_word_is_efault);
    RUN(futex_wait_with_a_bad_timeout_is_efault);
    RUN(futex_requeue_moves_waiters);
    RUN(threads_and_signals_leave_no_memory_behind);
    return failures != 0;
}
