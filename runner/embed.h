/* embed.h — the Lua modules of lib/, compiled into the binary by the
 * Makefile (runner/embed.sh), so an installed telltale needs no files.
 * Setting TELLTALE_LIB=dir loads them from dir instead, for development. */
#ifndef TELLTALE_EMBED_H
#define TELLTALE_EMBED_H

#include <stddef.h>

struct embed_file {
    const char *name; /* module name: "expect" for lib/expect.lua */
    const unsigned char *data;
    size_t len;
};

extern const struct embed_file embed_files[]; /* ends with a NULL name */

#endif
