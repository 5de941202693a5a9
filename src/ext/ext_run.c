/* The runner of `solver: external` for one point (ext.h). */
#define _XOPEN_SOURCE 700 /* mkdtemp, setenv in the child's environment list */
#include "ext.h"

#include "command.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

extern char **environ;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* the last non-empty line of the file (at most cap - 1 characters of its end) */
static void last_line(const char *path, char *buf, size_t cap)
{
    char tail[4096];
    buf[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return;
    long size = (fseek(f, 0, SEEK_END) == 0) ? ftell(f) : 0;
    long from = size > (long)sizeof tail - 1 ? size - (long)sizeof tail + 1 : 0;
    size_t got = 0;
    if (fseek(f, from, SEEK_SET) == 0)
        got = fread(tail, 1, sizeof tail - 1, f);
    fclose(f);
    tail[got] = '\0';
    while (got > 0 && (tail[got - 1] == '\n' || tail[got - 1] == '\r' || tail[got - 1] == ' '))
        tail[--got] = '\0';
    const char *nl = strrchr(tail, '\n');
    const char *line = nl != NULL ? nl + 1 : tail;
    const size_t len = strlen(line);
    const char *from_here = len >= cap ? line + len - (cap - 1) : line;
    const size_t take = strlen(from_here) < cap ? strlen(from_here) : cap - 1;
    memcpy(buf, from_here, take);
    buf[take] = '\0';
}

/* An environment with the point's variables in front of the caller's (malloc'd strings). */
static char **point_environment(int64_t point, int64_t seed, const char *out, int rank)
{
    size_t n = 0;
    while (environ[n] != NULL)
        n++;
    char **env = calloc(n + 5, sizeof *env);
    if (env == NULL)
        return NULL;
    char buf[4700];
    size_t k = 0;
    snprintf(buf, sizeof buf, "UFMSWEEP_POINT=%lld", (long long)point);
    env[k++] = strdup(buf);
    snprintf(buf, sizeof buf, "UFMSWEEP_SEED=%lld", (long long)seed);
    env[k++] = strdup(buf);
    snprintf(buf, sizeof buf, "UFMSWEEP_OUT=%s", out);
    env[k++] = strdup(buf);
    snprintf(buf, sizeof buf, "UFMSWEEP_RANK=%d", rank);
    env[k++] = strdup(buf);
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "UFMSWEEP_POINT=", 15) && strncmp(environ[i], "UFMSWEEP_SEED=", 14) &&
            strncmp(environ[i], "UFMSWEEP_OUT=", 13) && strncmp(environ[i], "UFMSWEEP_RANK=", 14))
            env[k++] = environ[i]; /* borrowed: not freed below */
    return env;
}

static void environment_free(char **env)
{
    if (env == NULL)
        return;
    for (int i = 0; i < 4; i++)
        free(env[i]);
    free(env);
}

/* SIGTERM to the command's process group, SIGKILL after grace seconds; reaps it */
static void stop_group(pid_t pid, double grace)
{
    int status;
    kill(-pid, SIGTERM);
    const double t0 = now_s();
    while (now_s() - t0 < grace) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            kill(-pid, SIGKILL); /* what it left behind in its group */
            return;
        }
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
}

/* The children of this process (at most max of them into out; Linux's /proc; elsewhere none). */
#define EXT_MAX_CHILDREN 256
static int list_children(pid_t *out, int max)
{
    int n = 0;
#if defined(__linux__)
    DIR *d = opendir("/proc");
    if (d == NULL)
        return 0;
    const pid_t self = getpid();
    struct dirent *e;
    while (n < max && (e = readdir(d)) != NULL) {
        char path[300], buf[512];
        const long pid = strtol(e->d_name, NULL, 10);
        if (pid <= 0 || pid == self)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        const size_t got = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[got] = '\0';
        const char *close_paren = strrchr(buf, ')'); /* the name may hold spaces */
        long ppid = -1;
        char state;
        if (close_paren != NULL && sscanf(close_paren + 1, " %c %ld", &state, &ppid) == 2 &&
            ppid == self)
            out[n++] = (pid_t)pid;
    }
    closedir(d);
#else
    (void)out, (void)max;
#endif
    return n;
}

