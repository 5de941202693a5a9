#include "journal.h"

#include "fsafe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define JOURNAL_MAGIC "UFMSJNL1"
#define JOURNAL_VERSION 1u

typedef struct journal_header {
    char magic[8];
    uint32_t version;
    uint32_t trace_points;
    uint32_t record_size; /* sizeof(point_record), to refuse another build's layout */
    uint32_t reserved;
    char spec_sha256[64];
    char grid_sha256[64];
} journal_header;

struct journal {
    int fd;
    int readonly;
    char *path;
    int P;
    size_t point_payload; /* sizeof(point_record) + P doubles */
    unsigned char *buf;   /* append buffer */
    size_t buf_cap;
};

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *data, size_t len)
{
    char *p = data;
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, p + got, len - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (int)(got == len);
}

static int header_matches(const journal_header *h, const char *spec_sha256,
                          const char *grid_sha256, const char *alt_grid_sha256, const char *path,
                          sweep_errbuf *eb)
{
    if (memcmp(h->magic, JOURNAL_MAGIC, 8) != 0)
        return sweep_err_set(eb, SWEEP_ERR_NOT_OURS, "%s: not a ufmsweep journal", path);
    if (h->version > JOURNAL_VERSION)
        return sweep_err_set(eb, SWEEP_ERR_NEWER, "%s: journal format %u is newer than this "
                                                  "build reads (%u): update ufmsweep",
                             path, h->version, JOURNAL_VERSION);
    if (h->version != JOURNAL_VERSION)
        return sweep_err_set(eb, SWEEP_ERR_UNSUPPORTED, "%s: journal format %u is not read by "
                                                        "this build", path, h->version);
    if (spec_sha256 == NULL)
        return SWEEP_OK; /* journal_identify: only what the file is */
    /* the spec's meaning decides (its text may have changed: comments, key order) */
    if (memcmp(h->grid_sha256, grid_sha256, 64) != 0 &&
        (alt_grid_sha256 == NULL || memcmp(h->grid_sha256, alt_grid_sha256, 64) != 0))
        return sweep_err_set(eb, SWEEP_ERR_OTHER_SPEC,
                             "%s: the journal belongs to another grid, a spec of another "
                             "meaning or its points in the other layout (grid hash %.12s..., "
                             "this spec %.12s...); refusing to mix results",
                             path, h->grid_sha256, grid_sha256);
    if (h->record_size != sizeof(point_record))
        return sweep_err_set(eb, SWEEP_ERR_UNSUPPORTED,
                             "%s: written by a build with another record layout (%u bytes, this "
                             "build %zu)",
                             path, h->record_size, sizeof(point_record));
    return SWEEP_OK;
}

int journal_check(const char *path, const char *spec_sha256, const char *grid_sha256,
                  const char *alt_grid_sha256, sweep_errbuf *eb)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return errno == ENOENT ? SWEEP_OK
                               : sweep_err_set(eb, SWEEP_ERR_IO, "%s: %s", path, strerror(errno));
    journal_header h;
    int ok = read_all(fd, &h, sizeof h);
    close(fd);
    if (ok != 1)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: truncated journal header", path);
    return header_matches(&h, spec_sha256, grid_sha256, alt_grid_sha256, path, eb);
}

static int journal_open_mode(const char *path, const char *spec_sha256, const char *grid_sha256,
                             const char *alt, int P, int readonly, journal **out,
                             sweep_errbuf *eb);

int journal_open(const char *path, const char *spec_sha256, const char *grid_sha256,
                 const char *alt_grid_sha256, int P, journal **out, sweep_errbuf *eb)
{
    return journal_open_mode(path, spec_sha256, grid_sha256, alt_grid_sha256, P, 0, out, eb);
}

int journal_open_readonly(const char *path, const char *spec_sha256, const char *grid_sha256,
                          const char *alt_grid_sha256, int P, journal **out, sweep_errbuf *eb)
{
    return journal_open_mode(path, spec_sha256, grid_sha256, alt_grid_sha256, P, 1, out, eb);
}

