/* mail.c — IMAP mailboxes on worker threads; see mail.h.
 *
 * Threads: the worker owns the libetpan session and never touches Lua or
 * the loop; it appends decoded messages and status changes to the box's
 * inbox under the box's mutex and posts the box to the loop (loop_post),
 * once until the loop has taken them.  The loop thread moves them to the
 * box's message list and notifies watchers.  The
 * worker's only blocking points are libetpan calls (bounded by
 * mailstream_network_delay) and select() on its wake pipe, so a shutdown
 * is prompt. */
#include "mail.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <libetpan/libetpan.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "oauth.h"
#include "redact.h"
#include "trace.h"
#include "xalloc.h"

#define MAX_MESSAGES 2000 /* kept per mailbox; the oldest go first */
#define MAX_BACKOFF_MS 5000
#define IDLE_REFRESH_MS (10 * 1000) /* re-check even if a notification was lost */
#define POLL_MS 2000                /* without IDLE, when poll is not given */
#define NETWORK_TIMEOUT_S 15        /* any single IMAP command */

struct mail_watch {
    struct mail_box *box;
    mail_notify_fn *fn;
    void *data;
    struct mail_watch *next;
};

struct mail_box {
    struct loop *loop;
    char *key; /* what makes a session: see box_key */
    struct mail_endpoint ep;
    char *folder;
    struct mail_trace *trace; /* --trace; NULL otherwise */
    struct net_cancel cancel; /* stops a connect or read in progress at shutdown */
    bool idle;
    int64_t poll_ms;
    struct mail_guard guard; /* the current session's caps */
    pthread_t thread;
    int wake[2]; /* pipe: interrupts the worker's waits */

    pthread_mutex_t lock; /* guards the fields below, shared with the worker */
    struct mail_entry *inbox;
    size_t ninbox, inbox_alloc;
    char *status; /* "connected (IDLE)", "reconnecting: ..." */
    bool connected;
    struct failure fatal; /* a final error: login refused, no such folder */
    bool changed;
    bool stop;
    bool posted; /* post is queued on the loop */
    struct loop_post post;
    int64_t since_unix;                /* the list covers mail from then on */
    int64_t want_since;                /* a backfill asked for; 0: none */
    uint32_t *want_body, *want_delete; /* requests from the loop thread */
    size_t nwant_body, nwant_delete, want_body_alloc, want_delete_alloc;

    /* loop thread only */
    struct mail_entry *list;
    size_t nlist;
    struct mail_watch *watches;
    struct mail_box *next;
};

static struct mail_box *boxes;
static bool tracing; /* --trace: each mailbox collects its dialogue */

/* ---- worker → loop ---- */

/* With b->lock held: there is news for the loop thread.  Unlock after. */
static bool mark_changed(struct mail_box *b) {
    bool post = !b->posted;
    b->changed = true;
    b->posted = true;
    return post;
}

