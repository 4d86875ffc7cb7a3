/* mail.h — IMAP mailboxes watched from worker threads.
 *
 * libetpan's IMAP client blocks, so each mailbox — one per server, user,
 * password, TLS settings and folder in the whole process, however many
 * scenarios wait on it — gets one worker thread holding one connection.
 * The worker logs in, selects the folder, and from then on fetches only new
 * UIDs (IDLE where the server has it unless idle is false, re-checking
 * every `poll` even then; else polling every `poll`), fetching headers only until
 * a waiting scenario asks for a body, decodes each message (mime.c) and
 * hands it to the loop thread, which keeps them in the
 * mailbox's list and wakes whoever waits.  A dropped connection is
 * re-established with backoff; a login failure is final. */
#ifndef TELLTALE_MAIL_H
#define TELLTALE_MAIL_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "failure.h"
#include "mailwire.h"
#include "mime.h"

struct loop;
struct mail_box;

struct mail_box_config {
    struct mail_endpoint ep; /* copied */
    const char *folder;
    bool idle;          /* use IDLE where the server offers it */
    int64_t poll_ms;    /* 0: the default (2 s without IDLE, 10 s under it) */
    int64_t since_unix; /* the first mail of interest: older ones are fetched only on request */
};

/* A message in a mailbox's list (loop thread only). */
struct mail_entry {
    uint32_t uid;
    int64_t received_unix; /* the server's INTERNALDATE */
    uint32_t size;         /* RFC822.SIZE: the whole message, in bytes */
    bool complete;         /* raw is the whole message, not only its header */
    bool gone;             /* worker → loop: the message no longer exists */
    bool old;              /* worker → loop: fetched for an earlier `since` (mail_box_backfill) */
    char *error;           /* why the message could not be decoded; NULL when it could */
    char *raw;
    size_t raw_len;
    struct mail_message msg; /* decoded from raw: no body parts until complete */
};

/* The mailbox for cfg, created (and its worker started) on first use.
 * Returns NULL with f filled on a bad configuration. */
struct mail_box *mail_box_get(struct loop *loop, const struct mail_box_config *cfg, struct failure *f);
void mail_boxes_free(void);

/* Show the IMAP dialogue of every mailbox made from now on (--trace), on
 * stderr, credentials redacted. */
void mail_trace_start(void);

/* Connect to an IMAP server as mail.probe does: greeting, CAPABILITY,
 * STARTTLS as ep asks, LOGIN when ep has credentials.  Blocks (worker
 * thread).  Returns 0, or -1 with f filled (kind network). */
int mail_imap_probe(const struct mail_endpoint *ep, int64_t timeout_ms, struct net_cancel *cancel,
                    struct mail_trace *trace, struct mail_probe_result *out, struct failure *f);

/* Messages received so far, in UID order; *count is set. */
const struct mail_entry *mail_box_messages(struct mail_box *mb, size_t *count);
/* The message with this UID, or NULL when it is not (or no longer) there. */
const struct mail_entry *mail_box_message(struct mail_box *mb, uint32_t uid);
/* Ask the worker for a message's body (new mail is fetched header first),
 * or to delete a message (\\Deleted + EXPUNGE).  Watchers are told when the
 * entry is replaced by the complete one, or disappears. */
void mail_box_fetch_body(struct mail_box *mb, uint32_t uid);
void mail_box_delete(struct mail_box *mb, uint32_t uid);
/* Mail from since_unix on is wanted, earlier than the mailbox has looked
 * (it starts at its first user's run start): the worker searches for it
 * and adds what it finds; watchers are told when mail_box_since has moved. */
void mail_box_backfill(struct mail_box *mb, int64_t since_unix);
/* The earliest arrival time the mailbox's list covers. */
int64_t mail_box_since(struct mail_box *mb);

/* Connection state for failure details: "connected (IDLE)", "reconnecting:
 * <reason>".  A final error (login refused) is returned through f: then
 * waiting is pointless. */
void mail_box_status(struct mail_box *mb, struct buf *out);
bool mail_box_failed(struct mail_box *mb, struct failure *f);
/* IMAP connections this process has open to the mailbox's server. */
int mail_box_connections(struct mail_box *mb);

/* Be told once when the mailbox's list grows or its state changes. */
typedef void mail_notify_fn(void *data);
struct mail_watch;
struct mail_watch *mail_box_watch(struct mail_box *mb, mail_notify_fn *fn, void *data);
void mail_box_unwatch(struct mail_watch *w);

#endif
