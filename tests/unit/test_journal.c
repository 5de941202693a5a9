/* test_journal.c - the journal's recovery promise, as properties over many damaged copies:
 * replay yields every record whose bytes were left intact, in order, and nothing else; it cuts
 * the file only at an incomplete last record; appends after any damage are found again. Plus
 * the header's refusals as error codes, and the checked integer parser. */
#include "check.h"
#include "journal.h"
#include "numparse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define N_RECORDS 60
#define P_TRACE 2

static const char SPEC_HASH[65] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char GRID_HASH[65] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

typedef struct original {
    unsigned char *bytes; /* the whole intact file */
    size_t len;
    size_t header;        /* bytes before the first record */
    size_t start[N_RECORDS], end[N_RECORDS]; /* byte range of each record */
    int type[N_RECORDS];
} original;

typedef struct collected {
    int n;
    int type[4 * N_RECORDS];
    int64_t key[4 * N_RECORDS]; /* point index, or run index + 1000 */
} collected;

static uint64_t rng_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 17;
}

static int read_file(const char *path, unsigned char **bytes, size_t *len)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    *len = (size_t)st.st_size;
    *bytes = malloc(*len > 0 ? *len : 1);
    int fd = open(path, O_RDONLY);
    if (*bytes == NULL || fd < 0 || read(fd, *bytes, *len) != (ssize_t)*len) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static int write_file(const char *path, const unsigned char *bytes, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    int ok = write(fd, bytes, len) == (ssize_t)len;
    close(fd);
    return ok ? 0 : -1;
}

static void make_point(int i, point_record *rec, double *trace)
{
    memset(rec, 0, sizeof *rec);
    rec->point = i;
    rec->state = POINT_DONE;
    rec->attempts = 1;
    for (int f = 0; f < GEOM_METRICS_COUNT; f++) {
        rec->result[f] = i + 0.25 * f;
        rec->theory[f] = -i - 0.5 * f;
    }
    snprintf(rec->message, sizeof rec->message, "point %d", i);
    for (int t = 0; t < P_TRACE * POINT_TRACE_FIELDS; t++)
        trace[t] = i * 100.0 + t;
}

/* A journal of N_RECORDS records: a run row every 10, point records between them. */
static int build_original(const char *path, original *o)
{
    int fails = 0;
    journal *j = NULL;
    struct stat st;
    unlink(path);
    CHECK_OK(journal_open(path, SPEC_HASH, GRID_HASH, NULL, P_TRACE, &j, NULL));
    if (j == NULL)
        return fails + 1;
    CHECK(stat(path, &st) == 0);
    o->header = (size_t)st.st_size;
    size_t pos = o->header;
    for (int r = 0; r < N_RECORDS; r++) {
        if (r % 10 == 0) {
            store_run_row row;
            memset(&row, 0, sizeof row);
            row.run = r / 10;
            snprintf(row.exit_reason, sizeof row.exit_reason, "running");
            CHECK_OK(journal_append_run(j, &row, NULL));
            o->type[r] = JOURNAL_RUN;
        } else {
            point_record rec;
            double trace[P_TRACE * POINT_TRACE_FIELDS];
            make_point(r, &rec, trace);
            CHECK_OK(journal_append_points(j, &rec, trace, 1, NULL));
            o->type[r] = JOURNAL_POINT;
        }
        CHECK(stat(path, &st) == 0);
        o->start[r] = pos;
        o->end[r] = (size_t)st.st_size;
        pos = o->end[r];
    }
    journal_close(&j);
    CHECK(read_file(path, &o->bytes, &o->len) == 0);
    return fails;
}

static int collect(int type, const void *payload, uint32_t len, void *user)
{
    collected *c = user;
    (void)len;
    if (c->n >= 4 * N_RECORDS)
        return SWEEP_ERR_INTERNAL;
    c->type[c->n] = type;
    if (type == JOURNAL_POINT) {
        point_record rec;
        memcpy(&rec, payload, sizeof rec);
        c->key[c->n] = rec.point;
    } else if (type == JOURNAL_CHECKPOINT) {
        journal_checkpoint_row cp;
        memcpy(&cp, payload, sizeof cp);
        c->key[c->n] = 2000 + cp.points_in_store;
    } else {
        store_run_row row;
        memcpy(&row, payload, sizeof row);
        c->key[c->n] = 1000 + row.run;
    }
    c->n++;
    return SWEEP_OK;
}

static int64_t original_key(const original *o, int r)
{
    return o->type[r] == JOURNAL_RUN ? 1000 + r / 10 : r;
}