static void set_status(struct mail_box *b, bool connected, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_status(struct mail_box *b, bool connected, const char *fmt, ...) {
    struct buf s;
    va_list ap;
    buf_init(&s, 0);
    va_start(ap, fmt);
    buf_vprintf(&s, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&b->lock);
    free(b->status);
    b->status = buf_take(&s);
    b->connected = connected;
    bool post = mark_changed(b);
    pthread_mutex_unlock(&b->lock);
    if (post) loop_post(b->loop, &b->post);
}

static void deliver(struct mail_box *b, struct mail_entry *e) {
    pthread_mutex_lock(&b->lock);
    if (b->ninbox == b->inbox_alloc) {
        b->inbox_alloc = b->inbox_alloc ? b->inbox_alloc * 2 : 16;
        b->inbox = xrealloc(b->inbox, b->inbox_alloc * sizeof *b->inbox);
    }
    b->inbox[b->ninbox++] = *e;
    bool post = mark_changed(b);
    pthread_mutex_unlock(&b->lock);
    if (post) loop_post(b->loop, &b->post);
}

static void entry_free(struct mail_entry *e) {
    free(e->raw);
    free(e->error);
    mime_message_free(&e->msg);
}

/* --trace lines of a mailbox, redacted, on stderr like HTTP's. */
static void print_trace(struct mail_box *b) {
    struct buf text;
    char label[600];
    buf_init(&text, 0);
    mail_trace_take(b->trace, &text);
    snprintf(label, sizeof label, "imap %s@%s:%d", b->ep.user, b->ep.host, b->ep.port);
    if (text.len) trace_print(label, "", text.data, text.len);
    buf_free(&text);
}

/* Loop thread: take what the worker produced, tell the watchers. */
static void on_posted(struct loop *loop, void *data) {
    struct mail_box *b = data;
    bool changed;
    (void)loop;
    pthread_mutex_lock(&b->lock);
    b->posted = false;
    changed = b->changed;
    b->changed = false;
    for (size_t i = 0; i < b->ninbox; i++) {
        struct mail_entry *same = (struct mail_entry *)mail_box_message(b, b->inbox[i].uid);
        if (same) {
            /* The complete message, or news that it is gone. */
            entry_free(same);
            if (b->inbox[i].gone) {
                size_t at = (size_t)(same - b->list);
                memmove(same, same + 1, (b->nlist - at - 1) * sizeof *same);
                b->nlist--;
            } else {
                *same = b->inbox[i];
            }
            continue;
        }
        /* Gone, or the body of a message already dropped from the list
         * (which must stay in UID order); old mail goes in its place. */
        if (b->inbox[i].gone || (!b->inbox[i].old && b->nlist && b->inbox[i].uid <= b->list[b->nlist - 1].uid)) {
            entry_free(&b->inbox[i]);
            continue;
        }
        if (b->nlist == MAX_MESSAGES) {
            entry_free(&b->list[0]);
            memmove(b->list, b->list + 1, (b->nlist - 1) * sizeof *b->list);
            b->nlist--;
        }
        if (b->nlist % 64 == 0) b->list = xrealloc(b->list, (b->nlist + 64) * sizeof *b->list);
        size_t at = b->nlist;
        while (at > 0 && b->list[at - 1].uid > b->inbox[i].uid) at--;
        memmove(b->list + at + 1, b->list + at, (b->nlist - at) * sizeof *b->list);
        b->list[at] = b->inbox[i];
        b->nlist++;
    }
    b->ninbox = 0;
    pthread_mutex_unlock(&b->lock);
    if (b->trace) print_trace(b);
    if (!changed) return;
    /* Watchers are told once; each may unwatch or watch again. */
    struct mail_watch *w = b->watches;
    b->watches = NULL;
    while (w) {
        struct mail_watch *next = w->next;
        w->fn(w->data);
        free(w);
        w = next;
    }
}

/* ---- the worker ---- */

static bool stopping(struct mail_box *b) {
    bool s;
    pthread_mutex_lock(&b->lock);
    s = b->stop;
    pthread_mutex_unlock(&b->lock);
    return s;
}

/* Sleep up to ms, or until woken; true when woken by fd becoming readable. */
static bool wait_for(struct mail_box *b, int fd, int64_t ms) {
    fd_set set;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
    char drain[64];
    FD_ZERO(&set);
    FD_SET(b->wake[0], &set);
    if (fd >= 0) FD_SET(fd, &set);
    if (select((fd > b->wake[0] ? fd : b->wake[0]) + 1, &set, NULL, NULL, &tv) <= 0) return false;
    if (FD_ISSET(b->wake[0], &set))
        while (read(b->wake[0], drain, sizeof drain) > 0) {
        }
    return fd >= 0 && FD_ISSET(fd, &set);
}

static int64_t internaldate_unix(const struct mailimap_date_time *d) {
    struct tm tm = {0};
    int zone = d->dt_zone < 0 ? -d->dt_zone : d->dt_zone;
    int64_t offset = (int64_t)(zone / 100 * 3600 + zone % 100 * 60) * (d->dt_zone < 0 ? -1 : 1);
    tm.tm_year = d->dt_year - 1900;
    tm.tm_mon = d->dt_month - 1;
    tm.tm_mday = d->dt_day;
    tm.tm_hour = d->dt_hour;
    tm.tm_min = d->dt_min;
    tm.tm_sec = d->dt_sec;
    return (int64_t)timegm(&tm) - offset;
}

/* The message as delivered: decoded, and its raw form redacted where a
 * decoded part holds a secret that its encoding hides. */
static void decode_entry(struct mail_entry *e, const char *body, size_t body_len) {
    struct failure f = {0};
    size_t clean_len;
    char *clean;
    e->raw = xstrndup(body, body_len);
    e->raw_len = body_len;
    if (mime_parse(e->raw, e->raw_len, &e->msg, &f) != 0) {
        /* A malformed message is still a message: keep its raw text, and
         * why, for the scenario that would have matched it. */
        e->error = xstrdup(f.message); /* the header fields are still there */
        failure_clear(&f);
    }
    clean = mime_redact_raw(e->raw, e->raw_len, &e->msg, &clean_len);
    if (clean) {
        free(e->raw);
        e->raw = clean;
        e->raw_len = clean_len;
    }
}

static int64_t mailbox_since(struct mail_box *b) {
    int64_t since;
    pthread_mutex_lock(&b->lock);
    since = b->since_unix;
    pthread_mutex_unlock(&b->lock);
    return since;
}

/* UID FETCH set (UID INTERNALDATE BODY.PEEK[HEADER] or BODY.PEEK[]) and
 * deliver every message with a UID >= first that arrived in [since,
 * before) (before 0: no end); the highest UID seen goes to *last.  Returns
 * 0, or -1 when the connection failed. */
static int fetch_from(struct mail_box *b, mailimap *imap, struct mailimap_set *set, uint32_t first, uint32_t *last,
                      bool complete, int64_t since, int64_t before) {
    struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
    clist *result = NULL;
    int rc;
    mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
    mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_internaldate());
    mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
    mailimap_fetch_type_new_fetch_att_list_add(
        ft, mailimap_fetch_att_new_body_peek_section(complete ? mailimap_section_new(NULL)
                                                              : mailimap_section_new_header()));
    rc = mailimap_uid_fetch(imap, set, ft, &result);
    mailimap_fetch_type_free(ft);
    if (rc != MAILIMAP_NO_ERROR) return -1;
    for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
        struct mailimap_msg_att *att = clist_content(it);
        struct mail_entry e = {0};
        const char *body = NULL;
        size_t body_len = 0;
        for (clistiter *j = clist_begin(att->att_list); j; j = clist_next(j)) {
            struct mailimap_msg_att_item *item = clist_content(j);
            if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC) continue;
            struct mailimap_msg_att_static *st = item->att_data.att_static;
            if (st->att_type == MAILIMAP_MSG_ATT_UID) e.uid = st->att_data.att_uid;
            if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE) e.size = st->att_data.att_rfc822_size;
            if (st->att_type == MAILIMAP_MSG_ATT_INTERNALDATE)
                e.received_unix = internaldate_unix(st->att_data.att_internal_date);
            if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION) {
                body = st->att_data.att_body_section->sec_body_part;
                body_len = st->att_data.att_body_section->sec_length;
            }
        }
        /* "first:*" also answers the newest message when nothing is newer. */
        if (e.uid < first || !body) continue;
        if (last && e.uid > *last) *last = e.uid;
        if (e.received_unix && (e.received_unix < since || (before && e.received_unix >= before))) continue;
        e.complete = complete;
        e.old = before != 0;
        decode_entry(&e, body, body_len);
        deliver(b, &e);
    }
    mailimap_fetch_list_free(result);
    return 0;
}

