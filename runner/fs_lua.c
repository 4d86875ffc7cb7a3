/* fs_lua.c — the `fs` module; see fs_lua.h.
 *
 * A nightly export that stopped being written is the file-system twin of a
 * mail that never arrived: the check fails with kind `missing`, saying how
 * old the file is.  stat() is the only call: local and quick, it does not
 * go through the loop (a hung network file system would hang it, as it
 * would hang everything else on that machine). */
#include "fs_lua.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "core_lua.h"
#include "duration.h"
#include "failure.h"
#include "opts.h"
#include "result.h"

/* age_ms, size = fs.fresh(path, max_age) — path must exist and have been
 * modified within max_age, by this machine's clock; else kind `missing`. */
static int fs_fresh(lua_State *L) {
    size_t len;
    const char *path = luaL_checklstring(L, 1, &len);
    int64_t allowed = core_check_duration(L, 2), age;
    struct failure f = {0};
    struct stat st;
    char age_s[32], allowed_s[32], when[40], detail[128];

    opts_check_nargs(L, "fs.fresh", lua_gettop(L), 2);
    luaL_argcheck(L, len > 0 && strlen(path) == len, 1, "a file name without NUL bytes expected");
    duration_format(allowed, allowed_s, sizeof allowed_s);
    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            failure_set(&f, FAILURE_MISSING, "%s does not exist (max age %s)", path, allowed_s);
        else
            failure_set(&f, FAILURE_MISSING, "%s cannot be checked: %s", path, strerror(errno));
        return core_raise_failure(L, &f);
    }
    age = clock_wall_ms() - ((int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000);
    /* A timestamp from the future (clock skew, a copy with -p) counts as
     * just written: freshness is what is asked. */
    if (age < 0) age = 0;
    if (age > allowed) {
        duration_format(age, age_s, sizeof age_s);
        result_format_time((int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000, when, sizeof when);
        failure_set(&f, FAILURE_MISSING, "%s is %s old, allowed %s", path, age_s, allowed_s);
        snprintf(detail, sizeof detail, "modified: %s\nsize: %lld bytes", when, (long long)st.st_size);
        failure_set_detail(&f, detail);
        return core_raise_failure(L, &f);
    }
    lua_pushinteger(L, age);        /* age */
    lua_pushinteger(L, st.st_size); /* age, size */
    return 2;
}

int luaopen_fs(lua_State *L) {
    static const luaL_Reg funcs[] = {{"fresh", fs_fresh}, {NULL, NULL}};
    luaL_newlib(L, funcs); /* fs */
    return 1;
}
