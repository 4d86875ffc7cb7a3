/* spawn.c — child processes and the signal policy; see spawn.h. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "failure.h"

#define SPAWN_MAX_EXTRA 8

extern char **environ;

/* The attributes: default dispositions, the mask, maybe a new group. */
static int set_attr(posix_spawnattr_t *attr, const struct spawn_opts *o) {
    sigset_t all, none;
    short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
    sigfillset(&all);
    sigemptyset(&none);
    if (o->own_group) flags |= POSIX_SPAWN_SETPGROUP;
    int rc = posix_spawnattr_setflags(attr, flags);
    if (!rc) rc = posix_spawnattr_setsigdefault(attr, &all);
    if (!rc) rc = posix_spawnattr_setsigmask(attr, o->mask ? o->mask : &none);
    if (!rc && o->own_group) rc = posix_spawnattr_setpgroup(attr, 0);
    return rc;
}

/* dup2 clears close-on-exec on the copy: the originals may keep it.  The
 * extra fds were moved above the numbers they go to (high[]), so no dup2
 * overwrites a source still to be copied. */
static int set_files(posix_spawn_file_actions_t *fa, const struct spawn_opts *o, const int *high) {
    const int from[3] = {o->in, o->out, o->err};
    int rc = 0;
    for (int i = 0; i < 3 && !rc; i++)
        if (from[i] >= 0) rc = posix_spawn_file_actions_adddup2(fa, from[i], i);
    for (int i = 0; i < o->nextra && !rc; i++) rc = posix_spawn_file_actions_adddup2(fa, high[i], 3 + i);
    if (!rc && o->nextra > 0) rc = posix_spawn_file_actions_addclosefrom_np(fa, 3 + o->nextra);
    return rc;
}

int spawn_start(const struct spawn_opts *o, struct spawn_child *c, struct failure *f) {
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t fa;
    pid_t pid = 0;
    int rc;

    int high[SPAWN_MAX_EXTRA];
    int nhigh = 0;

    *c = (struct spawn_child){.pidfd = -1, .group = o->own_group};
    if (o->nextra > SPAWN_MAX_EXTRA)
        return failure_set(f, FAILURE_INTERNAL, "cannot run '%s': too many fds", o->argv[0]);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&fa);
    rc = set_attr(&attr, o);
    for (; !rc && nhigh < o->nextra; nhigh++)
        if ((high[nhigh] = fcntl(o->extra[nhigh], F_DUPFD_CLOEXEC, 3 + o->nextra)) < 0) rc = errno;
    if (!rc) rc = set_files(&fa, o, high);
    if (!rc)
        rc = o->search_path ? posix_spawnp(&pid, o->argv[0], &fa, &attr, o->argv, environ)
                            : posix_spawn(&pid, o->argv[0], &fa, &attr, o->argv, environ);
    while (nhigh > 0) close(high[--nhigh]);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc) {
        failure_set(f, FAILURE_INTERNAL, "cannot run '%s': %s", o->argv[0], strerror(rc));
        errno = rc;
        return -1;
    }
    c->pid = pid;
    if (o->pidfd && (c->pidfd = pidfd_open(pid, 0)) < 0) {
        int e = errno;
        kill(o->own_group ? -pid : pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) continue;
        *c = (struct spawn_child){.pidfd = -1};
        failure_set(f, FAILURE_INTERNAL, "cannot watch '%s': pidfd_open: %s", o->argv[0], strerror(e));
        errno = e;
        return -1;
    }
    return 0;
}

void spawn_signal(const struct spawn_child *c, int sig) {
    if (c->pid <= 0) return;
    kill(c->group ? -c->pid : c->pid, sig);
}

void spawn_release(struct spawn_child *c) {
    if (c->pidfd >= 0) close(c->pidfd);
    *c = (struct spawn_child){.pidfd = -1};
}

int spawn_reap(struct spawn_child *c, int *status) {
    int st = 0;
    pid_t r;
    if (c->pid <= 0) return -1;
    while ((r = waitpid(c->pid, &st, WNOHANG)) < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) return 0;
    if (status) *status = st;
    spawn_release(c);
    return 1;
}

int spawn_wait(struct spawn_child *c, int64_t timeout_ms, int *status) {
    int64_t deadline = clock_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    if (c->pid <= 0 || c->pidfd < 0) return -1;
    for (;;) {
        struct pollfd p = {.fd = c->pidfd, .events = POLLIN};
        int64_t left = deadline - clock_mono_ms();
        int ms = timeout_ms < 0 ? -1 : left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
        int r = poll(&p, 1, ms);
        if (r < 0 && errno != EINTR) return -1;
        if (r > 0) return spawn_reap(c, status);
        if (r == 0 && ms >= 0 && left <= 0) return 0;
    }
}

int spawn_stop(struct spawn_child *c, int64_t grace_ms, int *status) {
    int r;
    spawn_signal(c, SIGTERM);
    r = spawn_wait(c, grace_ms, status);
    if (r != 0) return r < 0 ? -1 : 1;
    spawn_signal(c, SIGKILL);
    return spawn_wait(c, -1, status) == 1 ? 2 : -1;
}

int spawn_signalfd(const int *sigs, size_t n, sigset_t *old, struct failure *f) {
    sigset_t set;
    int fd;
    sigemptyset(&set);
    for (size_t i = 0; i < n; i++) sigaddset(&set, sigs[i]);
    pthread_sigmask(SIG_BLOCK, &set, old);
    fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        failure_set(f, FAILURE_INTERNAL, "cannot read signals (signalfd): %s", strerror(e));
        if (old) pthread_sigmask(SIG_SETMASK, old, NULL);
        errno = e;
    }
    return fd;
}
