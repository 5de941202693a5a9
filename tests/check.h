/* check.h - minimal assertions for the C tests. Each test function declares `int fails = 0;`,
 * uses the CHECK_* macros (which print file:line, the expression and both values on failure)
 * and returns fails. RUN_TEST prints a PASS/FAIL line per test; TEST_SUMMARY prints
 * "N passed, M failed" and yields the exit status. */
#ifndef UFMSWEEP_TESTS_CHECK_H
#define UFMSWEEP_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            fails++;                                                               \
        }                                                                          \
    } while (0)

/* |a - b| <= tol * max(1, |b|) */
#define CHECK_NEAR(a, b, tol)                                                              \
    do {                                                                                   \
        double a_ = (double)(a), b_ = (double)(b);                                         \
        double s_ = fabs(b_) > 1.0 ? fabs(b_) : 1.0;                                       \
        if (!(fabs(a_ - b_) <= (tol) * s_)) {                                              \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.17g vs %s = %.17g (|diff| %.3g, tol %.3g)\n", \
                    __FILE__, __LINE__, #a, a_, #b, b_, fabs(a_ - b_), (double)(tol));    \
            fails++;                                                                       \
        }                                                                                  \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                 \
    do {                                                                                   \
        long a_ = (long)(a), b_ = (long)(b);                                               \
        if (a_ != b_) {                                                                    \
            fprintf(stderr, "%s:%d: CHECK_EQ_INT failed: %s = %ld vs %s = %ld\n", __FILE__, \
                    __LINE__, #a, a_, #b, b_);                                             \
            fails++;                                                                       \
        }                                                                                  \
    } while (0)

#define CHECK_NAN(x)                                                                       \
    do {                                                                                   \
        double x_ = (double)(x);                                                           \
        if (!isnan(x_)) {                                                                  \
            fprintf(stderr, "%s:%d: CHECK_NAN failed: %s = %.17g\n", __FILE__, __LINE__, #x, x_); \
            fails++;                                                                       \
        }                                                                                  \
    } while (0)

#define CHECK_OK(call) CHECK_EQ_INT((call), 0)
#define CHECK_ERR(code, call) CHECK_EQ_INT((call), (code))

/* substring check on a message */
#define CHECK_CONTAINS(hay, needle)                                                        \
    do {                                                                                   \
        if (strstr((hay), (needle)) == NULL) {                                             \
            fprintf(stderr, "%s:%d: CHECK_CONTAINS failed: \"%s\" lacks \"%s\"\n", __FILE__, \
                    __LINE__, (hay), (needle));                                            \
            fails++;                                                                       \
        }                                                                                  \
    } while (0)

/* n doubles of a and b bitwise equal (NaN payloads too); on failure, the first index that differs
 * with both values in round-trip precision, and how many differ */
static inline int check_doubles_equal_(const double *a, const double *b, size_t n, size_t *first,
                                       size_t *count)
{
    *count = 0;
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof(double)) != 0 && (*count)++ == 0)
            *first = i;
    return *count == 0;
}
#define CHECK_MEM_EQ(a, b, n)                                                                  \
    do {                                                                                       \
        size_t first_ = 0, count_ = 0;                                                         \
        if (!check_doubles_equal_((a), (b), (n), &first_, &count_)) {                          \
            fprintf(stderr,                                                                    \
                    "%s:%d: CHECK_MEM_EQ failed: %s and %s differ at %zu of %zu values, first "  \
                    "[%zu]: %.17g vs %.17g\n",                                                 \
                    __FILE__, __LINE__, #a, #b, count_, (size_t)(n), first_, (a)[first_],     \
                    (b)[first_]);                                                              \
            fails++;                                                                           \
        }                                                                                      \
    } while (0)

#define RUN_TEST(fn, passed, failed)                                                       \
    do {                                                                                   \
        int f_ = fn();                                                                     \
        printf("%s %s%s\n", f_ == 0 ? "PASS" : "FAIL", #fn, f_ == 0 ? "" : " (see stderr)"); \
        if (f_ == 0)                                                                       \
            (passed)++;                                                                    \
        else                                                                               \
            (failed)++;                                                                    \
    } while (0)

#define TEST_SUMMARY(passed, failed) \
    (printf("%d passed, %d failed\n", (passed), (failed)), (failed) == 0 ? 0 : 1)

#endif /* UFMSWEEP_TESTS_CHECK_H */
