/* worker.c — one thread per blocking job; see worker.h.
 *
 * Jobs are rare (a probe, a sent message) and short, so a thread each is
 * simpler than a pool and costs nothing measurable.  Every job stays on a
 * list until the loop thread has joined its thread, so worker_join_all
 * finds them all at exit; one that will not end in time is left running
 * with its data, never freed under it. */
#include "worker.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "loop.h"
#include "xalloc.h"

struct worker_job {
    pthread_t thread;
    struct loop *loop;
    worker_fn *run, *done, *interrupt, *free_data;
    void *data;
    bool abandoned; /* loop thread only */
    struct loop_post post;
    struct worker_job *prev, *next;
};

/* How long worker_join_all waits for a job at exit. */
#define EXIT_WAIT_INTERRUPTED_S 5 /* interrupted: it returns at once, or is stuck in a TLS handshake */
#define EXIT_WAIT_S 1

static struct worker_job *jobs; /* loop thread only */
static pthread_mutex_t exit_lock = PTHREAD_MUTEX_INITIALIZER;
static bool exiting; /* worker_join_all began: the loop takes no more posts */

static void unlink_job(struct worker_job *job) {
    if (job->prev)
        job->prev->next = job->next;
    else
        jobs = job->next;
    if (job->next) job->next->prev = job->prev;
}

static void on_finished(struct loop *loop, void *arg) {
    struct worker_job *job = arg;
    (void)loop;
    pthread_join(job->thread, NULL);
    unlink_job(job);
    if (!job->abandoned) job->done(job->data);
    job->free_data(job->data);
    free(job);
}

static void *thread_main(void *arg) {
    struct worker_job *job = arg;
    job->run(job->data);
    pthread_mutex_lock(&exit_lock);
    if (!exiting) loop_post(job->loop, &job->post);
    pthread_mutex_unlock(&exit_lock);
    return NULL;
}

struct worker_job *worker_start(struct loop *loop, worker_fn *run, worker_fn *done, worker_fn *free_data, void *data) {
    struct worker_job *job = xcalloc(1, sizeof *job);
    job->loop = loop;
    job->run = run;
    job->done = done;
    job->free_data = free_data;
    job->data = data;
    job->post.fn = on_finished;
    job->post.data = job;
    if (pthread_create(&job->thread, NULL, thread_main, job) != 0) {
        free(job);
        return NULL;
    }
    job->next = jobs;
    if (jobs) jobs->prev = job;
    jobs = job;
    return job;
}

void worker_set_interrupt(struct worker_job *job, worker_fn *interrupt) { job->interrupt = interrupt; }

void worker_abandon(struct worker_job *job) {
    job->abandoned = true;
    if (job->interrupt) job->interrupt(job->data);
}

int worker_join_all(void) {
    int left = 0;
    pthread_mutex_lock(&exit_lock);
    exiting = true;
    pthread_mutex_unlock(&exit_lock);
    /* Called once the loop has stopped for good: posted callbacks will not
     * run, so join and free here.  Jobs on_finished took are off the list. */
    while (jobs) {
        struct worker_job *job = jobs;
        struct timespec until;
        unlink_job(job);
        if (job->interrupt) job->interrupt(job->data);
        /* A job nothing can interrupt (getaddrinfo on a dead resolver) must
         * not hold the exit: after a second it is left to end with the
         * process, its data with it. */
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += job->interrupt ? EXIT_WAIT_INTERRUPTED_S : EXIT_WAIT_S;
        if (pthread_timedjoin_np(job->thread, NULL, &until) != 0) {
            pthread_detach(job->thread);
            left++;
            continue;
        }
        loop_unpost(job->loop, &job->post); /* other threads still post */
        job->free_data(job->data);
        free(job);
    }
    return left;
}