/* Replay a damaged copy: every untouched record back, in order, nothing invented; the file is
 * cut only at an incomplete last record; a record appended afterwards is found. */
static int check_damaged(const char *path, const original *o, const unsigned char *copy,
                         size_t len, const unsigned char *touched, uint64_t seed)
{
    int fails = 0;
    journal *j = NULL;
    collected c;
    journal_replay_report rep;
    memset(&c, 0, sizeof c);
    if (write_file(path, copy, len) != 0)
        return 1;
    CHECK_OK(journal_open(path, SPEC_HASH, GRID_HASH, NULL, P_TRACE, &j, NULL));
    if (j == NULL)
        return fails + 1;
    CHECK_OK(journal_replay(j, collect, &c, &rep, NULL));
    /* expected: the records lying wholly in [0, len) with no touched byte */
    int expect = 0, got = 0, last_intact_end_ok = 1;
    for (int r = 0; r < N_RECORDS; r++) {
        int intact = o->end[r] <= len;
        for (size_t b = o->start[r]; intact && b < o->end[r]; b++)
            intact = !touched[b];
        if (!intact)
            continue;
        expect++;
        /* it must come back, after every record found before it */
        while (got < c.n && c.key[got] != original_key(o, r))
            got++;
        if (got == c.n) {
            fprintf(stderr, "seed %llu: intact record %d (bytes %zu..%zu) not recovered\n",
                    (unsigned long long)seed, r, o->start[r], o->end[r]);
            fails++;
            break;
        }
        got++;
    }
    CHECK_EQ_INT(c.n, expect); /* and nothing else: no invented or duplicated record */
    CHECK_EQ_INT(rep.records, c.n);
    struct stat st;
    CHECK(stat(path, &st) == 0);
    if ((size_t)st.st_size != len) {
        /* a cut: only an incomplete last record, shorter than one whole record */
        const size_t cut = len - (size_t)st.st_size;
        CHECK((size_t)rep.torn_tail_bytes == cut);
        CHECK(cut < o->end[1] - o->start[1]);
        for (int i = 0; i < N_RECORDS; i++)
            if (o->end[i] <= len && o->end[i] > (size_t)st.st_size) {
                int intact = 1;
                for (size_t b = o->start[i]; intact && b < o->end[i]; b++)
                    intact = !touched[b];
                last_intact_end_ok &= !intact; /* nothing intact was cut away */
            }
        CHECK(last_intact_end_ok);
    } else {
        CHECK_EQ_INT(rep.torn_tail_bytes, 0);
    }
    /* appending after the damage: the new record is found by the next replay */
    point_record rec;
    double trace[P_TRACE * POINT_TRACE_FIELDS];
    make_point(777, &rec, trace);
    CHECK_OK(journal_append_points(j, &rec, trace, 1, NULL));
    journal_close(&j);
    collected c2;
    memset(&c2, 0, sizeof c2);
    CHECK_OK(journal_open(path, SPEC_HASH, GRID_HASH, NULL, P_TRACE, &j, NULL));
    if (j != NULL)
        CHECK_OK(journal_replay(j, collect, &c2, &rep, NULL));
    journal_close(&j);
    CHECK_EQ_INT(c2.n, c.n + 1);
    CHECK(c2.n > 0 && c2.key[c2.n - 1] == 777);
    return fails;
}

