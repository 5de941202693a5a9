/* sweep_err.h - the project-wide list of error codes and their messages.
 *
 * Every fallible function in ufmsweep returns an int: SWEEP_OK (0) on success or one of the
 * negative codes below. A solve that does not converge or diverges is NOT an error: it is an
 * outcome stored with the result (see ufm_outcome in the solver headers).
 *
 * Core functions that validate user input also fill a sweep_errbuf with a sentence naming the
 * offending option and value, so the driver can print exactly what is wrong. The buffer is
 * optional (NULL is accepted everywhere). No global state: the buffer belongs to the caller.
 */
#ifndef UFMSWEEP_SWEEP_ERR_H
#define UFMSWEEP_SWEEP_ERR_H

#include <stddef.h>

/* SWEEP_MUST_USE - on every function of the layers' headers that returns an int (an error code
 * or a value): the compiler warns when a caller drops it (-Werror in CI), as PETSc's strict
 * error codes do. sweep_err_set and sweep_err_set_key are left out: they record a message and
 * return its code only for the convenience of `return sweep_err_set(...)`. */
#if defined(__GNUC__)
#define SWEEP_MUST_USE __attribute__((warn_unused_result))
#else
#define SWEEP_MUST_USE
#endif

/* X(name, value, message) */
#define SWEEP_ERR_LIST(X)                                                          \
    X(SWEEP_ERR_ARG, -1, "invalid argument")                                       \
    X(SWEEP_ERR_NOMEM, -2, "out of memory")                                        \
    X(SWEEP_ERR_NUMERIC, -3, "NaN or Inf in input or intermediate result")         \
    X(SWEEP_ERR_LAPACK, -4, "LAPACK routine failed")                               \
    X(SWEEP_ERR_NO_CLOSED_FORM, -5, "no closed form; needs the convex reference")  \
    X(SWEEP_ERR_IO, -6, "I/O error")                                               \
    X(SWEEP_ERR_MPI, -7, "MPI call failed")                                        \
    X(SWEEP_ERR_HDF5, -8, "HDF5 call failed")                                      \
    X(SWEEP_ERR_UNSUPPORTED, -9, "not supported")                                  \
    X(SWEEP_ERR_INTERNAL, -10, "internal error (a bug: please report it)")        \
    X(SWEEP_ERR_BUSY, -11, "locked: another process has the file open")         \
    X(SWEEP_ERR_NOT_OURS, -12, "not a ufmsweep file")                              \
    X(SWEEP_ERR_OTHER_SPEC, -13, "belongs to another spec")                        \
    X(SWEEP_ERR_NEWER, -14, "written by a newer ufmsweep (newer format)")          \
    X(SWEEP_ERR_DAMAGED, -15, "damaged file")                                      \
    X(SWEEP_ERR_EXISTS, -16, "already exists")                                     \
    X(SWEEP_ERR_NOSPACE, -17, "no space left on the device")                       \
    X(SWEEP_ERR_RANGE, -18, "value out of range")                                 \
    X(SWEEP_ERR_INTERRUPTED, -19, "interrupted by a stop request")                \
    X(SWEEP_ERR_LEFT_OPEN, -20, "left open by a writer that did not finish")     \
    X(SWEEP_ERR_EXTERNAL, -21, "the external command failed")                     \
    X(SWEEP_ERR_REPLACED, -22, "the path no longer names the file open for writing") \
    X(SWEEP_ERR_NUMERICS, -23, "computed by another numerics version")

enum sweep_err {
    SWEEP_OK = 0,
#define SWEEP_ERR_ENUM_(name, value, msg) name = value,
    SWEEP_ERR_LIST(SWEEP_ERR_ENUM_)
#undef SWEEP_ERR_ENUM_
};

/* sweep_strerror - Static message for a code (never NULL; "unknown error" for unknown codes). */
const char *sweep_strerror(int code);

/* sweep_strerror_name - Static enumerator name for a code, e.g. "SWEEP_ERR_ARG". */
const char *sweep_strerror_name(int code);

/* A caller-owned buffer for the first error's detail message. */
typedef struct sweep_errbuf {
    int code;       /* first error code recorded, SWEEP_OK if none */
    char key[48];   /* the option the first error is about ("lr", "n-min"), "" if none */
    char msg[8192]; /* detail of the first error, "" if none (room for two full paths) */
} sweep_errbuf;

/* sweep_errbuf_clear - Reset eb to "no error". eb may be NULL. */
void sweep_errbuf_clear(sweep_errbuf *eb);

/* sweep_err_set - Record code and a printf-style detail in eb (first error wins) and return
 * code, so validators can write `return sweep_err_set(eb, SWEEP_ERR_ARG, "...", v);`.
 * eb may be NULL (the detail is then dropped). */
int sweep_err_set(sweep_errbuf *eb, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* sweep_err_set_key - sweep_err_set that also records the option the error is about (its long
 * name, as in the option table: "n-min"), so that callers locate it (a spec names the line of
 * that key) without reading the message. */
int sweep_err_set_key(sweep_errbuf *eb, int code, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif /* UFMSWEEP_SWEEP_ERR_H */
