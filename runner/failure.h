/* failure.h — the one failure model of the engine.
 *
 * Every way a step, a scenario or the engine can fail is one of these kinds.
 * The list is defined once: it generates the enum, the stable names used in
 * reports (JSON "kind", JUnit failure type) and the one-line descriptions
 * printed by `telltale --help` and documented in README.md.  Add a kind here
 * and everywhere follows. */
#ifndef TELLTALE_FAILURE_H
#define TELLTALE_FAILURE_H

#include <stdarg.h>

#define FAILURE_KIND_MAP(X)                                                                                            \
    X(ASSERTION, "assertion", "an expectation in the scenario did not hold")                                           \
    X(TIMEOUT, "timeout", "a step, an operation or the run passed its deadline")                                       \
    X(MISSING, "missing", "a side effect was not observed before the deadline")                                        \
    X(NETWORK, "network", "DNS failure, connection refused or reset, TLS or auth error")                               \
    X(HTTP, "http", "an HTTP response had a status the step does not allow")                                           \
    X(SCRIPT, "script", "an error in the scenario code itself")                                                        \
    X(ABORTED, "aborted", "the run was interrupted (SIGINT/SIGTERM) or cut short")                                     \
    X(INTERNAL, "internal", "a bug or resource failure inside telltale")

enum failure_kind {
    FAILURE_NONE = 0,
#define FAILURE_ENUM(id, name, desc) FAILURE_##id,
    FAILURE_KIND_MAP(FAILURE_ENUM)
#undef FAILURE_ENUM
        FAILURE_KIND_COUNT
};

/* Caps, so that an error() of 100 MB makes neither a 200 MB report nor a
 * 100 MB copy per retry: past them the text is cut at a character boundary
 * with a note of the whole size ("… (104857600 bytes, cut)").  The report
 * writers apply them again to what they print. */
#define FAILURE_MESSAGE_MAX 4096
#define FAILURE_DETAIL_MAX 65536

/* A failure: kind + one-line message + optional multi-line detail + phase.
 * The strings are owned by the struct (failure_clear frees them). */
struct failure {
    enum failure_kind kind; /* FAILURE_NONE while nothing failed */
    char *message;          /* one line, what went wrong */
    char *detail;           /* optional: what did arrive, near misses, body excerpt */
    char *phase;            /* optional: connect / tls / waiting for response / ... */
    char *where;            /* optional: scenario file:line */
};

const char *failure_kind_name(enum failure_kind kind);
const char *failure_kind_description(enum failure_kind kind);
/* Returns FAILURE_NONE for an unknown name. */
enum failure_kind failure_kind_from_name(const char *name);

/* Replace f's content with a new kind and formatted message; detail, phase
 * and where are cleared.  Returns -1 so callers can `return failure_set(...)`.
 * The message is capped at FAILURE_MESSAGE_MAX and the detail (set_detail)
 * at FAILURE_DETAIL_MAX; a text that long is redacted before it is cut, so
 * the cut cannot leave half a secret. */
int failure_set(struct failure *f, enum failure_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void failure_set_detail(struct failure *f, const char *detail);
void failure_set_phase(struct failure *f, const char *phase);
void failure_set_where(struct failure *f, const char *where);
/* Deep copy src into dst (dst is cleared first). */
void failure_copy(struct failure *dst, const struct failure *src);
/* Move src into dst; src is left empty. */
void failure_move(struct failure *dst, struct failure *src);
void failure_clear(struct failure *f);

#endif
