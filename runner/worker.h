/* worker.h — blocking work on its own thread, finished on the loop thread.
 *
 * libetpan's SMTP client, getaddrinfo and TLS handshakes block.  A job runs
 * such work on a thread of its own and hands the result back to the loop
 * thread, where `done` wakes whoever waits.  A waiter that gives up (its
 * deadline passed, the run is stopping) abandons the job: the thread runs
 * to the end of its own bounded timeouts, and its data is freed then. */
#ifndef TELLTALE_WORKER_H
#define TELLTALE_WORKER_H

struct loop;
struct worker_job;

typedef void worker_fn(void *data);

/* Start run(data) on a new thread; then, on the loop thread, done(data)
 * (unless abandoned) and free_data(data).  Returns NULL if no thread can
 * be made (data is not freed then). */
struct worker_job *worker_start(struct loop *loop, worker_fn *run, worker_fn *done, worker_fn *free_data, void *data);
/* interrupt(data) must make run return soon; it is called on the loop
 * thread, while run may still be going, when the job is abandoned or the
 * process exits.  Without one, those wait for run's own timeouts. */
void worker_set_interrupt(struct worker_job *job, worker_fn *interrupt);
/* Loop thread: the result is no longer wanted; done will not be called,
 * and the job is interrupted. */
void worker_abandon(struct worker_job *job);
/* Interrupt and wait for every job still running, and free their data
 * (process exit).  A job that does not end within a few seconds is left
 * running, its data not freed; returns how many were left, so the caller
 * keeps what they may still use (their libraries, their data). */
int worker_join_all(void);

#endif
