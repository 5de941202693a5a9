#include "sweep_err.h"

#include <stdarg.h>
#include <stdio.h>

const char *sweep_strerror(int code)
{
    switch (code) {
    case SWEEP_OK:
        return "success";
#define SWEEP_ERR_MSG_(name, value, msg) \
    case name:                           \
        return msg;
        SWEEP_ERR_LIST(SWEEP_ERR_MSG_)
#undef SWEEP_ERR_MSG_
    default:
        return "unknown error";
    }
}

const char *sweep_strerror_name(int code)
{
    switch (code) {
    case SWEEP_OK:
        return "SWEEP_OK";
#define SWEEP_ERR_NAME_(name, value, msg) \
    case name:                            \
        return #name;
        SWEEP_ERR_LIST(SWEEP_ERR_NAME_)
#undef SWEEP_ERR_NAME_
    default:
        return "SWEEP_ERR_UNKNOWN";
    }
}

void sweep_errbuf_clear(sweep_errbuf *eb)
{
    if (eb == NULL)
        return;
    eb->code = SWEEP_OK;
    eb->key[0] = '\0';
    eb->msg[0] = '\0';
}

int sweep_err_set_key(sweep_errbuf *eb, int code, const char *key, const char *fmt, ...)
{
    if (eb == NULL || eb->code != SWEEP_OK)
        return code;
    eb->code = code;
    snprintf(eb->key, sizeof eb->key, "%s", key != NULL ? key : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(eb->msg, sizeof eb->msg, fmt, ap);
    va_end(ap);
    return code;
}

int sweep_err_set(sweep_errbuf *eb, int code, const char *fmt, ...)
{
    if (eb == NULL || eb->code != SWEEP_OK)
        return code;
    eb->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(eb->msg, sizeof eb->msg, fmt, ap);
    va_end(ap);
    return code;
}