static int fetch_new(struct mail_box *b, mailimap *imap, uint32_t *last) {
    struct mailimap_set *set = mailimap_set_new_interval(*last + 1, 0);
    int rc = fetch_from(b, imap, set, *last + 1, last, false, mailbox_since(b), 0);
    mailimap_set_free(set);
    return rc;
}

/* Take the pending requests (under the lock) into *uids; returns how many. */
static size_t take_requests(struct mail_box *b, uint32_t **list, size_t *n, uint32_t **uids) {
    size_t count;
    pthread_mutex_lock(&b->lock);
    *uids = *list;
    count = *n;
    *list = NULL;
    *n = 0;
    if (list == &b->want_body)
        b->want_body_alloc = 0;
    else
        b->want_delete_alloc = 0;
    pthread_mutex_unlock(&b->lock);
    return count;
}

static void deliver_gone(struct mail_box *b, uint32_t uid) {
    struct mail_entry e = {.uid = uid, .gone = true};
    deliver(b, &e);
}

/* Bodies asked for, then deletions.  Returns -1 when the connection failed
 * (the requests not done yet are lost with it: their waiters time out). */
static int serve_requests(struct mail_box *b, mailimap *imap) {
    uint32_t *uids;
    size_t n = take_requests(b, &b->want_body, &b->nwant_body, &uids);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct mailimap_set *set = mailimap_set_new_single(uids[i]);
        uint32_t seen = 0;
        rc = fetch_from(b, imap, set, uids[i], &seen, true, 0, 0);
        mailimap_set_free(set);
        if (rc == 0 && seen != uids[i]) deliver_gone(b, uids[i]);
    }
    free(uids);
    if (rc != 0) return rc;
    n = take_requests(b, &b->want_delete, &b->nwant_delete, &uids);
    if (n > 0) {
        struct mailimap_set *set = mailimap_set_new_empty();
        struct mailimap_flag_list *flags = mailimap_flag_list_new_empty();
        for (size_t i = 0; i < n; i++) mailimap_set_add_single(set, uids[i]);
        mailimap_flag_list_add(flags, mailimap_flag_new_deleted());
        struct mailimap_store_att_flags *store = mailimap_store_att_flags_new_add_flags_silent(flags);
        rc = mailimap_uid_store(imap, set, store) == MAILIMAP_NO_ERROR ? 0 : -1;
        mailimap_store_att_flags_free(store);
        /* UIDPLUS expunges only ours; plain EXPUNGE also takes messages
         * someone else flagged \\Deleted, which they asked for anyway. */
        if (rc == 0)
            rc = (mailimap_has_extension(imap, "UIDPLUS") ? mailimap_uid_expunge(imap, set) : mailimap_expunge(imap)) ==
                         MAILIMAP_NO_ERROR
                     ? 0
                     : -1;
        mailimap_set_free(set);
        for (size_t i = 0; rc == 0 && i < n; i++) deliver_gone(b, uids[i]);
    }
    free(uids);
    return rc;
}

/* The UIDs of the messages that arrived in [since, before) (before 0: no
 * end), header only, delivered (IMAP SEARCH SINCE has day granularity:
 * INTERNALDATE sorts out the rest).  Never the whole mailbox. */
