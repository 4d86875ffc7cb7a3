/* Unit tests: spawn — exit status through the pidfd, "not found" as
 * ENOENT from spawn_start itself, fds wired to 0/1/2, a reset signal mask
 * and dispositions in the child, the own process group, SIGTERM before
 * SIGKILL (and SIGKILL when SIGTERM is ignored), wait timeouts, and the
 * signalfd policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "clock.h"
#include "failure.h"
#include "spawn.h"

static int run_sh(const char *script, int out, bool group, struct spawn_child *c) {
    char sh[] = "sh", dash_c[] = "-c";
    char *argv[] = {sh, dash_c, (char *)script, NULL};
    struct spawn_opts o = {
        .argv = argv, .search_path = true, .in = -1, .out = out, .err = -1, .own_group = group, .pidfd = true};
    struct failure f = {0};
    int rc = spawn_start(&o, c, &f);
    failure_clear(&f);
    return rc;
}

static void test_exit_status(void **state) {
    struct spawn_child c;
    int st = 0;
    (void)state;
    assert_int_equal(run_sh("exit 7", -1, false, &c), 0);
    assert_true(c.pid > 0 && c.pidfd >= 0);
    assert_int_equal(spawn_wait(&c, 5000, &st), 1);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    assert_int_equal(c.pid, 0);
    assert_int_equal(c.pidfd, -1);
    spawn_signal(&c, SIGKILL); /* reaped: a no-op, never a recycled pid */
}

static void test_not_found(void **state) {
    char prog[] = "telltale-no-such-program", passwd[] = "/etc/passwd";
    char *argv[] = {prog, NULL};
    struct spawn_opts o = {.argv = argv, .search_path = true, .in = -1, .out = -1, .err = -1};
    struct spawn_child c;
    struct failure f = {0};
    (void)state;
    assert_int_equal(spawn_start(&o, &c, &f), -1);
    assert_int_equal(errno, ENOENT);
    assert_string_equal(f.message, "cannot run 'telltale-no-such-program': No such file or directory");
    assert_int_equal(c.pid, 0);
    failure_clear(&f);
    char *argv2[] = {passwd, NULL};
    o.argv = argv2;
    assert_int_equal(spawn_start(&o, &c, &f), -1);
    assert_int_equal(errno, EACCES);
    failure_clear(&f);
}

/* The parent blocks and ignores signals; the child sees none of that. */
static void test_clean_signals_and_group(void **state) {
    struct spawn_child c;
    sigset_t block, old;
    int p[2], st;
    char out[256] = "";
    ssize_t n;
    (void)state;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    signal(SIGPIPE, SIG_IGN);
    assert_int_equal(pipe(p), 0);
    /* SigBlk and SigIgn from /proc, then pgid == pid */
    assert_int_equal(run_sh("grep -E '^Sig(Blk|Ign)' /proc/self/status; echo \"$(ps -o pgid= $$) $$\"", p[1], true, &c),
                     0);
    close(p[1]);
    assert_int_equal(spawn_wait(&c, 5000, &st), 1);
    n = read(p[0], out, sizeof out - 1);
    close(p[0]);
    assert_true(n > 0);
    out[n] = '\0';
    assert_non_null(strstr(out, "SigBlk:\t0000000000000000\n"));
    /* glibc's posix_spawn leaves its own two internal signals (32, 33)
     * ignored: not ours to judge.  Nothing else is. */
    unsigned long long ign = strtoull(strstr(out, "SigIgn:\t") + 8, NULL, 16);
    assert_int_equal(ign & ~0x180000000ull, 0);
    int pgid = 0, pid = -1;
    assert_int_equal(sscanf(strstr(out, "SigIgn") + 25, "%d %d", &pgid, &pid), 2);
    assert_int_equal(pgid, pid);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static void test_stop(void **state) {
    struct spawn_child c;
    int st;
    int64_t t0;
    (void)state;
    /* Goes at SIGTERM: the whole group, the sleep it started included. */
    assert_int_equal(run_sh("sleep 30", -1, true, &c), 0);
    assert_int_equal(spawn_wait(&c, 50, &st), 0); /* still running at the timeout */
    t0 = clock_mono_ms();
    assert_int_equal(spawn_stop(&c, 5000, &st), 1);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    assert_true(clock_mono_ms() - t0 < 4000);
    /* Ignores SIGTERM: SIGKILL after the grace. */
    assert_int_equal(run_sh("trap '' TERM; while :; do sleep 0.05; done", -1, true, &c), 0);
    usleep(100 * 1000); /* let it set the trap */
    t0 = clock_mono_ms();
    assert_int_equal(spawn_stop(&c, 300, &st), 2);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    assert_true(clock_mono_ms() - t0 >= 290);
}

static void test_signalfd(void **state) {
    static const int sigs[] = {SIGUSR1};
    struct failure f = {0};
    struct signalfd_siginfo si;
    sigset_t old, now;
    (void)state;
    int fd = spawn_signalfd(sigs, 1, &old, &f);
    assert_true(fd >= 0);
    sigprocmask(SIG_SETMASK, NULL, &now);
    assert_true(sigismember(&now, SIGUSR1));
    assert_int_equal(read(fd, &si, sizeof si), -1); /* non-blocking */
    assert_int_equal(errno, EAGAIN);
    kill(getpid(), SIGUSR1);
    assert_int_equal(read(fd, &si, sizeof si), (ssize_t)sizeof si);
    assert_int_equal(si.ssi_signo, SIGUSR1);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    close(fd);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_status),  cmocka_unit_test(test_not_found), cmocka_unit_test(test_clean_signals_and_group),
        cmocka_unit_test(test_stop),         cmocka_unit_test(test_signalfd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
