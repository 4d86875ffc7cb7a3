/* Unit tests: the scenario state's allocator (sandbox.c) — small blocks from
 * the state's own pages by size class, large ones from malloc, the count
 * and the --max-memory cap across both, and blocks moving between them as
 * Lua grows and shrinks them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lauxlib.h>
#include <string.h>

#include "sandbox.h"

static size_t heap_bytes(lua_State *L) {
    return (size_t)lua_gc(L, LUA_GCCOUNT) * 1024 + (size_t)lua_gc(L, LUA_GCCOUNTB);
}

/* Strings of every length from 1 to 600 bytes (every small class, and
 * malloc's), each checked after all are made: no two blocks overlap. */
static void test_every_class(void **state) {
    lua_State *L = sandbox_newstate(SANDBOX_DEFAULT_MAX_MEMORY);
    char s[601];
    (void)state;
    assert_non_null(L);
    lua_gc(L, LUA_GCSTOP);
    lua_createtable(L, 600, 0); /* list */
    for (int n = 1; n <= 600; n++) {
        for (int i = 0; i < n; i++) s[i] = (char)('a' + (n + i) % 26);
        lua_pushlstring(L, s, (size_t)n); /* list, s */
        lua_rawseti(L, -2, n);            /* list */
    }
    for (int n = 1; n <= 600; n++) {
        size_t len;
        const char *got;
        lua_rawgeti(L, -1, n); /* list, s */
        got = lua_tolstring(L, -1, &len);
        assert_int_equal(len, n);
        for (int i = 0; i < n; i++) assert_int_equal(got[i], (char)('a' + (n + i) % 26));
        lua_pop(L, 1); /* list */
    }
    sandbox_close(L);
}

/* A table grown one key at a time is resized from small blocks to large
 * ones and keeps its contents; freeing it brings the count back down. */
static void test_growth_and_count(void **state) {
    lua_State *L = sandbox_newstate(SANDBOX_DEFAULT_MAX_MEMORY);
    size_t before;
    (void)state;
    assert_non_null(L);
    lua_gc(L, LUA_GCCOLLECT);
    before = heap_bytes(L);
    lua_newtable(L); /* t */
    for (lua_Integer i = 1; i <= 5000; i++) {
        lua_pushinteger(L, i * 7); /* t, v */
        lua_rawseti(L, -2, i);     /* t */
    }
    for (lua_Integer i = 1; i <= 5000; i++) {
        lua_rawgeti(L, -1, i); /* t, v */
        assert_int_equal(lua_tointeger(L, -1), i * 7);
        lua_pop(L, 1); /* t */
    }
    assert_true(heap_bytes(L) > before + 5000 * sizeof(lua_Integer));
    lua_pop(L, 1); /* */
    lua_gc(L, LUA_GCCOLLECT);
    assert_true(heap_bytes(L) <= before + 64);
    sandbox_close(L);
}

static int make_garbage(lua_State *L) {
    for (int i = 0; i < 100000; i++) {
        lua_pushfstring(L, "block %d of a scenario that keeps allocating", i); /* s */
        lua_setfield(L, LUA_REGISTRYINDEX, "kept");                            /* */
    }
    lua_newtable(L); /* t */
    for (lua_Integer i = 1;; i++) {
        lua_pushfstring(L, "kept %d", (int)i); /* t, s */
        lua_rawseti(L, -2, i);                 /* t */
    }
    return 0;
}

/* Small and large blocks count against the same cap: past it Lua raises
 * "not enough memory" and the state still works once it is freed. */
static void test_cap(void **state) {
    lua_State *L = sandbox_newstate(1024 * 1024);
    size_t cap = 0;
    (void)state;
    assert_non_null(L);
    lua_pushcfunction(L, make_garbage); /* fn */
    assert_int_equal(lua_pcall(L, 0, 0, 0), LUA_ERRMEM);
    assert_true(sandbox_is_memory_error(L, -1));
    assert_true(sandbox_take_memory_exceeded(L, &cap));
    assert_int_equal(cap, 1024 * 1024);
    lua_pop(L, 1); /* */
    lua_gc(L, LUA_GCCOLLECT);
    assert_true(heap_bytes(L) < 1024 * 1024);
    lua_pushstring(L, "still works"); /* s */
    assert_string_equal(lua_tostring(L, -1), "still works");
    sandbox_close(L);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_class),
        cmocka_unit_test(test_growth_and_count),
        cmocka_unit_test(test_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