static int fetch_range(struct mail_box *b, mailimap *imap, int64_t since, int64_t before, uint32_t *last) {
    time_t day = (time_t)since;
    struct tm tm;
    clist *found = NULL;
    uint32_t seen = 0;
    gmtime_r(&day, &tm);
    struct mailimap_search_key *key =
        mailimap_search_key_new_since(mailimap_date_new(tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900));
    int rc = mailimap_uid_search(imap, NULL, key, &found);
    mailimap_search_key_free(key);
    if (rc != MAILIMAP_NO_ERROR) return -1;
    if (!clist_isempty(found)) {
        struct mailimap_set *set = mailimap_set_new_empty();
        uint32_t lowest = UINT32_MAX;
        for (clistiter *it = clist_begin(found); it; it = clist_next(it)) {
            uint32_t uid = *(uint32_t *)clist_content(it);
            mailimap_set_add_single(set, uid);
            if (uid < lowest) lowest = uid;
        }
        rc = fetch_from(b, imap, set, lowest, last ? last : &seen, false, since, before);
        mailimap_set_free(set);
    }
    mailimap_search_result_free(found);
    return rc;
}

/* First session: the messages since `since`, then everything new. */
static int fetch_initial(struct mail_box *b, mailimap *imap, uint32_t *last) {
    return fetch_range(b, imap, mailbox_since(b), 0, last);
}

/* A scenario wants mail from earlier than the list covers: fetch what
 * arrived between then and the list's start, then say it is covered. */
static int serve_backfill(struct mail_box *b, mailimap *imap) {
    int64_t want, covered;
    pthread_mutex_lock(&b->lock);
    want = b->want_since;
    covered = b->since_unix;
    b->want_since = 0;
    pthread_mutex_unlock(&b->lock);
    if (!want || want >= covered) return 0;
    if (fetch_range(b, imap, want, covered, NULL) != 0) {
        pthread_mutex_lock(&b->lock); /* asked again on the next session */
        if (!b->want_since || want < b->want_since) b->want_since = want;
        pthread_mutex_unlock(&b->lock);
        return -1;
    }
    pthread_mutex_lock(&b->lock);
    if (want < b->since_unix) b->since_unix = want;
    bool post = mark_changed(b);
    pthread_mutex_unlock(&b->lock);
    if (post) loop_post(b->loop, &b->post);
    return 0;
}

/* mailimap_connect installs its own stream logger, which forwards here. */
static void imap_logger(mailimap *imap, int log_type, const char *data, size_t size, void *context) {
    mail_trace_log(imap->imap_stream, log_type, data, size, context);
}

/* The server's capabilities, from the greeting or by asking.  Returns 0,
 * or -1 with f filled (phase "capability"). */
static int get_capabilities(mailimap *imap, const struct mail_endpoint *ep, struct mail_guard *g, struct failure *f) {
    struct mailimap_capability_data *caps = NULL;
    int rc;
    if (imap->imap_connection_info && imap->imap_connection_info->imap_capability) return 0;
    rc = mailimap_capability(imap, &caps);
    if (rc == MAILIMAP_NO_ERROR) {
        mailimap_capability_data_free(caps);
        return 0;
    }
    if (!mailwire_guard_failure(g, ep->host, ep->port, "capability", f)) {
        failure_set(f, FAILURE_NETWORK, "IMAP server %s:%d gave no well-formed answer to CAPABILITY", ep->host,
                    ep->port);
        failure_set_phase(f, "capability");
    }
    return -1;
}

static void greeting_failure(mailimap *imap, int rc, const struct mail_endpoint *ep, int64_t timeout_ms,
                             struct mail_guard *g, struct failure *f) {
    (void)imap;
    bool late = g->trip[0] && strstr(g->trip, "did not answer within");
    if (!late && mailwire_guard_failure(g, ep->host, ep->port, "greeting", f)) return;
    if (rc == MAILIMAP_ERROR_STREAM)
        failure_set(f, FAILURE_NETWORK,
                    "connected to %s:%d but no IMAP greeting came within %lld ms: a black hole, or not an IMAP "
                    "server",
                    ep->host, ep->port, (long long)timeout_ms);
    else
        failure_set(f, FAILURE_NETWORK, "IMAP server %s:%d turned the connection away", ep->host, ep->port);
    failure_set_phase(f, "greeting");
}

/* Connect, read the greeting and the capabilities and switch to TLS as ep
 * asks; every byte read passes g.  Returns 0, or -1 with f filled; *fatal
 * is set when retrying cannot help (the certificate is not trusted,
 * STARTTLS required but not offered). */
