/* size.h — byte sizes as users write them: "512k", "10M", "1G", "64kB",
 * or a plain number of bytes; the same spellings for --max-body and for
 * the `max_body` option of http.request. */
#ifndef TELLTALE_SIZE_H
#define TELLTALE_SIZE_H

#include <stddef.h>

/* Parse text (k/K = 1024, M/m = 1024², G/g = 1024³, an optional trailing
 * B/b) into *out.  Returns 0, or -1 when text is not a size (empty, negative,
 * an unknown unit, trailing garbage, too large for size_t). */
int size_parse(const char *text, size_t *out);

#endif