static int test_journal_damage_properties(void)
{
    int fails = 0;
    original o;
    const char *path = "prop.journal", *work = "prop-damaged.journal";
    memset(&o, 0, sizeof o);
    fails += build_original(path, &o);
    if (fails > 0)
        return fails;
    unsigned char *copy = malloc(o.len), *touched = malloc(o.len);
    int cases = 0, with_skips = 0, with_cuts = 0;
    for (uint64_t seed = 1; seed <= 400 && fails == 0; seed++) {
        uint64_t s = seed;
        memcpy(copy, o.bytes, o.len);
        memset(touched, 0, o.len);
        size_t len = o.len;
        const int kind = (int)(rng_next(&s) % 4);
        if (kind == 0 || kind == 2) /* truncation anywhere after the header */
            len = o.header + (size_t)(rng_next(&s) % (o.len - o.header + 1));
        if (kind == 1 || kind == 2) { /* 1-4 bit flips */
            int flips = 1 + (int)(rng_next(&s) % 4);
            for (int f = 0; f < flips; f++) {
                size_t b = o.header + (size_t)(rng_next(&s) % (o.len - o.header));
                copy[b] ^= (unsigned char)(1u << (rng_next(&s) % 8));
                touched[b] = 1;
            }
        }
        if (kind == 3) { /* a run of zeros or noise, as a lost page leaves */
            size_t a = o.header + (size_t)(rng_next(&s) % (o.len - o.header));
            size_t n = 1 + (size_t)(rng_next(&s) % 5000);
            const int noise = (int)(rng_next(&s) % 2);
            for (size_t b = a; b < a + n && b < o.len; b++) {
                unsigned char v = noise ? (unsigned char)rng_next(&s) : 0;
                if (v != copy[b])
                    touched[b] = 1;
                copy[b] = v;
            }
        }
        fails += check_damaged(work, &o, copy, len, touched, seed);
        cases++;
        journal *j = NULL;
        journal_replay_report rep;
        collected c;
        memset(&c, 0, sizeof c);
        if (write_file(work, copy, len) == 0 &&
            journal_open_readonly(work, SPEC_HASH, GRID_HASH, NULL, P_TRACE, &j, NULL) == SWEEP_OK &&
            journal_replay(j, collect, &c, &rep, NULL) == SWEEP_OK) {
            with_skips += rep.skipped_regions > 0;
            with_cuts += rep.torn_tail_bytes > 0;
        }
        journal_close(&j);
    }
    /* the cases really exercised both resynchronization and torn tails */
    CHECK(with_skips > 50);
    CHECK(with_cuts > 50);
    printf("  %d damaged copies: %d with skipped regions, %d with torn tails\n", cases, with_skips,
           with_cuts);
    free(copy);
    free(touched);
    free(o.bytes);
    unlink(path);
    unlink(work);
    return fails;
}

static int test_journal_one_flip_reported(void)
{
    int fails = 0;
    original o;
    memset(&o, 0, sizeof o);
    fails += build_original("flip.journal", &o);
    if (fails > 0)
        return fails;
    o.bytes[o.start[3] + 20] ^= 0x01; /* inside record 3's payload */
    CHECK(write_file("flip.journal", o.bytes, o.len) == 0);
    journal *j = NULL;
    collected c;
    journal_replay_report rep;
    memset(&c, 0, sizeof c);
    CHECK_OK(journal_open("flip.journal", SPEC_HASH, GRID_HASH, NULL, P_TRACE, &j, NULL));
    if (j != NULL)
        CHECK_OK(journal_replay(j, collect, &c, &rep, NULL));
    journal_close(&j);
    CHECK_EQ_INT(c.n, N_RECORDS - 1);
    CHECK_EQ_INT(rep.skipped_regions, 1);
    CHECK_EQ_INT(rep.skipped_bytes, (long long)(o.end[3] - o.start[3]));
    CHECK_EQ_INT(rep.first_skip_offset, (long long)o.start[3]);
    CHECK_EQ_INT(rep.torn_tail_bytes, 0);
    char what[256];
    journal_report_describe(&rep, what, sizeof what);
    CHECK_CONTAINS(what, "corrupt bytes skipped in 1 region");
    struct stat st;
    CHECK(stat("flip.journal", &st) == 0 && (size_t)st.st_size == o.len); /* nothing cut */

    /* a torn last record: cut exactly at its start by a writable journal, kept by a read-only */
    CHECK(write_file("flip.journal", o.bytes, o.end[N_RECORDS - 2] + 30) == 0);
    CHECK_OK(journal_open_readonly("flip.journal", SPEC_HASH, GRID_HASH, NULL, P_TRACE, &j, NULL));
    if (j != NULL)
        CHECK_OK(journal_replay(j, collect, &c, &rep, NULL));
    journal_close(&j);
    CHECK_EQ_INT(rep.torn_tail_bytes, 30);
    CHECK(stat("flip.journal", &st) == 0 && (size_t)st.st_size == o.end[N_RECORDS - 2] + 30);
    CHECK_OK(journal_open("flip.journal", SPEC_HASH, GRID_HASH, NULL, P_TRACE, &j, NULL));
    if (j != NULL)
        CHECK_OK(journal_replay(j, collect, &c, &rep, NULL));
    journal_close(&j);
    CHECK(stat("flip.journal", &st) == 0 && (size_t)st.st_size == o.end[N_RECORDS - 2]);
    free(o.bytes);
    unlink("flip.journal");
    return fails;
}