static int imap_open(mailimap *imap, const struct mail_endpoint *ep, int64_t timeout_ms, struct net_cancel *cancel,
                     struct mail_trace *t, struct mail_guard *g, struct mail_probe_result *probe, struct failure *f,
                     bool *fatal) {
    mailstream *s;
    int rc;
    *fatal = false;
    mailimap_set_timeout(imap, (time_t)((timeout_ms + 999) / 1000));
    if (t) mailimap_set_logger(imap, imap_logger, t);
    s = mailwire_open(ep, timeout_ms, cancel, g, probe, f);
    if (!s) {
        *fatal = f->phase && strcmp(f->phase, "tls") == 0;
        return -1;
    }
    rc = mailimap_connect(imap, s);
    if (rc != MAILIMAP_NO_ERROR && rc != MAILIMAP_NO_ERROR_NON_AUTHENTICATED && rc != MAILIMAP_NO_ERROR_AUTHENTICATED) {
        mailwire_forget(cancel); /* libetpan closed the stream */
        greeting_failure(imap, rc, ep, timeout_ms, g, f);
        return -1;
    }
    if (probe && imap->imap_response) probe->greeting = xstrdup(imap->imap_response);
    if (get_capabilities(imap, ep, g, f) != 0) return -1;
    if (ep->tls == MAIL_TLS_REQUIRED || (ep->tls == MAIL_TLS_OPTIONAL && mailimap_has_extension(imap, "STARTTLS"))) {
        if (!mailimap_has_extension(imap, "STARTTLS")) {
            failure_set(f, FAILURE_NETWORK, "IMAP server %s:%d does not offer STARTTLS (starttls = true)", ep->host,
                        ep->port);
            failure_set_phase(f, "tls");
            *fatal = true;
            return -1;
        }
        if (mailimap_socket_starttls_with_callback(imap, mailwire_tls_setup, ep->host) != MAILIMAP_NO_ERROR) {
            if (!mailwire_guard_failure(g, ep->host, ep->port, "tls", f)) {
                failure_set(f, FAILURE_NETWORK, "STARTTLS with %s:%d failed", ep->host, ep->port);
                failure_set_phase(f, "tls");
            }
            return -1;
        }
        /* The TLS transport replaced the guarded one. */
        if (mailwire_guard(imap->imap_stream, g) != 0 || mailwire_check_certificate(imap->imap_stream, ep, f) != 0) {
            if (!f->message) failure_set(f, FAILURE_INTERNAL, "out of memory after STARTTLS");
            *fatal = true;
            return -1;
        }
        if (probe) probe->tls = true;
        /* Capabilities change with TLS (RFC 3501 6.2.1): ask again. */
        if (imap->imap_connection_info && imap->imap_connection_info->imap_capability) {
            mailimap_capability_data_free(imap->imap_connection_info->imap_capability);
            imap->imap_connection_info->imap_capability = NULL;
        }
        if (get_capabilities(imap, ep, g, f) != 0) return -1;
    }
    return 0;
}

static void push_capabilities(mailimap *imap, struct strlist *out) {
    struct mailimap_capability_data *caps =
        imap->imap_connection_info ? imap->imap_connection_info->imap_capability : NULL;
    for (clistiter *it = caps ? clist_begin(caps->cap_list) : NULL; it; it = clist_next(it)) {
        struct mailimap_capability *c = clist_content(it);
        struct buf name;
        buf_init(&name, 0);
        if (c->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE)
            buf_printf(&name, "AUTH=%s", c->cap_data.cap_auth_type);
        else
            buf_puts(&name, c->cap_data.cap_name ? c->cap_data.cap_name : "");
        strlist_push(out, buf_str(&name));
        buf_free(&name);
    }
}

/* LOGIN, or AUTHENTICATE with an OAuth token; a refusal is told apart
 * from a connection that failed.  Returns 0, -1 (f filled), or -2 when
 * no OAuth token could be had for now (the token endpoint unreachable). */
static int imap_login(mailimap *imap, const struct mail_endpoint *ep, struct mail_guard *g, int64_t timeout_ms,
                      struct net_cancel *cancel, struct failure *f, bool *refused) {
    int rc;
    if (ep->oauth) return mailwire_imap_oauth(imap, ep, g, timeout_ms, cancel, refused, f);
    rc = mailimap_login(imap, ep->user, ep->password);
    *refused = false;
    if (rc == MAILIMAP_NO_ERROR) return 0;
    if (mailwire_guard_failure(g, ep->host, ep->port, "authentication", f)) return -1;
    *refused = rc == MAILIMAP_ERROR_LOGIN;
    if (*refused)
        failure_set(f, FAILURE_NETWORK, "IMAP authentication failed for %s at %s:%d", ep->user, ep->host, ep->port);
    else
        failure_set(f, FAILURE_NETWORK, "IMAP connection to %s:%d failed during LOGIN", ep->host, ep->port);
    failure_set_phase(f, "authentication");
    return -1;
}

/* LOGOUT, then libetpan closes and frees the stream: the cancel must stop
 * pointing at it first, or a cancel from the loop thread (an abandoned
 * probe, the exit) reaches freed memory.  A session cancelled already
 * just closes, without the courtesy. */
static void imap_logout(mailimap *imap, struct net_cancel *cancel) {
    bool cancelled;
    mailwire_forget(cancel);
    pthread_mutex_lock(&cancel->lock);
    cancelled = cancel->cancelled;
    pthread_mutex_unlock(&cancel->lock);
    if (!cancelled) mailimap_logout(imap);
}

