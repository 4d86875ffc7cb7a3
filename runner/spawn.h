/* spawn.h — the one way telltale starts a child process:
 * serve's runs, alert exec hooks, wrap's command, the browser.
 *
 * posix_spawn, so nothing but the exec happens between fork and exec (safe
 * from any thread; glibc's posix_spawnp reports an exec failure such as
 * "not found" as its return value, so it is reported as such).  The child
 * gets default dispositions for every signal, the signal mask the caller
 * names (the parent blocks the signals it reads from a signalfd: the child
 * must see them), and, if asked, a process group of its own so a stop
 * reaches whatever it started.  Stopping is SIGTERM, then SIGKILL after a
 * grace; waiting is on a pidfd (poll, or the loop), never a sleep loop.
 *
 * One signal policy goes with it: a process that handles signals blocks
 * them and reads them from a signalfd (spawn_signalfd) — run and serve on
 * their loop, wrap in its poll. */
#ifndef TELLTALE_SPAWN_H
#define TELLTALE_SPAWN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct failure;

struct spawn_opts {
    char *const *argv;    /* NULL-terminated; argv[0] is the program */
    bool search_path;     /* look argv[0] up in PATH (no '/' in it) */
    int in, out, err;     /* fds for the child's 0, 1, 2; -1 = inherit ours */
    const int *extra;     /* more fds, given to the child as 3, 4, ... (a */
    int nextra;           /* browser's DevTools pipe); then every fd above is closed */
    bool own_group;       /* a process group of its own (pgid = pid) */
    const sigset_t *mask; /* the child's signal mask; NULL = nothing blocked */
    bool pidfd;           /* open a pidfd for waiting (spawn_wait, the loop) */
};

struct spawn_child {
    pid_t pid;  /* 0 when not running */
    int pidfd;  /* readable once the child has exited; -1 if not asked */
    bool group; /* signals go to its process group */
};

/* Start the child.  Returns 0, or -1 with f filled (kind `internal`,
 * "cannot run 'ARGV0': REASON") and errno set to the cause (ENOENT: not
 * found, EACCES: not executable, ...); nothing is left running then. */
int spawn_start(const struct spawn_opts *o, struct spawn_child *c, struct failure *f);

/* Send sig to the child (its group if it has one); a no-op once reaped, so
 * a recycled pid is never hit. */
void spawn_signal(const struct spawn_child *c, int sig);

/* Reap the child if it has exited: returns 1 with *status (as waitpid
 * sets it) and the child cleared, 0 if it is still running, -1 on error. */
int spawn_reap(struct spawn_child *c, int *status);

/* Wait up to timeout_ms (< 0: without limit) for the child to exit, on its
 * pidfd, and reap it.  Returns 1 (reaped, *status set), 0 (still running
 * at the timeout) or -1. */
int spawn_wait(struct spawn_child *c, int64_t timeout_ms, int *status);

/* Stop the child: SIGTERM, then SIGKILL if it is still there after
 * grace_ms; reaps it.  Returns 1 if it went at SIGTERM, 2 if it needed
 * SIGKILL, -1 on error. */
int spawn_stop(struct spawn_child *c, int64_t grace_ms, int *status);

/* Forget a child reaped elsewhere (serve's SIGCHLD), closing its pidfd. */
void spawn_release(struct spawn_child *c);

/* Block the n signals in sigs for this thread (and the threads it starts
 * after) and return a non-blocking, close-on-exec signalfd reading them;
 * *old gets the previous mask.  Returns -1 with f filled on failure. */
int spawn_signalfd(const int *sigs, size_t n, sigset_t *old, struct failure *f);

#endif
