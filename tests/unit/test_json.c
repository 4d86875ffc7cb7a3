/* Unit tests: JSON decoding and encoding through a real lua_State. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <lauxlib.h>
#include <lualib.h>

#include "buf.h"
#include "json.h"

static int setup(void **state) {
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    luaL_requiref(L, "json", luaopen_json, 1); /* json */
    lua_pop(L, 1);
    *state = L;
    return 0;
}

static int teardown(void **state) {
    lua_close(*state);
    return 0;
}

/* Run a Lua chunk that returns one value and leave it on the stack. */
static void eval(lua_State *L, const char *chunk) {
    if (luaL_dostring(L, chunk) != LUA_OK) fail_msg("%s", lua_tostring(L, -1));
    assert_int_equal(lua_gettop(L), 1);
}

static void decode_ok(lua_State *L, const char *text) {
    struct failure f = {0};
    int top = lua_gettop(L);
    if (json_decode(L, text, strlen(text), &f) != 0) fail_msg("decoding %s: %s", text, f.message);
    assert_int_equal(lua_gettop(L), top + 1);
}

static void decode_fails(lua_State *L, const char *text, const char *message) {
    struct failure f = {0};
    int top = lua_gettop(L);
    assert_int_equal(json_decode(L, text, strlen(text), &f), -1);
    assert_int_equal(lua_gettop(L), top);
    assert_int_equal(f.kind, FAILURE_SCRIPT);
    assert_string_equal(f.message, message);
    failure_clear(&f);
}

/* Encode the value on top of the stack, pop it, and compare the text. */
static void encodes_as(lua_State *L, const char *expected) {
    struct buf out;
    struct failure f = {0};
    int top = lua_gettop(L);
    buf_init(&out, 0);
    if (json_encode(L, -1, &out, &f) != 0) fail_msg("%s", f.message);
    assert_int_equal(lua_gettop(L), top);
    assert_string_equal(buf_str(&out), expected);
    buf_free(&out);
    lua_pop(L, 1);
}

static void encode_fails(lua_State *L, const char *message) {
    struct buf out;
    struct failure f = {0};
    int top = lua_gettop(L);
    buf_init(&out, 0);
    buf_puts(&out, "prefix");
    assert_int_equal(json_encode(L, -1, &out, &f), -1);
    assert_int_equal(lua_gettop(L), top);
    assert_int_equal(f.kind, FAILURE_SCRIPT);
    assert_string_equal(f.message, message);
    failure_clear(&f);
    assert_string_equal(buf_str(&out), "prefix"); /* nothing half-written */
    buf_free(&out);
    lua_pop(L, 1);
}

static void roundtrips(lua_State *L, const char *in, const char *out) {
    decode_ok(L, in);
    encodes_as(L, out);
}

static void test_roundtrip(void **state) {
    lua_State *L = *state;
    roundtrips(L, "{\"a\":[1,2.5,\"x\",true,false,null],\"b\":{\"c\":{}}}",
               "{\"a\":[1,2.5,\"x\",true,false,null],\"b\":{\"c\":{}}}");
    roundtrips(L, " [ 1 , [ ] , { } , [ [ ] ] ]\n\t\r", "[1,[],{},[[]]]");
    roundtrips(L, "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\"");
    roundtrips(L, "{\"k\":1,\"k\":2}", "{\"k\":2}");
    roundtrips(L, "-0", "0");
}

static void test_numbers(void **state) {
    lua_State *L = *state;
    decode_ok(L, "42");
    assert_true(lua_isinteger(L, -1));
    assert_int_equal(lua_tointeger(L, -1), 42);
    lua_pop(L, 1);
    decode_ok(L, "-9223372036854775808");
    assert_true(lua_isinteger(L, -1));
    assert_true(lua_tointeger(L, -1) == LUA_MININTEGER);
    lua_pop(L, 1);
    decode_ok(L, "9223372036854775808"); /* one past the largest integer */
    assert_false(lua_isinteger(L, -1));
    assert_true(lua_tonumber(L, -1) == 9223372036854775808.0);
    lua_pop(L, 1);
    decode_ok(L, "42.0");
    assert_false(lua_isinteger(L, -1));
    lua_pop(L, 1);
    decode_ok(L, "1E2");
    assert_false(lua_isinteger(L, -1));
    assert_true(lua_tonumber(L, -1) == 100.0);
    lua_pop(L, 1);
    decode_ok(L, "-1.5e-3");
    assert_true(lua_tonumber(L, -1) == -0.0015);
    lua_pop(L, 1);

    eval(L, "return math.maxinteger");
    encodes_as(L, "9223372036854775807");
    eval(L, "return 3.0");
    encodes_as(L, "3");
    eval(L, "return 0.1");
    encodes_as(L, "0.1");
    eval(L, "return 1/3");
    encodes_as(L, "0.3333333333333333");
    eval(L, "return 1e20");
    encodes_as(L, "100000000000000000000");
    eval(L, "return 1e300");
    encodes_as(L, "1e+300");
    eval(L, "return -2.5e-10");
    encodes_as(L, "-2.5e-10");

    decode_fails(L, "01", "unexpected character '1' at offset 1");
    decode_fails(L, "1.", "unexpected end of input at offset 2");
    decode_fails(L, "1.e5", "unexpected character 'e' at offset 2");
    decode_fails(L, "-", "unexpected end of input at offset 1");
    decode_fails(L, "+1", "unexpected character '+' at offset 0");
    decode_fails(L, ".5", "unexpected character '.' at offset 0");
    decode_fails(L, "[1e]", "unexpected character ']' at offset 3");
    decode_fails(L, "1e400", "number out of range at offset 0");
}