static int test_journal_header_codes(void)
{
    int fails = 0;
    journal *j = NULL;
    sweep_errbuf eb;
    static const char OTHER[65] = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
    unlink("codes.journal");
    CHECK_OK(journal_open("codes.journal", SPEC_HASH, GRID_HASH, NULL, P_TRACE, &j, NULL));
    journal_close(&j);
    sweep_errbuf_clear(&eb);
    CHECK_ERR(SWEEP_ERR_OTHER_SPEC, journal_check("codes.journal", SPEC_HASH, OTHER, NULL, &eb));
    CHECK_CONTAINS(eb.msg, "another grid");
    /* the spec's meaning decides, not its text; a 0.2 store's grid hash is the alternative */
    CHECK_OK(journal_check("codes.journal", OTHER, GRID_HASH, NULL, NULL));
    CHECK_OK(journal_check("codes.journal", SPEC_HASH, OTHER, GRID_HASH, NULL));
    CHECK_ERR(SWEEP_ERR_OTHER_SPEC, journal_check("codes.journal", SPEC_HASH, OTHER, OTHER, NULL));
    CHECK_OK(journal_check("codes.journal", NULL, NULL, NULL, NULL));
    CHECK_OK(journal_check("absent.journal", SPEC_HASH, GRID_HASH, NULL, NULL));
    {
        /* a newer format (the version word after the 8-byte magic): NEWER, not "damaged" */
        unsigned char *b = NULL;
        size_t len = 0;
        CHECK(read_file("codes.journal", &b, &len) == 0 && len >= 12);
        if (b != NULL && len >= 12) {
            const uint32_t v = 2;
            memcpy(b + 8, &v, sizeof v);
            CHECK(write_file("codes.journal", b, len) == 0);
            sweep_errbuf_clear(&eb);
            CHECK_ERR(SWEEP_ERR_NEWER, journal_check("codes.journal", SPEC_HASH, GRID_HASH, NULL, &eb));
            CHECK_CONTAINS(eb.msg, "newer");
        }
        free(b);
    }
    unsigned char junk[200];
    memset(junk, '.', sizeof junk);
    memcpy(junk, "not a journal", 13);
    CHECK(write_file("codes.journal", junk, sizeof junk) == 0);
    CHECK_ERR(SWEEP_ERR_NOT_OURS, journal_check("codes.journal", NULL, NULL, NULL, NULL));
    CHECK(write_file("codes.journal", (const unsigned char *)"UFMSJNL1", 8) == 0);
    CHECK_ERR(SWEEP_ERR_DAMAGED, journal_check("codes.journal", NULL, NULL, NULL, NULL));
    unlink("codes.journal");
    return fails;
}

/* A checkpoint drops every record before it: the journal shrinks to its header, the checkpoint
 * and the run row, and appends after it replay after them; a checkpoint cut short after its
 * truncation (a kill) leaves a header-only journal that replays nothing and takes appends. */
static int test_journal_checkpoint(void)
{
    int fails = 0;
    journal *j = NULL;
    const char *path = "checkpoint.journal";
    unlink(path);
    CHECK_OK(journal_open(path, SPEC_HASH, GRID_HASH, NULL, P_TRACE, &j, NULL));
    if (j == NULL)
        return fails + 1;
    const int64_t header = journal_bytes(j);
    point_record rec;
    double trace[P_TRACE * POINT_TRACE_FIELDS];
    for (int i = 0; i < 40; i++) {
        make_point(i, &rec, trace);
        CHECK_OK(journal_append_points(j, &rec, trace, 1, NULL));
    }
    CHECK(journal_bytes(j) > 40 * (int64_t)sizeof rec);
    store_run_row row;
    memset(&row, 0, sizeof row);
    row.run = 3;
    snprintf(row.exit_reason, sizeof row.exit_reason, "running");
    CHECK_OK(journal_checkpoint(j, 40, &row, NULL));
    const int64_t after = journal_bytes(j);
    CHECK(after > header && after < header + 1024);
    for (int i = 40; i < 43; i++) {
        make_point(i, &rec, trace);
        CHECK_OK(journal_append_points(j, &rec, trace, 1, NULL));
    }
    journal_close(&j);
    collected c = {0};
    journal_replay_report rep;
    CHECK_OK(journal_open(path, SPEC_HASH, GRID_HASH, NULL, P_TRACE, &j, NULL));
    CHECK_OK(journal_replay(j, collect, &c, &rep, NULL));
    CHECK_EQ_INT(c.n, 5);
    CHECK(c.n == 5 && c.type[0] == JOURNAL_CHECKPOINT && c.key[0] == 2040 &&
          c.type[1] == JOURNAL_RUN && c.key[1] == 1003 && c.key[2] == 40 && c.key[4] == 42);
    CHECK_EQ_INT(rep.skipped_bytes, 0);
    journal_close(&j);
    /* killed between the cut and the checkpoint record: the header alone */
    CHECK(truncate(path, (off_t)header) == 0);
    CHECK_OK(journal_open(path, SPEC_HASH, GRID_HASH, NULL, P_TRACE, &j, NULL));
    collected e = {0};
    CHECK_OK(journal_replay(j, collect, &e, &rep, NULL));
    CHECK_EQ_INT(e.n, 0);
    make_point(50, &rec, trace);
    CHECK_OK(journal_append_points(j, &rec, trace, 1, NULL));
    journal_close(&j);
    collected f = {0};
    CHECK_OK(journal_open(path, SPEC_HASH, GRID_HASH, NULL, P_TRACE, &j, NULL));
    CHECK_OK(journal_replay(j, collect, &f, &rep, NULL));
    CHECK(f.n == 1 && f.key[0] == 50);
    journal_close(&j);
    unlink(path);
    return fails;
}

