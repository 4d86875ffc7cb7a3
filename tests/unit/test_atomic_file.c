/* Unit tests: atomic_file — the content and mode land, the file is
 * replaced (new inode), no temporary file is left either way, a busy
 * `PATH.tmp` (another writer, a stale leftover) does not get in the way,
 * and a failure names the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "atomic_file.h"
#include "failure.h"
#include "buf.h"
#include "report_file.h"
#include "state.h"

static int entries(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) n++;
    if (d) closedir(d);
    return n;
}

static void slurp(const char *path, char *out, size_t len) {
    FILE *fp = fopen(path, "rb");
    size_t n;
    assert_non_null(fp);
    n = fread(out, 1, len - 1, fp);
    out[n] = '\0';
    fclose(fp);
}

static void test_write_replace_mode(void **state) {
    char dir[] = "/tmp/tt-atomic.XXXXXX", path[64], text[64];
    struct failure f = {0};
    struct stat before, after;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/f.json", dir);
    assert_int_equal(atomic_file_write(path, "one\n", 4, 0644, "report", &f), 0);
    assert_int_equal(stat(path, &before), 0);
    assert_int_equal(before.st_mode & 07777, 0644);
    assert_int_equal(atomic_file_write(path, "two\n", 4, 0600, "state file", &f), 0);
    assert_int_equal(stat(path, &after), 0);
    assert_true(before.st_ino != after.st_ino); /* replaced by rename, not rewritten */
    assert_int_equal(after.st_mode & 07777, 0600);
    slurp(path, text, sizeof text);
    assert_string_equal(text, "two\n");
    assert_int_equal(entries(dir), 1); /* no temporary file left */
    remove(path);
    rmdir(dir);
}

/* The old report writer used a fixed PATH.tmp: a second writer, or a
 * leftover that cannot be replaced, made the report unwritable. */
static void test_busy_tmp_name(void **state) {
    char dir[] = "/tmp/tt-atomic.XXXXXX", path[64], busy[80], text[64];
    struct failure f = {0};
    struct buf b;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/r.json", dir);
    snprintf(busy, sizeof busy, "%s.tmp", path);
    assert_int_equal(mkdir(busy, 0700), 0);
    buf_init(&b, 0);
    buf_puts(&b, "{}\n");
    assert_int_equal(report_file_write(path, &b, &f), 0);
    slurp(path, text, sizeof text);
    assert_string_equal(text, "{}\n");
    assert_int_equal(entries(dir), 2); /* the report and the directory in the way */
    buf_free(&b);
    rmdir(busy);
    remove(path);
    rmdir(dir);
}

static void test_failure_names_file(void **state) {
    char dir[] = "/tmp/tt-atomic.XXXXXX", path[64];
    struct failure f = {0};
    (void)state;
    assert_int_equal(atomic_file_write("/nonexistent-dir/x.prom", "x", 1, 0644, "--prom-file", &f), -1);
    assert_int_equal(f.kind, FAILURE_INTERNAL);
    assert_non_null(strstr(f.message, "cannot write --prom-file /nonexistent-dir/x.prom: "));
    failure_clear(&f);
    /* The target is a directory: rename fails, the temporary file goes. */
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/d", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(atomic_file_write(path, "x", 1, 0644, "report", &f), -1);
    assert_non_null(strstr(f.message, "cannot write report"));
    assert_int_equal(entries(dir), 1);
    failure_clear(&f);
    rmdir(path);
    rmdir(dir);
}

static void test_write_all(void **state) {
    int p[2];
    char got[8] = "";
    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(atomic_file_write_all(p[1], "abcdef", 6), 0);
    close(p[1]);
    assert_int_equal(read(p[0], got, sizeof got - 1), 6);
    assert_string_equal(got, "abcdef");
    close(p[0]);
    assert_int_equal(atomic_file_write_all(-1, "x", 1), -1);
}

/* The state file: written 0600 (it names every check and incident), read
 * back the same. */
static void test_state_roundtrip(void **state) {
    char dir[] = "/tmp/tt-atomic.XXXXXX", path[64];
    struct failure f = {0};
    struct state s = {0}, back = {0};
    struct stat st;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/state.json", dir);
    struct state_entry *e = state_get(&s, "scenario:a \"b\"");
    e->failing = e->incident = true;
    e->consecutive = 3;
    e->incident_since = 1700000000;
    e->last_alert = 1700000100;
    struct state_pending_text t = {.step = "step\n1",
                                   .kind = "http",
                                   .message = "500 \"oops\"",
                                   .run_id = "run1",
                                   .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
                                   .artifacts_url = "https://ci.example/a/run1/"};
    state_set_pending(e, 1, &t);
    state_set_incident_labels(e, "step\n1", "http");
    e = state_get(&s, "heartbeat:h"); /* labels, nothing pending */
    e->last_ping = 42;
    e->incident = true;
    state_set_incident_labels(e, NULL, "missing");
    assert_int_equal(state_save(path, &s, &f), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(state_load(path, &back, &f), 0);
    assert_int_equal(back.len, 2);
    e = state_find(&back, "scenario:a \"b\"");
    assert_non_null(e);
    assert_true(e->failing && e->incident);
    assert_int_equal(e->consecutive, 3);
    assert_int_equal(e->incident_since, 1700000000);
    assert_int_equal(e->last_alert, 1700000100);
    assert_int_equal(e->pending_event, 2);
    assert_string_equal(e->pending_step, "step\n1");
    assert_string_equal(e->pending_message, "500 \"oops\"");
    assert_string_equal(e->pending_run_id, "run1");
    assert_string_equal(e->pending_trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_string_equal(e->pending_artifacts_url, "https://ci.example/a/run1/");
    assert_string_equal(e->incident_step, "step\n1");
    assert_string_equal(e->incident_kind, "http");
    e = state_find(&back, "heartbeat:h");
    assert_int_equal(e->last_ping, 42);
    assert_true(e->incident);
    assert_null(e->incident_step);
    assert_string_equal(e->incident_kind, "missing");
    assert_int_equal(e->pending_event, 0);
    assert_int_equal(entries(dir), 1);
    state_free(&s);
    state_free(&back);
    /* Missing: empty, not an error; not JSON, or no checks: an error. */
    remove(path);
    assert_int_equal(state_load(path, &back, &f), 0);
    assert_int_equal(back.len, 0);
    assert_int_equal(atomic_file_write(path, "[1,2]", 5, 0600, "state file", &f), 0);
    assert_int_equal(state_load(path, &back, &f), -1);
    assert_non_null(strstr(f.message, "has no \"checks\" object"));
    failure_clear(&f);
    assert_int_equal(atomic_file_write(path, "{", 1, 0600, "state file", &f), 0);
    assert_int_equal(state_load(path, &back, &f), -1);
    assert_non_null(strstr(f.message, "is not valid JSON"));
    failure_clear(&f);
    state_free(&back);
    remove(path);
    rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_replace_mode), cmocka_unit_test(test_busy_tmp_name),
        cmocka_unit_test(test_failure_names_file), cmocka_unit_test(test_write_all),
        cmocka_unit_test(test_state_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
