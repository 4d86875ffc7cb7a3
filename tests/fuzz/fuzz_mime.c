/* fuzz_mime.c — libFuzzer: mime_parse and mime_find_links on any bytes.
 *
 * A message comes off the network as exactly len bytes (mail.c hands over
 * a NUL-terminated copy, but the contract is the length): the input is
 * copied into a buffer of that size, so a read past it is an ASan error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "failure.h"
#include "mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct mail_message m;
    struct failure f = {0};
    struct strlist links = {0};
    char *text = malloc(size + 1);

    memcpy(text, data, size);
    text[size] = '\0';
    if (mime_parse(text, size, &m, &f) == 0) mime_message_free(&m);
    failure_clear(&f);
    mime_find_links(text, 0, &links);
    mime_find_links(text, 1, &links);
    strlist_free(&links);
    free(text);
    return 0;
}
