/* browser_page.h — private to browser.c and browser_page.c: a page's state
 * and the decoded protocol message both files read.  browser.c owns the
 * process, the pipe and the operations; browser_page.c what a page saw
 * (notes, console, requests, lifecycle events).  Nothing else includes
 * this: browser.h is the module's surface. */
#ifndef TELLTALE_BROWSER_PAGE_H
#define TELLTALE_BROWSER_PAGE_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>

#include "browser.h"
#include "buf.h"
#include "result.h"

#define NSEEN 8   /* navigations whose lifecycle events are remembered */
#define NFIELDS 8 /* params an event carries to its handler */

enum page_state { PAGE_WAITING, PAGE_OPENING, PAGE_READY, PAGE_DEAD };
struct request {
    char *id, *method, *url, *type, *error;
    int status;
    double start, end; /* protocol timestamps, seconds */
};

/* The context the pages of one scenario share.  id is valid in Chromium
 * generation gen only: a restarted browser needs a new one. */
struct browser_context {
    char *id;
    int gen;
};

struct browser_page {
    struct browser_page *next;
    enum page_state state;
    unsigned fail_on;
    int chromium_gen;            /* which Chromium it lives in */
    struct browser_context *ctx; /* borrowed; NULL once freed */
    char *target, *session;
    struct browser_op *open_op; /* the caller's opening, until ready */
    int enabling;               /* enable commands not answered yet */
    struct strlist notes;       /* not yet taken */
    struct buf console;
    struct request *requests;
    size_t nrequests;
    struct {
        char *loader;
        unsigned seen; /* bits: 1 DOMContentLoaded, 2 load, 4 networkIdle */
    } nav[NSEEN];
    size_t nav_next;
};

/* One message's fields, copied out of the private Lua state. */
struct msg {
    long id;
    char *method, *session, *error;
    char *ctx, *target, *sess; /* result.browserContextId, .targetId, .sessionId */
    char *f[NFIELDS];          /* the event's params, see event_fields */
};

/* Decode text into m (in the private state J; never raises: a message
 * that does not decode leaves m empty).  Free with browser_msg_free. */
void browser_msg_parse(lua_State *J, const char *text, size_t len, struct msg *m);
void browser_msg_free(struct msg *m);
/* Record the event m on p: notes, console, requests, lifecycle. */
void browser_page_event(struct browser_page *p, struct msg *m);
/* Free what browser_page_event recorded. */
void browser_page_state_free(struct browser_page *p);

/* In browser.c, for the events: fail p's waiting operations with f (only
 * the caller's, not the driver's own, when user_only); complete the ones
 * waiting for a lifecycle event p has now seen. */
void browser_fail_page_ops(struct browser_page *p, bool user_only, const struct failure *f);
void browser_events_seen(struct browser_page *p);

#endif
