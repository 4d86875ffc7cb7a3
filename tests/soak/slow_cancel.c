/* slow_cancel.c — LD_PRELOAD shim for tests/soak.sh: mailstream_cancel
 * (how telltale interrupts a libetpan session from another thread) waits
 * 100 ms before it acts.  That widens, from microseconds to a sure thing,
 * the window in which a session thread may finish with its stream (an
 * IMAP LOGOUT closes and frees it) while the canceller still holds the
 * pointer: the exit crash of issue 12.  Built by soak.sh, never shipped. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <time.h>

typedef struct _mailstream mailstream;

void mailstream_cancel(mailstream *s);

void mailstream_cancel(mailstream *s) {
    static void (*real)(mailstream *);
    struct timespec pause = {0, 100 * 1000 * 1000};
    if (!real) *(void **)&real = dlsym(RTLD_NEXT, "mailstream_cancel");
    nanosleep(&pause, NULL);
    real(s);
}