int mail_imap_probe(const struct mail_endpoint *ep, int64_t timeout_ms, struct net_cancel *cancel,
                    struct mail_trace *probe_trace, struct mail_probe_result *out, struct failure *f) {
    mailimap *imap = mailimap_new(0, NULL);
    struct mail_guard guard;
    bool fatal, refused;
    int rc = -1;
    /* One deadline for the whole probe: connect, greeting, CAPABILITY,
     * STARTTLS and LOGIN together. */
    mailwire_guard_init(&guard, true, timeout_ms);
    if (imap_open(imap, ep, timeout_ms, cancel, probe_trace, &guard, out, f, &fatal) != 0) goto cleanup;
    push_capabilities(imap, &out->capabilities);
    if (ep->user) {
        if (imap_login(imap, ep, &guard, timeout_ms, cancel, f, &refused) != 0) goto cleanup;
        out->authenticated = true;
    }
    imap_logout(imap, cancel);
    rc = 0;
cleanup:
    mailwire_forget(cancel);
    mailimap_free(imap);
    return rc;
}

/* A final error: waiting on this mailbox is pointless.  Takes f's content. */
static void set_fatal(struct mail_box *b, struct failure *f) {
    pthread_mutex_lock(&b->lock);
    failure_move(&b->fatal, f);
    bool post = mark_changed(b);
    pthread_mutex_unlock(&b->lock);
    if (post) loop_post(b->loop, &b->post);
}

static void session_free(struct mail_box *b, mailimap *imap) {
    mailwire_forget(&b->cancel);
    mailimap_free(imap);
}

/* Wait for news under IDLE, at most refresh_ms.  Returns -1 when the
 * connection failed. */
static int idle_wait(struct mail_box *b, mailimap *imap, int64_t refresh_ms) {
    /* Mail that lands between our last fetch and IDLE is announced
     * (EXISTS) together with IDLE's "+ idling": then libetpan has parsed
     * it (the count moved) or holds it in its read buffer, and the socket
     * stays quiet — so look there before waiting on the socket. */
    uint32_t exists = imap->imap_selection_info ? imap->imap_selection_info->sel_exists : 0;
    if (mailimap_idle(imap) != MAILIMAP_NO_ERROR) return -1;
    bool pending = (imap->imap_selection_info && imap->imap_selection_info->sel_exists != exists) ||
                   (imap->imap_stream && imap->imap_stream->read_buffer_len > 0);
    if (!pending) wait_for(b, mailimap_idle_get_fd(imap), refresh_ms);
    return mailimap_idle_done(imap) == MAILIMAP_NO_ERROR ? 0 : -1;
}

/* One session: log in, select, then fetch what is new until stopped.
 * Returns 0 when stopped, -1 when the connection was lost (status set),
 * 1 on a final error (set_fatal done). */
static int session(struct mail_box *b, mailimap *imap, uint32_t *last, bool *first_session, int64_t *backoff) {
    struct failure f = {0};
    bool idle, fatal, refused;
    mailwire_guard_init(&b->guard, true, 0);
    if (imap_open(imap, &b->ep, NETWORK_TIMEOUT_S * 1000, &b->cancel, b->trace, &b->guard, NULL, &f, &fatal) != 0) {
        if (fatal) {
            set_fatal(b, &f);
            return 1;
        }
        set_status(b, false, "%s", f.message);
        failure_clear(&f);
        return -1;
    }
    int login = imap_login(imap, &b->ep, &b->guard, NETWORK_TIMEOUT_S * 1000, &b->cancel, &f, &refused);
    if (login != 0) {
        /* A token endpoint that cannot be reached before the first
         * session is a canary that cannot work: say so now, not at the
         * deadline; later, it is an outage to ride out like any other. */
        if (refused || (login == -2 && *first_session)) {
            set_fatal(b, &f);
            return 1;
        }
        set_status(b, false, "%s", f.message);
        failure_clear(&f);
        return -1;
    }
    if (mailimap_select(imap, b->folder) != MAILIMAP_NO_ERROR) {
        failure_set(&f, FAILURE_NETWORK, "cannot select IMAP folder '%s' at %s:%d", b->folder, b->ep.host, b->ep.port);
        set_fatal(b, &f);
        imap_logout(imap, &b->cancel);
        return 1;
    }
    idle = b->idle && mailimap_has_idle(imap);
    if ((*first_session ? fetch_initial(b, imap, last) : fetch_new(b, imap, last)) != 0) goto lost;
    *first_session = false;
    *backoff = 200;
    set_status(b, true, "connected to %s:%d (%s)", b->ep.host, b->ep.port, idle ? "IDLE" : "polling");

    while (!stopping(b)) {
        if (idle) {
            /* poll, when given, is the safety re-check under IDLE. */
            if (idle_wait(b, imap, b->poll_ms > 0 ? b->poll_ms : IDLE_REFRESH_MS) != 0) goto lost;
        } else {
            wait_for(b, -1, b->poll_ms > 0 ? b->poll_ms : POLL_MS);
            /* Dovecot looks for new mail at the end of a command, not
             * before a FETCH: without a NOOP first, a message delivered
             * during the wait would be seen one interval late. */
            if (mailimap_noop(imap) != MAILIMAP_NO_ERROR) goto lost;
        }
        if (stopping(b)) break;
        if (fetch_new(b, imap, last) != 0 || serve_requests(b, imap) != 0 || serve_backfill(b, imap) != 0) goto lost;
    }
    imap_logout(imap, &b->cancel);
    return 0;
lost:
    if (mailwire_guard_failure(&b->guard, b->ep.host, b->ep.port, NULL, &f)) {
        set_status(b, false, "%s; reconnecting", f.message);
        failure_clear(&f);
    } else {
        set_status(b, false, "connection to %s:%d lost, reconnecting", b->ep.host, b->ep.port);
    }
    return -1;
}

