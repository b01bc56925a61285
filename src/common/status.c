/*
 * status.c — filling sl_error objects and naming status codes.
 *
 * Every fallible engine function reports failure through these helpers; see status.h
 * for the convention (return code + optional error object, no global last error).
 */
#include "common/status.h"

#include <stdio.h>
#include <string.h>

void sl_error_clear(sl_error *err)
{
    if (!err)
        return;
    err->code = SL_OK;
    err->position = -1;
    err->message[0] = '\0';
}

sl_status sl_error_setv(sl_error *err, sl_status code, int position, const char *fmt, va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    err->position = position;
    if (fmt)
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    else
        err->message[0] = '\0';
    return code;
}

sl_status sl_error_set(sl_error *err, sl_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sl_error_setv(err, code, -1, fmt, ap);
    va_end(ap);
    return code;
}

sl_status sl_error_set_at(sl_error *err, sl_status code, int position, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sl_error_setv(err, code, position, fmt, ap);
    va_end(ap);
    return code;
}

sl_status sl_error_oom(sl_error *err)
{
    return sl_error_set(err, SL_ERR_OOM, "out of memory: allocation refused (memory limit reached or the system is out of memory)");
}

const char *sl_status_name(sl_status code)
{
    switch (code) {
    case SL_OK: return "OK";
    case SL_ERR_SYNTAX: return "Syntax Error";
    case SL_ERR_CATALOG: return "Catalog Error";
    case SL_ERR_TYPE: return "Type Error";
    case SL_ERR_RUNTIME: return "Runtime Error";
    case SL_ERR_INVALID_INPUT: return "Invalid Input Error";
    case SL_ERR_IO: return "IO Error";
    case SL_ERR_OOM: return "Out of Memory Error";
    case SL_ERR_CONSTRAINT: return "Constraint Error";
    case SL_ERR_CANCELLED: return "Interrupted";
    case SL_ERR_INVALID_ARG: return "Invalid Argument";
    case SL_ERR_INTERNAL: return "Internal Error";
    }
    return "Error";
}
