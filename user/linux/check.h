/* The test line protocol for C test programs: `test <suite>::<name> ... ok|FAILED (reason)`. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

/* Why the running test failed; empty while it has not. */
static char failure[200];
static int failures;

/* Ends the running test as failed unless `condition` holds. */
#define CHECK(condition)                                                                      \
    do {                                                                                      \
        if (!(condition)) {                                                                   \
            snprintf(failure, sizeof failure, "line %d: %s", __LINE__, #condition);           \
            return;                                                                           \
        }                                                                                     \
    } while (0)

/* CHECK for a pair of integers, saying both. */
#define CHECK_EQ(left, right)                                                                 \
    do {                                                                                      \
        long long left_value = (long long)(left), right_value = (long long)(right);           \
        if (left_value != right_value) {                                                      \
            snprintf(failure, sizeof failure, "line %d: %s == %s: %lld != %lld", __LINE__,    \
                     #left, #right, left_value, right_value);                                 \
            return;                                                                           \
        }                                                                                     \
    } while (0)

static void run_test(const char *suite, const char *name, void (*test)(void)) {
    failure[0] = 0;
    test();
    if (failure[0]) {
        failures++;
        printf("test %s::%s ... FAILED (%s)\n", suite, name, failure);
    } else {
        printf("test %s::%s ... ok\n", suite, name);
    }
    fflush(stdout);
}

#define RUN(test) run_test(SUITE, #test, test)

#endif
