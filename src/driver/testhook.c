#include "testhook.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void test_hook_hold(const char *name)
{
    const char *v = getenv("UFMSWEEP_TEST_HOLD");
    const size_t n = strlen(name);
    if (v == NULL || strncmp(v, name, n) != 0 || v[n] != ':' || v[n + 1] == '\0')
        return;
    const char *go = v + n + 1;
    char marker[4200];
    snprintf(marker, sizeof marker, "%s.held", go);
    const int fd = open(marker, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0)
        close(fd);
    fprintf(stderr, "[ufmsweep] test hook: held at %s until %s exists\n", name, go);
    while (access(go, F_OK) != 0) {
        struct timespec ts = {0, 10000000}; /* 10 ms */
        nanosleep(&ts, NULL);
    }
}