static void *worker(void *arg) {
    struct mail_box *b = arg;
    uint32_t last = 0;
    bool first_session = true;
    int64_t backoff = 200;

    while (!stopping(b)) {
        mailimap *imap = mailimap_new(0, NULL);
        int rc = session(b, imap, &last, &first_session, &backoff);
        session_free(b, imap);
        if (rc >= 0 || stopping(b)) break; /* a wake-up spent on the session: no backoff sleep */
        wait_for(b, -1, backoff);
        backoff = backoff * 2 > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : backoff * 2;
    }
    return NULL;
}

/* ---- the loop side ---- */

/* Everything that makes one session differ from another: a scenario with
 * the wrong password, or one that checks certificates, must never be
 * served by a connection someone else opened with other settings.  The
 * password goes in as a SHA-256 digest, so the key is no secret.  Fields
 * are length-prefixed: no value can forge another's boundary. */
static void box_key(const struct mail_box_config *cfg, struct buf *key) {
    static const char *const tls[] = {"off", "optional", "required", "implicit"};
    const struct mail_endpoint *ep = &cfg->ep;
    unsigned char digest[32];
    const char *fields[] = {ep->host,     ep->user ? ep->user : "",
                            cfg->folder,  ep->ca_file ? ep->ca_file : "",
                            tls[ep->tls], ep->insecure ? "insecure" : "verify"};
    memset(digest, 0, sizeof digest);
    if (ep->password) gnutls_hash_fast(GNUTLS_DIG_SHA256, ep->password, strlen(ep->password), digest);
    /* With OAuth the source's digest stands for the credentials: the same
     * client and grant share a session, a different refresh token never. */
    if (ep->oauth) buf_printf(key, "oauth:%s:%d/", oauth_source_digest(ep->oauth), (int)ep->sasl);
    buf_printf(key, "%d", ep->port);
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        buf_printf(key, "/%zu:%s", strlen(fields[i]), fields[i]);
    buf_puts(key, "/");
    for (size_t i = 0; i < sizeof digest; i++) buf_printf(key, "%02x", digest[i]);
    buf_printf(key, "/%s/%lld", cfg->idle ? "idle" : "poll", (long long)cfg->poll_ms);
}

struct mail_box *mail_box_get(struct loop *loop, const struct mail_box_config *cfg, struct failure *f) {
    static bool libetpan_set;
    struct buf key;
    struct mail_box *b;
    buf_init(&key, 0);
    box_key(cfg, &key);
    for (b = boxes; b; b = b->next)
        if (strcmp(b->key, buf_str(&key)) == 0) {
            buf_free(&key);
            return b;
        }
    if (!libetpan_set) {
        mailstream_network_delay.tv_sec = NETWORK_TIMEOUT_S;
        mailstream_network_delay.tv_usec = 0;
        xmlInitParser(); /* before any worker parses HTML (mime.c): its first use is not thread-safe */
        libetpan_set = true;
    }
    b = xcalloc(1, sizeof *b);
    b->loop = loop;
    b->post.fn = on_posted;
    b->post.data = b;
    b->key = buf_take(&key);
    mail_endpoint_copy(&b->ep, &cfg->ep);
    if (tracing) {
        b->trace = xcalloc(1, sizeof *b->trace);
        mail_trace_init(b->trace);
    }
    b->folder = xstrdup(cfg->folder);
    b->idle = cfg->idle;
    b->poll_ms = cfg->poll_ms;
    b->since_unix = cfg->since_unix;
    b->status = xstrdup("connecting");
    redact_add_secret(cfg->ep.password);
    pthread_mutex_init(&b->lock, NULL);
    if (pipe2(b->wake, O_NONBLOCK | O_CLOEXEC) != 0 || net_cancel_init(&b->cancel) != 0 ||
        pthread_create(&b->thread, NULL, worker, b) != 0) {
        failure_set(f, FAILURE_INTERNAL, "cannot start the IMAP worker: %s", strerror(errno));
        return NULL; /* leaked on purpose: a process that cannot make a thread is ending */
    }
    b->next = boxes;
    boxes = b;
    return b;
}

