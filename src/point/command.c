/* The command template of `solver: external` (command.h). */
#include "command.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct str_buf {
    char *p;
    size_t len, cap;
} str_buf;

static int sb_put(str_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return SWEEP_ERR_NOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return SWEEP_OK;
}

/* the shortest decimal that reads back as x; whole numbers without an exponent (10, not
 * 1e+01: a program may parse the value as an integer) */
static void shortest(double x, char *buf, size_t cap)
{
    if (x == floor(x) && fabs(x) < 1e15) {
        snprintf(buf, cap, "%.0f", x + 0.0);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}

/* The value of placeholder name for the point (pp NULL: only check that it is known). */
static int placeholder(const char *name, const point_params *pp, int64_t point, const char *out,
                       char *buf, size_t cap, sweep_errbuf *eb)
{
    if (!strcmp(name, "out")) {
        if (pp != NULL)
            snprintf(buf, cap, "%s", out);
        return SWEEP_OK;
    }
    if (!strcmp(name, "point")) {
        if (pp != NULL)
            snprintf(buf, cap, "%lld", (long long)point);
        return SWEEP_OK;
    }
    const param_def *def = params_find(name, ~0u);
    if (def == NULL || !strcmp(def->name, "command"))
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "command",
                                 "--command: unknown placeholder {%s} (use {out}, {seed}, {point} "
                                 "or an option such as {loss}, {gamma}, {R})",
                                 name);
    if (pp == NULL)
        return SWEEP_OK;
    if (def->type == PARAM_REAL)
        shortest(*(const double *)((const char *)pp + def->offset), buf, cap);
    else
        params_value_text(pp, def, buf, cap);
    return SWEEP_OK;
}

/* Split tmpl into arguments, substituting placeholders (pp NULL: check only). */
static int split(const char *tmpl, const point_params *pp, int64_t point, const char *out,
                 char ***argv_out, int *argc_out, int *has_out, sweep_errbuf *eb)
{
    int ret = SWEEP_OK, argc = 0, in_word = 0;
    char **argv = NULL, quote = 0;
    str_buf w = {NULL, 0, 0};
    *has_out = 0;
    for (const char *c = tmpl;; c++) {
        const int end = *c == '\0';
        const int blank = !quote && (*c == ' ' || *c == '\t' || *c == '\n');
        if ((end || blank) && in_word) {
            char **na = realloc(argv, (size_t)(argc + 2) * sizeof *na);
            if (na == NULL) {
                ret = SWEEP_ERR_NOMEM;
                goto cleanup;
            }
            argv = na;
            argv[argc++] = w.p != NULL ? w.p : strdup("");
            argv[argc] = NULL;
            if (argv[argc - 1] == NULL) {
                ret = SWEEP_ERR_NOMEM;
                goto cleanup;
            }
            w.p = NULL;
            w.len = w.cap = 0;
            in_word = 0;
        }
        if (end)
            break;
        if (blank)
            continue;
        in_word = 1;
        if (quote == 0 && (*c == '\'' || *c == '"')) {
            quote = *c;
            if ((ret = sb_put(&w, "", 0)) != SWEEP_OK)
                goto cleanup;
            continue;
        }
        if (quote != 0 && *c == quote) {
            quote = 0;
            continue;
        }
        if (*c == '\\' && quote != '\'' && c[1] != '\0') {
            c++;
            if ((ret = sb_put(&w, c, 1)) != SWEEP_OK)
                goto cleanup;
            continue;
        }
        if ((*c == '{' && c[1] == '{') || (*c == '}' && c[1] == '}')) {
            if ((ret = sb_put(&w, c, 1)) != SWEEP_OK)
                goto cleanup;
            c++;
            continue;
        }
        if (*c == '{') {
            const char *close = strchr(c, '}');
            char name[64], val[8192] = "";
            if (close == NULL || close - c - 1 <= 0 || (size_t)(close - c - 1) >= sizeof name) {
                ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, "command",
                                        "--command: '{' without a placeholder name and '}' "
                                        "(write {{ for a brace)");
                goto cleanup;
            }
            memcpy(name, c + 1, (size_t)(close - c - 1));
            name[close - c - 1] = '\0';
            if ((ret = placeholder(name, pp, point, out, val, sizeof val, eb)) != SWEEP_OK)
                goto cleanup;
            *has_out |= !strcmp(name, "out");
            if ((ret = sb_put(&w, val, strlen(val))) != SWEEP_OK)
                goto cleanup;
            c = close;
            continue;
        }
        if (*c == '}') {
            ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, "command",
                                    "--command: '}' without '{' (write }} for a brace)");
            goto cleanup;
        }
        if ((ret = sb_put(&w, c, 1)) != SWEEP_OK)
            goto cleanup;
    }
    if (quote != 0) {
        ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, "command", "--command: an unclosed %c quote",
                                quote);
        goto cleanup;
    }
    if (argc == 0) {
        ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, "command",
                                "--command: empty (solver external runs it for every point)");
        goto cleanup;
    }
    *argv_out = argv;
    *argc_out = argc;
    argv = NULL;
cleanup:
    free(w.p);
    point_command_argv_free(&argv);
    return ret;
}

int point_command_check(const char *tmpl, sweep_errbuf *eb)
{
    char **argv = NULL;
    int argc = 0, has_out = 0;
    int ret = split(tmpl, NULL, 0, NULL, &argv, &argc, &has_out, eb);
    point_command_argv_free(&argv);
    if (ret == SWEEP_OK && !has_out)
        ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, "command",
                                "--command: no {out}: the command must write its network to the "
                                "file named {out}");
    return ret;
}

int point_command_argv(const char *tmpl, const point_params *pp, int64_t point,
                       const char *out_path, char ***argv_out, int *argc, sweep_errbuf *eb)
{
    int has_out = 0;
    *argv_out = NULL;
    return split(tmpl, pp, point, out_path, argv_out, argc, &has_out, eb);
}

void point_command_argv_free(char ***argv)
{
    if (argv == NULL || *argv == NULL)
        return;
    for (char **a = *argv; *a != NULL; a++)
        free(*a);
    free(*argv);
    *argv = NULL;
}
