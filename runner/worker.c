/* worker.c — one thread per blocking job; see worker.h.
 *
 * Jobs are rare (a probe, a sent message) and short, so a thread each is
 * simpler than a pool and costs nothing measurable.  Every job stays on a
 * list until the loop thread has joined its thread, so worker_join_all can
 * leave nothing behind at exit. */
#include "worker.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

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

static struct worker_job *jobs; /* loop thread only */

static void unlink_job(struct worker_job *job) {
    if (job->prev) job->prev->next = job->next;
    else jobs = job->next;
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
    loop_post(job->loop, &job->post);
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

void worker_join_all(void) {
    /* Called once the loop has stopped for good: posted callbacks will not
     * run, so join and free here.  Jobs on_finished took are off the list. */
    while (jobs) {
        struct worker_job *job = jobs;
        unlink_job(job);
        if (job->interrupt) job->interrupt(job->data);
        pthread_join(job->thread, NULL);
        loop_unpost(job->loop, &job->post); /* other threads still post */
        job->free_data(job->data);
        free(job);
    }
}