static int journal_open_mode(const char *path, const char *spec_sha256, const char *grid_sha256,
                             const char *alt, int P, int readonly, journal **out,
                             sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    journal *j = calloc(1, sizeof *j);
    if (j == NULL)
        return SWEEP_ERR_NOMEM;
    j->fd = -1;
    j->P = P;
    j->point_payload = sizeof(point_record) + (size_t)P * POINT_TRACE_FIELDS * sizeof(double);
    j->path = strdup(path);
    if (j->path == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    j->readonly = readonly;
    j->fd = readonly ? open(path, O_RDONLY) : open(path, O_RDWR | O_CREAT, 0644);
    if (j->fd < 0) {
        ret = sweep_err_set(eb, fsafe_errno_code(errno), "%s: cannot open the journal: %s",
                            path, strerror(errno));
        goto cleanup;
    }
    struct stat st;
    if (fstat(j->fd, &st) != 0) {
        ret = sweep_err_set(eb, SWEEP_ERR_IO, "%s: %s", path, strerror(errno));
        goto cleanup;
    }
    journal_header h;
    if (st.st_size == 0 && readonly) {
        ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: empty journal", path);
        goto cleanup;
    }
    if (st.st_size == 0) {
        memset(&h, 0, sizeof h);
        memcpy(h.magic, JOURNAL_MAGIC, 8);
        h.version = JOURNAL_VERSION;
        h.trace_points = (uint32_t)P;
        h.record_size = (uint32_t)sizeof(point_record);
        memcpy(h.spec_sha256, spec_sha256, 64);
        memcpy(h.grid_sha256, grid_sha256, 64);
        if (write_all(j->fd, &h, sizeof h) != 0 || fdatasync(j->fd) != 0) {
            ret = sweep_err_set(eb, fsafe_errno_code(errno), "%s: cannot write: %s", path,
                                strerror(errno));
            goto cleanup;
        }
    } else {
        if (read_all(j->fd, &h, sizeof h) != 1) {
            ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: truncated journal header", path);
            goto cleanup;
        }
        if ((ret = header_matches(&h, spec_sha256, grid_sha256, alt, path, eb)) != SWEEP_OK)
            goto cleanup;
        if ((int)h.trace_points != P) {
            ret = sweep_err_set(eb, SWEEP_ERR_OTHER_SPEC, "%s: trace length %u, the spec has %d", path,
                                h.trace_points, P);
            goto cleanup;
        }
    }
    *out = j;
    j = NULL;
cleanup:
    journal_close(&j);
    return ret;
}

void journal_close(journal **pj)
{
    if (pj == NULL || *pj == NULL)
        return;
    if ((*pj)->fd >= 0)
        close((*pj)->fd);
    free((*pj)->path);
    free((*pj)->buf);
    free(*pj);
    *pj = NULL;
}

/* The record at pos, when it is whole and its CRC holds: 1 (type, length in *type, *len,
 * payload read into *payload), 0 when not, -1 on a read error. *incomplete is set when a
 * plausible header (a known type with its exact length) runs past end: a torn append. */
static int record_at(journal *j, off_t pos, off_t end, unsigned char **payload, size_t *cap,
                     uint32_t *type, uint32_t *len, int *incomplete)
{
    uint32_t head[3];
    *incomplete = 0;
    if (end - pos < (off_t)sizeof head) {
        *incomplete = end > pos;
        return 0;
    }
    if (pread(j->fd, head, sizeof head, pos) != (ssize_t)sizeof head)
        return -1;
    const uint32_t t = head[0], l = head[1];
    if (!((t == JOURNAL_POINT && l == j->point_payload) ||
          (t == JOURNAL_RUN && l == sizeof(store_run_row)) ||
          (t == JOURNAL_CHECKPOINT && l == sizeof(journal_checkpoint_row))))
        return 0;
    if (end - pos - (off_t)sizeof head < (off_t)l) {
        *incomplete = 1;
        return 0;
    }
    if (l > *cap) {
        unsigned char *np = realloc(*payload, l);
        if (np == NULL)
            return -2;
        *payload = np;
        *cap = l;
    }
    if (pread(j->fd, *payload, l, pos + (off_t)sizeof head) != (ssize_t)l)
        return -1;
    if ((uint32_t)crc32(0L, *payload, l) != head[2])
        return 0;
    *type = t;
    *len = l;
    return 1;
}

/* The first offset after pos (up to end) whose 8 bytes could start a record (a known type with
 * its exact length), read in windows so that skipping a long damaged region costs one read per
 * 64 KiB; end when none. -1 on a read error. */
static off_t next_candidate(journal *j, off_t pos, off_t end)
{
    enum { WINDOW = 1 << 16 };
    unsigned char buf[WINDOW + 8];
    const uint32_t lp = (uint32_t)j->point_payload, lr = (uint32_t)sizeof(store_run_row);
    for (off_t at = pos + 1; at + 12 <= end; at += WINDOW) {
        const off_t want = end - at < WINDOW + 8 ? end - at : WINDOW + 8;
        const ssize_t got = pread(j->fd, buf, (size_t)want, at);
        if (got < 0)
            return -1;
        for (ssize_t i = 0; i + 8 <= got && i < WINDOW; i++) {
            uint32_t t, l;
            memcpy(&t, buf + i, 4);
            memcpy(&l, buf + i + 4, 4);
            if ((t == JOURNAL_POINT && l == lp) || (t == JOURNAL_RUN && l == lr))
                return at + i;
        }
    }
    return end;
}

int journal_replay(journal *j, journal_record_fn fn, void *user, journal_replay_report *rep,
                   sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    unsigned char *payload = NULL;
    size_t cap = 0;
    off_t pos = (off_t)sizeof(journal_header), end;
    off_t skip_from = -1; /* start of the bad bytes being skipped, -1 when in sync */
    int torn_at_skip = 0; /* the first bad position held a torn (incomplete) record */
    memset(rep, 0, sizeof *rep);
    rep->first_skip_offset = -1;
    end = lseek(j->fd, 0, SEEK_END);
    if (end < 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: seek failed: %s", j->path, strerror(errno));
    while (pos < end) {
        uint32_t type = 0, len = 0;
        int incomplete = 0;
        int r = record_at(j, pos, end, &payload, &cap, &type, &len, &incomplete);
        if (r == -2) {
            ret = SWEEP_ERR_NOMEM;
            goto cleanup;
        }
        if (r < 0) {
            ret = sweep_err_set(eb, SWEEP_ERR_IO, "%s: read error at byte %lld: %s", j->path,
                                (long long)pos, strerror(errno));
            goto cleanup;
        }
        if (r == 0) {
            /* not a whole record: resynchronize at the next offset that could start one */
            if (skip_from < 0) {
                skip_from = pos;
                torn_at_skip = incomplete;
            }
            if ((pos = next_candidate(j, pos, end)) < 0) {
                ret = sweep_err_set(eb, SWEEP_ERR_IO, "%s: read error: %s", j->path,
                                    strerror(errno));
                goto cleanup;
            }
            continue;
        }
        if (skip_from >= 0) {
            rep->skipped_bytes += (long long)(pos - skip_from);
            rep->skipped_regions++;
            if (rep->first_skip_offset < 0)
                rep->first_skip_offset = (long long)skip_from;
            skip_from = -1;
        }
        if ((ret = fn((int)type, payload, len, user)) != SWEEP_OK)
            goto cleanup;
        rep->records++;
        pos += (off_t)(3 * sizeof(uint32_t) + len);
    }
    if (skip_from >= 0) {
        if (torn_at_skip) {
            /* an incomplete last record (killed mid-append): proven torn, nothing follows it */
            rep->torn_tail_bytes = (long long)(end - skip_from);
            if (!j->readonly && ftruncate(j->fd, skip_from) != 0) {
                ret = sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot cut the torn tail: %s",
                                    j->path, strerror(errno));
                goto cleanup;
            }
        } else {
            /* whole-sized bytes that are no record: corruption, kept for inspection */
            rep->skipped_bytes += (long long)(end - skip_from);
            rep->skipped_regions++;
            if (rep->first_skip_offset < 0)
                rep->first_skip_offset = (long long)skip_from;
        }
    }
    if (lseek(j->fd, 0, SEEK_END) < 0)
        ret = sweep_err_set(eb, SWEEP_ERR_IO, "%s: seek failed", j->path);
cleanup:
    free(payload);
    return ret;
}

void journal_report_describe(const journal_replay_report *rep, char *buf, size_t cap)
{
    buf[0] = '\0';
    size_t used = 0;
    if (rep->skipped_bytes > 0)
        used += (size_t)snprintf(buf, cap,
                                 "%lld corrupt bytes skipped in %d region%s (the first at byte "
                                 "%lld)",
                                 rep->skipped_bytes, rep->skipped_regions,
                                 rep->skipped_regions == 1 ? "" : "s", rep->first_skip_offset);
    if (rep->torn_tail_bytes > 0 && used < cap)
        snprintf(buf + used, cap - used, "%sa torn last record of %lld bytes", used ? "; " : "",
                 rep->torn_tail_bytes);
}

static int reserve(journal *j, size_t need)
{
    if (need <= j->buf_cap)
        return SWEEP_OK;
    unsigned char *nb = realloc(j->buf, need);
    if (nb == NULL)
        return SWEEP_ERR_NOMEM;
    j->buf = nb;
    j->buf_cap = need;
    return SWEEP_OK;
}

static size_t put_record(unsigned char *dst, uint32_t type, const void *a, size_t alen,
                         const void *b, size_t blen)
{
    uint32_t head[3];
    head[0] = type;
    head[1] = (uint32_t)(alen + blen);
    memcpy(dst + sizeof head, a, alen);
    if (blen > 0)
        memcpy(dst + sizeof head + alen, b, blen);
    head[2] = (uint32_t)crc32(0L, dst + sizeof head, (uInt)(alen + blen));
    memcpy(dst, head, sizeof head);
    return sizeof head + alen + blen;
}

static int flush_buf(journal *j, size_t len, sweep_errbuf *eb)
{
    if (write_all(j->fd, j->buf, len) != 0 || fdatasync(j->fd) != 0)
        return sweep_err_set(eb, fsafe_errno_code(errno), "%s: cannot append: %s", j->path,
                             strerror(errno));
    return SWEEP_OK;
}

int journal_append_points(journal *j, const point_record *recs, const double *traces, int count,
                          sweep_errbuf *eb)
{
    const size_t tlen = (size_t)j->P * POINT_TRACE_FIELDS * sizeof(double);
    const size_t one = 3 * sizeof(uint32_t) + sizeof(point_record) + tlen;
    if (count <= 0)
        return SWEEP_OK;
    if (reserve(j, one * (size_t)count) != SWEEP_OK)
        return SWEEP_ERR_NOMEM;
    size_t len = 0;
    for (int i = 0; i < count; i++)
        len += put_record(j->buf + len, JOURNAL_POINT, &recs[i], sizeof(point_record),
                          tlen > 0 ? (const char *)traces + (size_t)i * tlen : NULL, tlen);
    return flush_buf(j, len, eb);
}

int journal_append_run(journal *j, const store_run_row *row, sweep_errbuf *eb)
{
    const size_t one = 3 * sizeof(uint32_t) + sizeof *row;
    if (reserve(j, one) != SWEEP_OK)
        return SWEEP_ERR_NOMEM;
    size_t len = put_record(j->buf, JOURNAL_RUN, row, sizeof *row, NULL, 0);
    return flush_buf(j, len, eb);
}

int64_t journal_bytes(const journal *j)
{
    struct stat st;
    return fstat(j->fd, &st) == 0 ? (int64_t)st.st_size : -1;
}

int journal_checkpoint(journal *j, int64_t points_in_store, const store_run_row *row,
                       sweep_errbuf *eb)
{
    journal_checkpoint_row cp;
    memset(&cp, 0, sizeof cp);
    cp.points_in_store = points_in_store;
    time_t now = time(NULL);
    struct tm tm;
    strftime(cp.utc, sizeof cp.utc, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    const size_t need = 2 * 3 * sizeof(uint32_t) + sizeof cp + sizeof *row;
    if (reserve(j, need) != SWEEP_OK)
        return SWEEP_ERR_NOMEM;
    size_t len = put_record(j->buf, JOURNAL_CHECKPOINT, &cp, sizeof cp, NULL, 0);
    if (row != NULL)
        len += put_record(j->buf + len, JOURNAL_RUN, row, sizeof *row, NULL, 0);
    if (ftruncate(j->fd, (off_t)sizeof(journal_header)) != 0 ||
        lseek(j->fd, (off_t)sizeof(journal_header), SEEK_SET) < 0)
        return sweep_err_set(eb, fsafe_errno_code(errno), "%s: cannot cut the journal: %s",
                             j->path, strerror(errno));
    return flush_buf(j, len, eb);
}

int journal_check_path(const journal *j, sweep_errbuf *eb)
{
    return fsafe_check_same(j->fd, j->path, "journal", eb);
}
