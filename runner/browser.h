/* browser.h — headless Chromium over the DevTools protocol, on the loop.
 *
 * One Chromium per process, started on first use with
 * --remote-debugging-pipe: JSON messages separated by NUL bytes, written to
 * its fd 3 and read from its fd 4, both non-blocking on the event loop.
 * The pages of one scenario share a browser context (cookies, storage,
 * cache) of their own, made with its first page and disposed with the
 * scenario; at most max_pages are open at once, the others wait for a slot.
 *
 * Every command is a pending operation (struct browser_op) that completes
 * exactly once through its callback — with the reply, or with a failure when
 * the browser exited, stopped answering, or a page note matched the page's
 * fail_on — or is cancelled and never completes.  A browser that dies fails
 * the operations and pages that used it; the next page starts a fresh one. */
#ifndef TELLTALE_BROWSER_H
#define TELLTALE_BROWSER_H

#include <stdbool.h>
#include <stddef.h>

struct buf;
struct failure;
struct loop;
struct strlist;

struct browser_context;
struct browser_page;
struct browser_op;

/* Notes a page records (strings "js_error: ...", "resource: ..."), and the
 * bits of fail_on that turn them into failures of the waiting operation. */
enum { BROWSER_FAIL_JS = 1, BROWSER_FAIL_RESOURCE = 2 };

/* Called once per operation: reply is the whole reply message (JSON text,
 * NUL-terminated, valid during the call) and f NULL; or reply NULL and f
 * the failure (kind `network` for a dead or hung browser, `assertion` for
 * a fail_on note).  The operation is freed after the call. */
typedef void browser_op_fn(const char *reply, size_t len, const struct failure *f, void *data);

/* Set the loop and the cap on open pages (the first call fixes the loop;
 * later calls only change the cap). */
void browser_init(struct loop *loop, int max_pages);
/* Kill Chromium and everything it started, reap it, remove its profile
 * directory.  Safe when none ever ran; called at the end of main. */
void browser_shutdown(void);

/* A scenario's browser context, none made yet (caller owns it). */
struct browser_context *browser_context_new(void);
/* Dispose c in the browser (closing what is left of its pages' targets)
 * and free it; its pages, if any remain, open no further targets in it. */
void browser_context_free(struct browser_context *c);

/* A page in ctx (borrowed: it must outlive the page), not open yet (caller
 * owns it: browser_page_free). */
struct browser_page *browser_page_new(unsigned fail_on, struct browser_context *ctx);
/* Open p: wait for a slot, start Chromium if none runs, create its
 * context unless this Chromium has it already, a target and a session.
 * Returns the operation, or NULL with f filled (kind `script`: chromium not
 * found; `internal`: cannot start). */
struct browser_op *browser_page_open(struct browser_page *p, browser_op_fn *done, void *data, struct failure *f);
/* The id of the context p was opened in, in the running Chromium; NULL
 * when p is not open or its context is gone. */
const char *browser_page_context(const struct browser_page *p);
/* Is p still waiting for a free slot (--browsers)? */
bool browser_page_waiting(const struct browser_page *p);
/* Close p's target (its context stays), cancel its operations, free it. */
void browser_page_free(struct browser_page *p);

/* Send method with params (a JSON object's text, or NULL) to p's session.
 * Returns the operation, or NULL with f filled when p is not usable (the
 * browser exited). */
struct browser_op *browser_send(struct browser_page *p, const char *method, const char *params, browser_op_fn *done,
                                void *data, struct failure *f);
/* Has the page seen lifecycle event name ("load", "DOMContentLoaded",
 * "networkIdle") of the navigation loader_id? */
bool browser_seen(const struct browser_page *p, const char *loader_id, const char *name);
/* Wait for that event; the reply is "{}".  NULL with f when p is unusable. */
struct browser_op *browser_wait_event(struct browser_page *p, const char *loader_id, const char *name,
                                      browser_op_fn *done, void *data, struct failure *f);
/* Cancel: the callback is never called. */
void browser_op_cancel(struct browser_op *op);

/* Move the page's notes not yet taken to out (one line each). */
void browser_take_notes(struct browser_page *p, struct strlist *out);
/* Does a note line match fail_on? */
bool browser_note_fails(const struct browser_page *p, const char *note);
/* The HTTP status of request id (the document of a navigation has its
 * loader id as request id); 0 when unknown. */
int browser_request_status(const struct browser_page *p, const char *id);
/* Append the console log, or the network requests (method, status or
 * error, milliseconds, type, URL; one a line), to out. */
void browser_console(const struct browser_page *p, struct buf *out);
void browser_requests(const struct browser_page *p, struct buf *out);

#endif