static void test_unicode(void **state) {
    lua_State *L = *state;
    size_t len;
    const char *s;
    decode_ok(L, "\"caf\\u00e9 \\u20AC \\ud83d\\ude00 \\u0000!\"");
    s = lua_tolstring(L, -1, &len);
    assert_int_equal(len, 17);
    assert_memory_equal(s, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \0!", 17);
    lua_pop(L, 1);
    decode_ok(L, "\"\xc3\xa9\xff\""); /* raw bytes pass through */
    assert_string_equal(lua_tostring(L, -1), "\xc3\xa9\xff");
    lua_pop(L, 1);

    decode_fails(L, "\"a\\ud800\"", "unpaired surrogate \\uD800 at offset 2");
    decode_fails(L, "\"\\ud800\\u0041\"", "unpaired surrogate \\uD800 at offset 1");
    decode_fails(L, "\"\\udc00\\ud800\"", "unpaired surrogate \\uDC00 at offset 1");
    decode_fails(L, "\"\\u12g4\"", "invalid \\u escape at offset 1");
    decode_fails(L, "\"\\u12\"", "invalid \\u escape at offset 1");
    decode_fails(L, "\"\\q\"", "invalid escape '\\q' at offset 1");
    decode_fails(L, "\"tab\there\"", "control character 0x09 in string at offset 4");
    decode_fails(L, "[\"abc", "unterminated string at offset 1");
    decode_fails(L, "\"a\\n", "unterminated string at offset 0");
    decode_fails(L, "\"a\\", "unterminated string at offset 0");
}

static void test_syntax_errors(void **state) {
    lua_State *L = *state;
    decode_fails(L, "", "unexpected end of input at offset 0");
    decode_fails(L, "   ", "unexpected end of input at offset 3");
    decode_fails(L, "[1, x]", "unexpected character 'x' at offset 4");
    decode_fails(L, "[1,]", "unexpected character ']' at offset 3");
    decode_fails(L, "[1 2]", "unexpected character '2' at offset 3");
    decode_fails(L, "{\"a\" 1}", "unexpected character '1' at offset 5");
    decode_fails(L, "{\"a\":1,}", "unexpected character '}' at offset 7");
    decode_fails(L, "{a:1}", "unexpected character 'a' at offset 1");
    decode_fails(L, "{\"a\":1", "unexpected end of input at offset 6");
    decode_fails(L, "tru", "unexpected end of input at offset 3");
    decode_fails(L, "nulL", "unexpected character 'L' at offset 3");
    decode_fails(L, "\xef\xbb\xbf{}", "unexpected byte 0xef at offset 0");
}

static void test_trailing_garbage(void **state) {
    lua_State *L = *state;
    decode_fails(L, "[1] x", "unexpected character 'x' at offset 4");
    decode_fails(L, "{}}", "unexpected character '}' at offset 2");
    decode_fails(L, "1 2", "unexpected character '2' at offset 2");
    decode_fails(L, "truex", "unexpected character 'x' at offset 4");
    roundtrips(L, "[1]  \n", "[1]");
}

static char deep_error[1024];

static void test_depth(void **state) {
    lua_State *L = *state;
    char text[2 * 201 + 1];
    size_t n =
        (size_t)snprintf(deep_error, sizeof deep_error, "cannot encode tables nested deeper than 200 levels at .");
    for (int i = 0; i < 200; i++) n += (size_t)snprintf(deep_error + n, sizeof deep_error - n, "[1]");
    memset(text, '[', 200);
    memset(text + 200, ']', 200);
    text[400] = '\0';
    decode_ok(L, text); /* exactly the limit */
    lua_pop(L, 1);
    eval(L, "return '[' .. string.rep('[1],{\"a\":{}},', 300) .. '[]]'"); /* deep in total, not nested */
    decode_ok(L, lua_tostring(L, -1));
    assert_int_equal(lua_rawlen(L, -1), 601);
    lua_pop(L, 2);
    memset(text, '[', 201);
    memset(text + 201, ']', 201);
    text[402] = '\0';
    decode_fails(L, text, "nesting deeper than 200 levels at offset 200");
    decode_fails(L, "{\"a\":[{\"b\":[[[[", "unexpected end of input at offset 15");

    eval(L, "local t = {} for i = 1, 199 do t = {t} end return t"); /* 200 tables */
    lua_pop(L, 1);
    eval(L, "local t = {} for i = 1, 200 do t = {t} end return t");
    encode_fails(L, deep_error);
}

/* Enough scalar elements that a slot leaked per element would run off the
 * end of the Lua stack (nothing on that path grows it).  2066690 is the
 * length of Python's json.dumps(..., sort_keys=True) of the same value. */
static void test_large(void **state) {
    lua_State *L = *state;
    eval(L, "local t, o = {}, {} for i = 1, 100000 do t[i] = i; o['k' .. i] = i end"
            " local s = json.encode({t, o}) local back = json.decode(s)"
            " return #s .. ' ' .. #back[1] .. ' ' .. back[1][100000] .. ' ' .. back[2].k99999");
    assert_string_equal(lua_tostring(L, -1), "2066690 100000 100000 99999");
    lua_pop(L, 1);
}

static void test_cycles(void **state) {
    lua_State *L = *state;
    eval(L, "local t = {name = 'x'} t.self = t return t");
    encode_fails(L, "cannot encode cyclic reference at .self");
    eval(L, "local a = {} local b = {a} a.child = {list = b} return {root = a}");
    encode_fails(L, "cannot encode cyclic reference at .root.child.list[1]");
    eval(L, "local shared = {1} return {a = shared, b = {shared}}"); /* shared, not cyclic */
    encodes_as(L, "{\"a\":[1],\"b\":[[1]]}");
}

static void test_key_order(void **state) {
    lua_State *L = *state;
    eval(L, "return {b = 1, a = 2, c = {z = 1, y = 2}, [10] = 3, [2] = 4, [1.5] = 5, B = 6, ab = 7}");
    encodes_as(L, "{\"1.5\":5,\"10\":3,\"2\":4,\"B\":6,\"a\":2,\"ab\":7,\"b\":1,\"c\":{\"y\":2,\"z\":1}}");
    eval(L, "return {[1] = 'a', [2] = 'b', [4] = 'd'}"); /* not 1..n: an object */
    encodes_as(L, "{\"1\":\"a\",\"2\":\"b\",\"4\":\"d\"}");
    eval(L, "return {'a', 'b', x = 1}");
    encodes_as(L, "{\"1\":\"a\",\"2\":\"b\",\"x\":1}");
    eval(L, "return {'a', 'b', 'c'}");
    encodes_as(L, "[\"a\",\"b\",\"c\"]");
}

static void test_empty_array_vs_object(void **state) {
    lua_State *L = *state;
    eval(L, "return {}");
    encodes_as(L, "{}");
    eval(L, "return json.array()");
    encodes_as(L, "[]");
    eval(L, "return json.array({1, 2})");
    encodes_as(L, "[1,2]");
    eval(L, "return {list = json.array(), map = {}}");
    encodes_as(L, "{\"list\":[],\"map\":{}}");
    roundtrips(L, "[]", "[]");
    roundtrips(L, "{}", "{}");
    roundtrips(L, "{\"a\":[],\"b\":{}}", "{\"a\":[],\"b\":{}}");
    eval(L, "local t = json.decode('[]') t[1] = 'x' return t"); /* still an array once filled */
    encodes_as(L, "[\"x\"]");
    eval(L, "return getmetatable(json.decode('[1]')) == getmetatable(json.array())"
            " and getmetatable(json.decode('{}')) == nil");
    assert_true(lua_toboolean(L, -1));
    lua_pop(L, 1);
}

static void test_null(void **state) {
    lua_State *L = *state;
    decode_ok(L, "null");
    assert_true(json_is_null(L, -1));
    lua_pop(L, 1);
    json_push_null(L);
    encodes_as(L, "null");
    lua_pushnil(L);
    encodes_as(L, "null");
    lua_pushboolean(L, 0);
    assert_false(json_is_null(L, -1));
    lua_pop(L, 1);
    decode_ok(L, "[null,null]");
    assert_int_equal(lua_rawlen(L, -1), 2); /* null is a value, not a hole */
    encodes_as(L, "[null,null]");
    eval(L, "local t = json.decode('{\"a\":null}') return t.a == json.null and json.null ~= nil");
    assert_true(lua_toboolean(L, -1));
    lua_pop(L, 1);
    eval(L, "return {a = json.null}");
    encodes_as(L, "{\"a\":null}");
}

static void test_encode_errors(void **state) {
    lua_State *L = *state;
    eval(L, "return {user = {name = 'x', cb = print}}");
    encode_fails(L, "cannot encode function at .user.cb");
    eval(L, "return print");
    encode_fails(L, "cannot encode function at .");
    eval(L, "return {list = {1, io.stdout}}");
    encode_fails(L, "cannot encode userdata at .list[2]");
    eval(L, "return {{['content-type'] = {coroutine.create(print)}}}");
    encode_fails(L, "cannot encode thread at .[1][\"content-type\"][1]");
    eval(L, "return {a = {[true] = 1}}");
    encode_fails(L, "cannot encode table key of type boolean at .a");
    eval(L, "return {x = 0/0}");
    encode_fails(L, "cannot encode NaN at .x");
    eval(L, "return {math.huge}");
    encode_fails(L, "cannot encode inf at .[1]");
    eval(L, "return -math.huge");
    encode_fails(L, "cannot encode -inf at .");
    eval(L, "return {[math.huge] = 1}");
    encode_fails(L, "cannot encode table key inf at .");
    eval(L, "return {[1] = 'a', ['1'] = 'b', z = 1}");
    encode_fails(L, "cannot encode table with both number and string key \"1\" at .");
    eval(L, "return {a = json.array({1, x = 2})}");
    encode_fails(L, "cannot encode json.array with keys other than 1..n at .a");
    eval(L, "return json.array({1, nil, 3})");
    encode_fails(L, "cannot encode json.array with keys other than 1..n at .");
}

static void test_buffer_cap(void **state) {
    lua_State *L = *state;
    struct buf out;
    struct failure f = {0};
    buf_init(&out, 10);
    buf_puts(&out, "ab");
    eval(L, "return {'0123456789'}");
    assert_int_equal(json_encode(L, -1, &out, &f), -1);
    assert_string_equal(f.message, "encoded JSON exceeds 10 bytes");
    failure_clear(&f);
    assert_string_equal(buf_str(&out), "ab");
    lua_pop(L, 1);
    eval(L, "return {1, 2}");
    assert_int_equal(json_encode(L, -1, &out, &f), 0);
    assert_string_equal(buf_str(&out), "ab[1,2]");
    lua_pop(L, 1);
    buf_free(&out);
}

static void test_write_string(void **state) {
    struct buf out;
    (void)state;
    buf_init(&out, 0);
    json_write_string(&out, "say \"hi\"\\\n\r\t\b\f", 14);
    assert_string_equal(buf_str(&out), "\"say \\\"hi\\\"\\\\\\n\\r\\t\\b\\f\"");
    buf_reset(&out);
    json_write_string(&out, "a\0b\x01\x1f\x7f \xc3\xa9/", 10);
    assert_string_equal(buf_str(&out), "\"a\\u0000b\\u0001\\u001f\x7f \xc3\xa9/\"");
    buf_reset(&out);
    json_write_string(&out, "", 0);
    assert_string_equal(buf_str(&out), "\"\"");
    buf_free(&out);
}

static void test_lua_module(void **state) {
    lua_State *L = *state;
    eval(L, "local ok, e = pcall(json.decode, '[1,') return e");
    assert_string_equal(lua_tostring(L, -1), "invalid JSON: unexpected end of input at offset 3");
    lua_pop(L, 1);
    eval(L, "local ok, e = pcall(json.encode, {f = print}) return e");
    assert_string_equal(lua_tostring(L, -1), "cannot encode function at .f");
    lua_pop(L, 1);
    eval(L, "local t = json.decode('{\"n\":[1,2.5,\"s\"]}')"
            " return math.type(t.n[1]) .. math.type(t.n[2]) .. t.n[3] .. json.encode(t)");
    assert_string_equal(lua_tostring(L, -1), "integerfloats{\"n\":[1,2.5,\"s\"]}");
    lua_pop(L, 1);
    eval(L, "local t = {} return json.array(t) == t and json.encode(json.array(nil))");
    assert_string_equal(lua_tostring(L, -1), "[]");
    lua_pop(L, 1);
    eval(L, "return select('#', pcall(json.array, 5)) == 2 and (select(2, pcall(json.array, 5)))");
    assert_non_null(strstr(lua_tostring(L, -1), "table expected, got number"));
    lua_pop(L, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unicode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trailing_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cycles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_array_vs_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buffer_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_string, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lua_module, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