/* Everything a command left behind outside its process group: with this process a child
 * subreaper (prctl, set before the command starts), the orphans of the command's processes (a
 * daemon that called setsid() and ignores SIGTERM) become its children; each child that was not
 * one before the command (before[0..n_before): an MPI library's helper, say) is killed and
 * reaped, again as long as killing one leaves new orphans. */
static void reap_descendants(const pid_t *before, int n_before)
{
    pid_t now[EXT_MAX_CHILDREN];
    for (int round = 0; round < 64; round++) {
        int killed = 0;
        const int n = list_children(now, EXT_MAX_CHILDREN);
        for (int i = 0; i < n; i++) {
            int old = 0;
            for (int j = 0; j < n_before && !old; j++)
                old = now[i] == before[j];
            if (old)
                continue;
            kill(now[i], SIGKILL);
            waitpid(now[i], NULL, 0);
            killed++;
        }
        if (killed == 0)
            return;
    }
}

/* A command's log above EXT_LOG_MAX bytes keeps its first and last EXT_LOG_KEEP bytes, with a
 * line between them saying how much was left out (a command that prints hundreds of MB per
 * point would fill the disk with its logs). Best effort: a log it cannot shorten stays whole. */
#define EXT_LOG_MAX ((off_t)8 << 20)
#define EXT_LOG_KEEP ((off_t)1 << 20)

static void cap_log(const char *path)
{
    const int fd = open(path, O_RDWR | O_NOFOLLOW);
    struct stat sb;
    if (fd < 0)
        return;
    char *tail = NULL;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > EXT_LOG_MAX &&
        (tail = malloc((size_t)EXT_LOG_KEEP)) != NULL) {
        const off_t from = sb.st_size - EXT_LOG_KEEP;
        char note[200];
        const int nl = snprintf(note, sizeof note,
                                "\n[ufmsweep: %lld bytes of this log left out here; it keeps the "
                                "first and the last %lld bytes]\n",
                                (long long)(from - EXT_LOG_KEEP), (long long)EXT_LOG_KEEP);
        if (pread(fd, tail, (size_t)EXT_LOG_KEEP, from) == (ssize_t)EXT_LOG_KEEP &&
            pwrite(fd, note, (size_t)nl, EXT_LOG_KEEP) == nl &&
            pwrite(fd, tail, (size_t)EXT_LOG_KEEP, EXT_LOG_KEEP + nl) == (ssize_t)EXT_LOG_KEEP &&
            ftruncate(fd, EXT_LOG_KEEP + nl + EXT_LOG_KEEP) != 0) {
            /* left longer than planned: still complete at both ends */
        }
    }
    free(tail);
    close(fd);
}

int ext_own_directory(const char *path, sweep_errbuf *eb)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: %s", path, strerror(errno));
    if (S_ISLNK(sb.st_mode) || !S_ISDIR(sb.st_mode) || sb.st_uid != geteuid())
        return sweep_err_set(eb, SWEEP_ERR_NOT_OURS,
                             "%s: not a directory of this user (%s): the external commands' "
                             "files are made only in a real directory the run owns; remove it "
                             "or give another --store",
                             path, S_ISLNK(sb.st_mode)  ? "a symbolic link"
                                   : !S_ISDIR(sb.st_mode) ? "not a directory"
                                                          : "owned by another user");
    return SWEEP_OK;
}