const struct mail_entry *mail_box_message(struct mail_box *b, uint32_t uid) {
    /* The list is in UID order. */
    size_t lo = 0, hi = b->nlist;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->list[mid].uid == uid) return &b->list[mid];
        if (b->list[mid].uid < uid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void request(struct mail_box *b, uint32_t **list, size_t *n, size_t *alloc, uint32_t uid) {
    pthread_mutex_lock(&b->lock);
    if (*n == *alloc) {
        *alloc = *alloc ? *alloc * 2 : 8;
        *list = xrealloc(*list, *alloc * sizeof **list);
    }
    (*list)[(*n)++] = uid;
    pthread_mutex_unlock(&b->lock);
    /* One byte wakes the worker out of IDLE or its poll wait. */
    ssize_t woke = write(b->wake[1], "x", 1);
    (void)woke;
}

void mail_box_fetch_body(struct mail_box *b, uint32_t uid) {
    request(b, &b->want_body, &b->nwant_body, &b->want_body_alloc, uid);
}

void mail_box_delete(struct mail_box *b, uint32_t uid) {
    request(b, &b->want_delete, &b->nwant_delete, &b->want_delete_alloc, uid);
}

void mail_box_backfill(struct mail_box *b, int64_t since_unix) {
    pthread_mutex_lock(&b->lock);
    bool wanted = since_unix < b->since_unix && (!b->want_since || since_unix < b->want_since);
    if (wanted) b->want_since = since_unix;
    pthread_mutex_unlock(&b->lock);
    if (wanted) {
        ssize_t woke = write(b->wake[1], "x", 1);
        (void)woke;
    }
}

int64_t mail_box_since(struct mail_box *b) { return mailbox_since(b); }

const struct mail_entry *mail_box_messages(struct mail_box *b, size_t *count) {
    *count = b->nlist;
    return b->list;
}

void mail_box_status(struct mail_box *b, struct buf *out) {
    pthread_mutex_lock(&b->lock);
    buf_puts(out, b->status ? b->status : "");
    pthread_mutex_unlock(&b->lock);
}

bool mail_box_failed(struct mail_box *b, struct failure *f) {
    bool failed;
    pthread_mutex_lock(&b->lock);
    failed = b->fatal.kind != FAILURE_NONE;
    if (failed) failure_copy(f, &b->fatal);
    pthread_mutex_unlock(&b->lock);
    return failed;
}

int mail_box_connections(struct mail_box *b) {
    int n = 0;
    for (struct mail_box *it = boxes; it; it = it->next) {
        pthread_mutex_lock(&it->lock);
        if (strcmp(it->ep.host, b->ep.host) == 0 && it->ep.port == b->ep.port && it->connected) n++;
        pthread_mutex_unlock(&it->lock);
    }
    return n;
}

struct mail_watch *mail_box_watch(struct mail_box *b, mail_notify_fn *fn, void *data) {
    struct mail_watch *w = xcalloc(1, sizeof *w);
    w->box = b;
    w->fn = fn;
    w->data = data;
    w->next = b->watches;
    b->watches = w;
    return w;
}

void mail_box_unwatch(struct mail_watch *w) {
    for (struct mail_watch **pp = &w->box->watches; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            free(w);
            return;
        }
}

void mail_trace_start(void) { tracing = true; }

void mail_boxes_free(void) {
    while (boxes) {
        struct mail_box *b = boxes;
        boxes = b->next;
        /* Cancel first, stop after: a worker told to stop logs out, and
         * LOGOUT frees the stream the cancel points at.  Cancelled before
         * it can see `stop`, the worker's session is over before that (a
         * connect or a command in progress fails at once) and it only
         * closes.  The issue-12 exit crash was the other order. */
        net_cancel_fire(&b->cancel);
        pthread_mutex_lock(&b->lock);
        b->stop = true;
        pthread_mutex_unlock(&b->lock);
        /* One byte wakes the worker; a full pipe means it is awake already. */
        ssize_t woke = write(b->wake[1], "x", 1);
        (void)woke;
        pthread_join(b->thread, NULL);
        loop_unpost(b->loop, &b->post); /* other boxes' workers still post */
        net_cancel_free(&b->cancel);
        close(b->wake[0]);
        close(b->wake[1]);
        for (size_t i = 0; i < b->ninbox; i++) entry_free(&b->inbox[i]);
        for (size_t i = 0; i < b->nlist; i++) entry_free(&b->list[i]);
        for (struct mail_watch *w = b->watches, *next; w; w = next) {
            next = w->next;
            free(w);
        }
        free(b->inbox);
        free(b->list);
        free(b->want_body);
        free(b->want_delete);
        free(b->status);
        failure_clear(&b->fatal);
        /* The trace's last lines (LOGOUT) name the endpoint and folder:
         * printed before those are freed. */
        if (b->trace) {
            print_trace(b);
            mail_trace_free(b->trace);
            free(b->trace);
        }
        free(b->key);
        mail_endpoint_free(&b->ep);
        free(b->folder);
        pthread_mutex_destroy(&b->lock);
        free(b);
    }
    oauth_sources_free(); /* after the boxes, which held theirs */
}
