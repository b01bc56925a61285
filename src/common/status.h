/*
 * status.h — error codes and the error object every fallible function fills.
 *
 * Functions that can fail return sl_status (SL_OK == 0) and take an optional
 * `sl_error *err` as their last parameter. On failure they fill err (if non-NULL)
 * with a code, a human message (what failed, where, what to do) and, for SQL
 * errors, the byte offset into the statement text. There is no global "last error".
 */
#ifndef SL_COMMON_STATUS_H
#define SL_COMMON_STATUS_H

#include <stdarg.h>
#include <stddef.h>

typedef enum sl_status {
    SL_OK = 0,
    SL_ERR_SYNTAX,       /* SQL text does not parse */
    SL_ERR_CATALOG,      /* unknown/duplicate table, column, function, ... */
    SL_ERR_TYPE,         /* type mismatch at bind time */
    SL_ERR_RUNTIME,      /* division by zero, overflow, invalid cast at run time */
    SL_ERR_INVALID_INPUT,/* malformed CSV / JSON / Arrow data */
    SL_ERR_IO,           /* file system errors */
    SL_ERR_OOM,          /* allocation refused (memory limit or malloc failure) */
    SL_ERR_CONSTRAINT,   /* NOT NULL etc. */
    SL_ERR_CANCELLED,    /* query interrupted */
    SL_ERR_INVALID_ARG,  /* API misuse: bad argument, wrong state */
    SL_ERR_INTERNAL      /* a bug: an invariant did not hold */
} sl_status;

#define SL_ERROR_MESSAGE_MAX 1024

typedef struct sl_error {
    sl_status code;
    int position;                        /* byte offset into SQL text, -1 if none */
    char message[SL_ERROR_MESSAGE_MAX];
} sl_error;

/* Resets err to "no error" (code SL_OK, position -1, empty message). err may be NULL. */
void sl_error_clear(sl_error *err);

/* Fills err (if non-NULL) with code and a printf-formatted message; returns code, so
 * callers can write `return sl_error_set(err, SL_ERR_IO, "cannot open '%s'", path);`. */
sl_status sl_error_set(sl_error *err, sl_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As sl_error_set, also recording a byte offset into the SQL text. */
sl_status sl_error_set_at(sl_error *err, sl_status code, int position, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

sl_status sl_error_setv(sl_error *err, sl_status code, int position, const char *fmt, va_list ap);

/* Shorthand for the out-of-memory error. */
sl_status sl_error_oom(sl_error *err);

/* Short name of a status code ("Syntax Error", "Catalog Error", ...), as shown to users. */
const char *sl_status_name(sl_status code);

/* Propagate a failing status. */
#define SL_TRY(expr)                          \
    do {                                      \
        sl_status sl_try_status_ = (expr);    \
        if (sl_try_status_ != SL_OK)          \
            return sl_try_status_;            \
    } while (0)

#endif