int ext_run_point(void *ctx, const point_params *pp, int64_t point,
                  const volatile sig_atomic_t *stop, point_network *net, sweep_errbuf *eb)
{
    const ext_runner *r = ctx;
    int ret = SWEEP_OK, argc = 0;
    char dir[4400], out[4500], log_out[4500], log_err[4500];
    char **argv = NULL, **env = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int fa_ok = 0, attr_ok = 0, n_before = -1;
    pid_t pid = -1, before[EXT_MAX_CHILDREN];

    memset(net, 0, sizeof *net);
    /* a fresh directory for this attempt of this point: nothing of another attempt is reused */
    if (r != NULL && r->dir[0] != '\0') {
        char points[4200];
        snprintf(points, sizeof points, "%s/points", r->dir);
        if (mkdir(points, 0755) != 0 && errno != EEXIST)
            return sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot create: %s", points,
                                 strerror(errno));
        if ((ret = ext_own_directory(r->dir, eb)) != SWEEP_OK ||
            (ret = ext_own_directory(points, eb)) != SWEEP_OK)
            return ret;
        snprintf(dir, sizeof dir, "%s/p%lld-XXXXXX", points, (long long)point);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/ufmsweep-p%lld-XXXXXX", tmp && tmp[0] ? tmp : "/tmp",
                 (long long)point);
    }
    if (mkdtemp(dir) == NULL)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot create the point's directory: %s", dir,
                             strerror(errno));
    snprintf(out, sizeof out, "%s/network.h5", dir);
    snprintf(log_out, sizeof log_out, "%s/command.out", dir);
    snprintf(log_err, sizeof log_err, "%s/command.err", dir);
    if ((ret = point_command_argv(pp->external.command, pp, point, out, &argv, &argc, eb)) !=
        SWEEP_OK)
        goto cleanup;
    if ((env = point_environment(point, pp->ufm.seed, out, r != NULL ? r->rank : 0)) == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
#if defined(__linux__)
    /* the orphans of the command's processes become ours (reap_descendants ends them) */
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#endif
    n_before = list_children(before, EXT_MAX_CHILDREN);
    if (posix_spawn_file_actions_init(&fa) != 0 || posix_spawnattr_init(&attr) != 0) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    fa_ok = attr_ok = 1;
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log_out, O_WRONLY | O_CREAT | O_EXCL, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, log_err, O_WRONLY | O_CREAT | O_EXCL, 0644);
    /* its own process group (so that a stop or the time limit ends what it started too), with
     * the signals a sweep's ranks catch back at their defaults */
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGTERM);
    sigaddset(&def, SIGINT);
    sigaddset(&def, SIGUSR1);
    sigaddset(&def, SIGHUP);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
    const int se = posix_spawnp(&pid, argv[0], &fa, &attr, argv, env);
    if (se != 0) {
        pid = -1;
        ret = sweep_err_set(eb, SWEEP_ERR_IO, "cannot start %s: %s", argv[0], strerror(se));
        goto cleanup;
    }
    const double t0 = now_s();
    int status = 0;
    for (;;) {
        const pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            ret = sweep_err_set(eb, SWEEP_ERR_INTERNAL, "waiting for %s: %s", argv[0],
                                strerror(errno));
            stop_group(pid, 5.0);
            pid = -1;
            goto cleanup;
        }
        if (stop != NULL && *stop) {
            stop_group(pid, 5.0);
            pid = -1;
            ret = sweep_err_set(eb, SWEEP_ERR_INTERRUPTED, "stopped: %s killed", argv[0]);
            goto cleanup;
        }
        if (now_s() - t0 > pp->external.timeout_s) {
            stop_group(pid, 5.0);
            pid = -1;
            char line[64];
            last_line(log_err, line, sizeof line);
            ret = sweep_err_set(eb, SWEEP_ERR_EXTERNAL, "timed out after %g s%s%s",
                                pp->external.timeout_s, line[0] ? ": " : "", line);
            goto cleanup;
        }
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL); /* anything it left running in its group */
    pid = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char line[64];
        last_line(log_err, line, sizeof line);
        if (WIFEXITED(status))
            ret = sweep_err_set(eb, SWEEP_ERR_EXTERNAL, "exit %d%s%s", WEXITSTATUS(status),
                                line[0] ? ": " : "", line);
        else
            ret = sweep_err_set(eb, SWEEP_ERR_EXTERNAL, "killed by signal %d%s%s", WTERMSIG(status),
                                line[0] ? ": " : "", line);
        goto cleanup;
    }
    if ((ret = ext_network_read(out, net, eb)) != SWEEP_OK && eb != NULL &&
        strncmp(eb->msg, dir, strlen(dir)) == 0 && eb->msg[strlen(dir)] == '/') {
        /* the message fits the point's record: the file's name, not its whole path */
        const size_t skip = strlen(dir) + 1;
        memmove(eb->msg, eb->msg + skip, strlen(eb->msg + skip) + 1);
    }
cleanup:
    if (pid > 0)
        stop_group(pid, 1.0);
    if (n_before >= 0)
        reap_descendants(before, n_before); /* whatever it started outside its group */
    if (fa_ok) { /* the logs exist */
        cap_log(log_out);
        cap_log(log_err);
    }
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    if (attr_ok)
        posix_spawnattr_destroy(&attr);
    environment_free(env);
    point_command_argv_free(&argv);
    return ret;
}
