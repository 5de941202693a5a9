#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
                          const char *grid_sha256, const char *path, sweep_errbuf *eb)
{
    if (memcmp(h->magic, JOURNAL_MAGIC, 8) != 0 || h->version != JOURNAL_VERSION)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "%s: not a ufmsweep journal (or a newer format)",
                             path);
    if (memcmp(h->grid_sha256, grid_sha256, 64) != 0)
        return sweep_err_set(eb, SWEEP_ERR_ARG,
                             "%s: the journal belongs to another grid (grid hash %.12s..., this "
                             "spec %.12s...); refusing to mix results",
                             path, h->grid_sha256, grid_sha256);
    if (memcmp(h->spec_sha256, spec_sha256, 64) != 0)
        return sweep_err_set(eb, SWEEP_ERR_ARG,
                             "%s: the journal was written for another spec text (spec hash "
                             "%.12s..., this spec %.12s...)",
                             path, h->spec_sha256, spec_sha256);
    if (h->record_size != sizeof(point_record))
        return sweep_err_set(eb, SWEEP_ERR_ARG,
                             "%s: written by a build with another record layout (%u bytes, this "
                             "build %zu)",
                             path, h->record_size, sizeof(point_record));
    return SWEEP_OK;
}

int journal_check(const char *path, const char *spec_sha256, const char *grid_sha256,
                  sweep_errbuf *eb)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return errno == ENOENT ? SWEEP_OK
                               : sweep_err_set(eb, SWEEP_ERR_IO, "%s: %s", path, strerror(errno));
    journal_header h;
    int ok = read_all(fd, &h, sizeof h);
    close(fd);
    if (ok != 1)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "%s: truncated journal header", path);
    return header_matches(&h, spec_sha256, grid_sha256, path, eb);
}

static int journal_open_mode(const char *path, const char *spec_sha256, const char *grid_sha256,
                             int P, int readonly, journal **out, sweep_errbuf *eb);

int journal_open(const char *path, const char *spec_sha256, const char *grid_sha256, int P,
                 journal **out, sweep_errbuf *eb)
{
    return journal_open_mode(path, spec_sha256, grid_sha256, P, 0, out, eb);
}

int journal_open_readonly(const char *path, const char *spec_sha256, const char *grid_sha256,
                          int P, journal **out, sweep_errbuf *eb)
{
    return journal_open_mode(path, spec_sha256, grid_sha256, P, 1, out, eb);
}

static int journal_open_mode(const char *path, const char *spec_sha256, const char *grid_sha256,
                             int P, int readonly, journal **out, sweep_errbuf *eb)
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
        ret = sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot open the journal: %s", path,
                            strerror(errno));
        goto cleanup;
    }
    struct stat st;
    if (fstat(j->fd, &st) != 0) {
        ret = sweep_err_set(eb, SWEEP_ERR_IO, "%s: %s", path, strerror(errno));
        goto cleanup;
    }
    journal_header h;
    if (st.st_size == 0 && readonly) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG, "%s: empty journal", path);
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
            ret = sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
            goto cleanup;
        }
    } else {
        if (read_all(j->fd, &h, sizeof h) != 1) {
            ret = sweep_err_set(eb, SWEEP_ERR_ARG, "%s: truncated journal header", path);
            goto cleanup;
        }
        if ((ret = header_matches(&h, spec_sha256, grid_sha256, path, eb)) != SWEEP_OK)
            goto cleanup;
        if ((int)h.trace_points != P) {
            ret = sweep_err_set(eb, SWEEP_ERR_ARG, "%s: trace length %u, the spec has %d", path,
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

int journal_replay(journal *j, journal_record_fn fn, void *user, long *dropped_bytes,
                   sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    unsigned char *payload = NULL;
    size_t cap = 0;
    off_t pos = (off_t)sizeof(journal_header), end;
    *dropped_bytes = 0;
    end = lseek(j->fd, 0, SEEK_END);
    if (end < 0 || lseek(j->fd, pos, SEEK_SET) < 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: seek failed: %s", j->path, strerror(errno));
    for (;;) {
        uint32_t head[3];
        int r = read_all(j->fd, head, sizeof head);
        if (r < 0) {
            ret = sweep_err_set(eb, SWEEP_ERR_IO, "%s: read error: %s", j->path, strerror(errno));
            goto cleanup;
        }
        if (r == 0)
            break; /* clean end, or a torn record header */
        uint32_t type = head[0], len = head[1], crc = head[2];
        if ((type != JOURNAL_POINT && type != JOURNAL_RUN) || len > (64u << 20))
            break;
        if (len > cap) {
            unsigned char *np = realloc(payload, len);
            if (np == NULL) {
                ret = SWEEP_ERR_NOMEM;
                goto cleanup;
            }
            payload = np;
            cap = len;
        }
        if (read_all(j->fd, payload, len) != 1)
            break;
        if ((uint32_t)crc32(0L, payload, len) != crc)
            break;
        if ((type == JOURNAL_POINT && len != j->point_payload) ||
            (type == JOURNAL_RUN && len != sizeof(store_run_row)))
            break;
        if ((ret = fn((int)type, payload, len, user)) != SWEEP_OK)
            goto cleanup;
        pos += (off_t)(sizeof head + len);
    }
    if (pos < end) {
        /* a torn tail (killed mid-append) or garbage: cut it so appends continue cleanly */
        *dropped_bytes = (long)(end - pos);
        if (!j->readonly && ftruncate(j->fd, pos) != 0) {
            ret = sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot cut the torn tail: %s", j->path,
                                strerror(errno));
            goto cleanup;
        }
    }
    if (lseek(j->fd, 0, SEEK_END) < 0)
        ret = sweep_err_set(eb, SWEEP_ERR_IO, "%s: seek failed", j->path);
cleanup:
    free(payload);
    return ret;
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
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot append: %s", j->path, strerror(errno));
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