static int test_numparse(void)
{
    int fails = 0;
    int64_t v = 0, a = 0, b = 0;
    int iv = 0;
    CHECK_OK(numparse_i64("9223372036854775807", INT64_MIN, INT64_MAX, &v));
    CHECK(v == INT64_MAX);
    CHECK_OK(numparse_i64("-9223372036854775808", INT64_MIN, INT64_MAX, &v));
    CHECK(v == INT64_MIN);
    CHECK_ERR(SWEEP_ERR_RANGE, numparse_i64("9223372036854775808", INT64_MIN, INT64_MAX, &v));
    CHECK_ERR(SWEEP_ERR_RANGE, numparse_i64("-9223372036854775809", INT64_MIN, INT64_MAX, &v));
    CHECK_ERR(SWEEP_ERR_RANGE, numparse_i64("99999999999999999999999", 0, 10, &v));
    CHECK_ERR(SWEEP_ERR_ARG, numparse_i64("", 0, 10, &v));
    CHECK_ERR(SWEEP_ERR_ARG, numparse_i64("-", 0, 10, &v));
    CHECK_ERR(SWEEP_ERR_ARG, numparse_i64(" 1", 0, 10, &v));
    CHECK_ERR(SWEEP_ERR_ARG, numparse_i64("1.0", 0, 10, &v));
    CHECK_ERR(SWEEP_ERR_ARG, numparse_i64("0x10", 0, 100, &v));
    CHECK_OK(numparse_int("+42", 0, 100, &iv));
    CHECK_EQ_INT(iv, 42);
    CHECK_ERR(SWEEP_ERR_RANGE, numparse_int("2147483648", INT32_MIN, INT32_MAX, &iv));
    CHECK_EQ_INT(iv, 42); /* untouched on failure */
    CHECK_OK(numparse_pair("4x2", 'x', 1, 4096, &a, &b));
    CHECK(a == 4 && b == 2);
    CHECK_ERR(SWEEP_ERR_RANGE, numparse_pair("65536x65536", 'x', 1, 4096, &a, &b));
    CHECK_ERR(SWEEP_ERR_RANGE, numparse_pair("0/99999999999", '/', 0, INT32_MAX, &a, &b));
    /* the one parser of process grids (--grid, process_grid) */
    int gr = 0, gc = 0;
    CHECK_OK(numparse_grid("4x2", &gr, &gc));
    CHECK(gr == 4 && gc == 2);
    CHECK_OK(numparse_grid("1x4096", &gr, &gc));
    CHECK_ERR(SWEEP_ERR_ARG, numparse_grid("64x65", &gr, &gc)); /* 4160 ranks */
    CHECK_ERR(SWEEP_ERR_ARG, numparse_grid("65536x65536", &gr, &gc));
    CHECK_ERR(SWEEP_ERR_ARG, numparse_grid("0x2", &gr, &gc));
    CHECK_ERR(SWEEP_ERR_ARG, numparse_grid("2x", &gr, &gc));
    CHECK(gr == 1 && gc == 4096); /* untouched by a refusal */
    CHECK_ERR(SWEEP_ERR_ARG, numparse_pair("4x2x1", 'x', 1, 4096, &a, &b));
    CHECK_ERR(SWEEP_ERR_ARG, numparse_pair("4x", 'x', 1, 4096, &a, &b));
    CHECK_ERR(SWEEP_ERR_ARG, numparse_pair("x2", 'x', 1, 4096, &a, &b));
    return fails;
}

int main(void)
{
    int passed = 0, failed = 0;
    RUN_TEST(test_journal_damage_properties, passed, failed);
    RUN_TEST(test_journal_one_flip_reported, passed, failed);
    RUN_TEST(test_journal_header_codes, passed, failed);
    RUN_TEST(test_journal_checkpoint, passed, failed);
    RUN_TEST(test_numparse, passed, failed);
    return TEST_SUMMARY(passed, failed);
}
