#include "numparse.h"

#include "sweep_err.h"

#include <string.h>

/* digits of text[0, len) as an integer in [lo, hi], overflow-checked digit by digit */
static int parse_span(const char *text, size_t len, int64_t lo, int64_t hi, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (len > 0 && (text[0] == '-' || text[0] == '+')) {
        neg = text[0] == '-';
        i = 1;
    }
    if (i == len)
        return SWEEP_ERR_ARG;
    /* accumulate as a negative number: its range holds INT64_MIN */
    int64_t v = 0;
    int overflow = 0;
    for (; i < len; i++) {
        const char c = text[i];
        if (c < '0' || c > '9')
            return SWEEP_ERR_ARG;
        const int d = c - '0';
        if (v < (INT64_MIN + d) / 10)
            overflow = 1;
        else
            v = v * 10 - d;
    }
    if (overflow || (!neg && v == INT64_MIN))
        return SWEEP_ERR_RANGE;
    if (!neg)
        v = -v;
    if (v < lo || v > hi)
        return SWEEP_ERR_RANGE;
    *out = v;
    return SWEEP_OK;
}

int numparse_i64(const char *text, int64_t lo, int64_t hi, int64_t *out)
{
    if (text == NULL)
        return SWEEP_ERR_ARG;
    return parse_span(text, strlen(text), lo, hi, out);
}

int numparse_int(const char *text, int lo, int hi, int *out)
{
    int64_t v = 0;
    int ret = numparse_i64(text, lo, hi, &v);
    if (ret == SWEEP_OK)
        *out = (int)v;
    return ret;
}

int numparse_grid(const char *text, int *rows, int *cols)
{
    int64_t p = 0, q = 0;
    if (numparse_pair(text, 'x', 1, NUMPARSE_MAX_GRID, &p, &q) != SWEEP_OK ||
        p * q > NUMPARSE_MAX_GRID)
        return SWEEP_ERR_ARG;
    *rows = (int)p;
    *cols = (int)q;
    return SWEEP_OK;
}

int numparse_pair(const char *text, char sep, int64_t lo, int64_t hi, int64_t *a, int64_t *b)
{
    if (text == NULL)
        return SWEEP_ERR_ARG;
    const char *s = strchr(text, sep);
    if (s == NULL || strchr(s + 1, sep) != NULL)
        return SWEEP_ERR_ARG;
    int64_t x = 0, y = 0;
    int r1 = parse_span(text, (size_t)(s - text), lo, hi, &x);
    int r2 = parse_span(s + 1, strlen(s + 1), lo, hi, &y);
    if (r1 == SWEEP_ERR_ARG || r2 == SWEEP_ERR_ARG)
        return SWEEP_ERR_ARG;
    if (r1 != SWEEP_OK || r2 != SWEEP_OK)
        return SWEEP_ERR_RANGE;
    *a = x;
    *b = y;
    return SWEEP_OK;
}
