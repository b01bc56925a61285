/*
 * check.h — a tiny assertion helper for the C unit tests.
 *
 * Each tests/unit/test_*.c is one executable run by ctest: it calls its test functions
 * through CHECK_RUN and returns CHECK_EXIT_CODE() from main, nonzero when any check
 * failed. A failed CHECK prints file:line and the failed expression and keeps going, so
 * one run shows every failure.
 */
#ifndef SL_TESTS_CHECK_H
#define SL_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures_;
static int check_count_;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        check_count_++;                                                               \
        if (!(cond)) {                                                                \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                             \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                            \
    do {                                                                              \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);               \
        check_count_++;                                                               \
        if (check_a_ != check_b_) {                                                   \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n",         \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);                  \
        }                                                                             \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                            \
    do {                                                                              \
        const char *check_a_ = (a), *check_b_ = (b);                                  \
        check_count_++;                                                               \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {              \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n",     \
                    __FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)",       \
                    check_b_ ? check_b_ : "(null)");                                  \
        }                                                                             \
    } while (0)

/* CHECK_OK(status-expression): the call must return SL_OK. */
#define CHECK_OK(expr) CHECK_EQ_INT((expr), 0)

#define CHECK_RUN(fn)                                                                 \
    do {                                                                              \
        int check_before_ = check_failures_;                                          \
        fn();                                                                         \
        fprintf(stderr, "%s %s\n", check_failures_ == check_before_ ? "ok  " : "FAIL", #fn); \
    } while (0)

#define CHECK_EXIT_CODE()                                                             \
    (fprintf(stderr, "%d checks, %d failed\n", check_count_, check_failures_),        \
     check_failures_ ? 1 : 0)

#endif
