#include "fsafe.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fsafe_errno_code(int err)
{
    switch (err) {
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
        return SWEEP_ERR_NOSPACE;
    case EEXIST:
        return SWEEP_ERR_EXISTS;
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
        return SWEEP_ERR_BUSY;
    default:
        return SWEEP_ERR_IO;
    }
}

/* the directory part of path ("." when it has none) into dir[cap] */
static void dir_of(const char *path, char *dir, size_t cap)
{
    char *copy = strdup(path);
    snprintf(dir, cap, "%s", copy != NULL ? dirname(copy) : ".");
    free(copy);
}

int fsafe_temp_create(const char *target, char *tmp, size_t cap, int *fd_out, sweep_errbuf *eb)
{
    if (fd_out != NULL)
        *fd_out = -1;
    int n = snprintf(tmp, cap, "%s.tmp-XXXXXX", target);
    if (n < 0 || (size_t)n >= cap) {
        tmp[0] = '\0';
        return sweep_err_set(eb, SWEEP_ERR_ARG, "%s: path too long", target);
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int err = errno;
        tmp[0] = '\0';
        return sweep_err_set(eb, fsafe_errno_code(err), "%s: cannot create a file beside it: %s",
                             target, strerror(err));
    }
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) {
        int err = errno;
        close(fd);
        fsafe_temp_discard(tmp);
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: %s", target, strerror(err));
    }
    if (fd_out != NULL)
        *fd_out = fd;
    else
        close(fd);
    return SWEEP_OK;
}

int fsafe_commit(const char *tmp, const char *target, sweep_errbuf *eb)
{
    int fd = open(tmp, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        return sweep_err_set(eb, fsafe_errno_code(err), "%s: cannot sync: %s", tmp,
                             strerror(err));
    }
    close(fd);
    if (rename(tmp, target) != 0) {
        int err = errno;
        return sweep_err_set(eb, fsafe_errno_code(err), "cannot rename %s to %s: %s", tmp, target,
                             strerror(err));
    }
    char dir[4096];
    dir_of(target, dir, sizeof dir);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        (void)fsync(dfd); /* some file systems refuse fsync on directories: the rename stands */
        close(dfd);
    }
    return SWEEP_OK;
}

/* the temporary that a signal removes (fsafe_temp_guard) */
static char guard_path[4352];
static volatile sig_atomic_t guard_armed;

static void guard_on_signal(int sig)
{
    if (guard_armed)
        (void)unlink(guard_path); /* async-signal-safe */
    raise(sig); /* the handler was reset (SA_RESETHAND): the signal's own action now */
}

void fsafe_temp_guard(const char *tmp)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa;
    guard_armed = 0;
    if (tmp == NULL || tmp[0] == '\0' || strlen(tmp) >= sizeof guard_path)
        return;
    memcpy(guard_path, tmp, strlen(tmp) + 1);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = guard_on_signal;
    sa.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
    guard_armed = 1;
}

void fsafe_temp_discard(char *tmp)
{
    if (tmp == NULL || tmp[0] == '\0')
        return;
    (void)unlink(tmp);
    tmp[0] = '\0';
}

int fsafe_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int fsafe_check_output(const char *out, const char *const *inputs, int n_inputs, int overwrite,
                       const char *flag, sweep_errbuf *eb)
{
    struct stat so;
    if (out == NULL || out[0] == '\0')
        return sweep_err_set(eb, SWEEP_ERR_ARG, "no output path given");
    for (int i = 0; i < n_inputs; i++)
        if (fsafe_same_file(out, inputs[i]))
            return sweep_err_set(eb, SWEEP_ERR_ARG,
                                 "%s: the output is the input %s; refusing to replace an input "
                                 "(name another output)",
                                 out, inputs[i]);
    if (stat(out, &so) == 0) {
        if (S_ISDIR(so.st_mode))
            return sweep_err_set(eb, SWEEP_ERR_ARG, "%s: is a directory, not an output file",
                                 out);
        if (!overwrite)
            return sweep_err_set(eb, SWEEP_ERR_EXISTS,
                                 "%s: already exists; refusing to replace it (give %s to replace "
                                 "it, or name another output)",
                                 out, flag);
    }
    char dir[4096];
    dir_of(out, dir, sizeof dir);
    struct stat sd;
    if (stat(dir, &sd) != 0 || !S_ISDIR(sd.st_mode))
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: directory %s does not exist", out, dir);
    if (access(dir, W_OK) != 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: directory %s is not writable", out, dir);
    return SWEEP_OK;
}

int fsafe_check_same(int fd, const char *path, const char *what, sweep_errbuf *eb)
{
    struct stat open_sb, path_sb;
    if (fstat(fd, &open_sb) != 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot stat the open %s: %s", path, what,
                             strerror(errno));
    if (stat(path, &path_sb) != 0)
        return sweep_err_set(eb, SWEEP_ERR_REPLACED,
                             "%s: the %s was deleted or moved away while this run wrote it (%s)",
                             path, what, strerror(errno));
    if (open_sb.st_dev != path_sb.st_dev || open_sb.st_ino != path_sb.st_ino)
        return sweep_err_set(eb, SWEEP_ERR_REPLACED,
                             "%s: another file replaced the %s while this run wrote it", path,
                             what);
    return SWEEP_OK;
}
