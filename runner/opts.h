/* opts.h — the one checker for options tables (STYLE.md point 26).
 *
 * Every Lua entry point that takes an options table declares it as a
 * table of { name, type, required } and calls opts_check before reading
 * it: an unknown key, a value of the wrong type, a missing required key
 * raise at once (a plain Lua error, so kind `script`, at the caller's
 * line), with the same words everywhere:
 *
 *   unknown mb:wait option 'subjcet' (expected: to, from, subject, body, since, timeout)
 *   mail.mailbox: insecure must be a boolean, got string "false"
 *
 * lib/ uses the same code through telltale.options(what, spec) (see
 * opts_open), so its messages are identical.  The serve configuration
 * checks its tables with it too. */
#ifndef TELLTALE_OPTS_H
#define TELLTALE_OPTS_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>

/* Types are bits: OPT_BOOLEAN | OPT_INTEGER accepts either. */
enum {
    OPT_STRING = 1 << 0,   /* a string (numbers are not strings here) */
    OPT_NUMBER = 1 << 1,   /* any number */
    OPT_INTEGER = 1 << 2,  /* a number with an exact integer value */
    OPT_BOOLEAN = 1 << 3,  /* true or false: "false" is a string, not a flag */
    OPT_TABLE = 1 << 4,    /* any table */
    OPT_FUNCTION = 1 << 5, /* a function */
    OPT_DURATION = 1 << 6, /* what core_check_duration accepts: seconds or "250ms" */
    OPT_SIZE = 1 << 7,     /* bytes, or a string like "512k" (size_parse) */
    OPT_LIST = 1 << 8,     /* a list of strings */
    OPT_PATTERN = 1 << 9,  /* { pattern = "lua pattern" } */
    OPT_ANY = 1 << 10,     /* anything but nil (a JSON body) */
};

struct opts_spec {
    const char *name; /* NULL ends the list */
    unsigned type;    /* OPT_* bits */
    bool required;
};

/* Check the table at idx against spec, as options of `what` ("mb:wait",
 * "http.request"); nil at idx passes (no options) unless a key is
 * required.  Raises on the first problem, naming the caller's line at
 * `level` (1: the Lua function that called the running C function). */
void opts_check_at(lua_State *L, int idx, const char *what, const struct opts_spec *spec, int level);
/* opts_check_at with level 1: for C functions called from the scenario. */
void opts_check(lua_State *L, int idx, const char *what, const struct opts_spec *spec);
/* Raise unless at most max arguments were given: superfluous positional
 * arguments are a mistake ("db.connect(dsn, opts, extra)"). */
void opts_check_nargs(lua_State *L, const char *what, int given, int max);

/* The size at field name of the table at idx (already checked as
 * OPT_SIZE), or def when absent. */
size_t opts_size_field(lua_State *L, int idx, const char *name, size_t def);

/* Install telltale.options(what, spec) → checker, with spec a list of
 * "name:type" strings (types joined by '|': string, number, integer,
 * boolean, table, function, duration, size, list, pattern, any; a trailing
 * '!' marks a required key), and checker(opts) raising as opts_check does
 * at its caller's caller; and telltale.check_nargs(what, given, max).
 * Expects the `telltale` table  on top of the stack. */
void opts_open(lua_State *L);

#endif
