/* wrap.h — `telltale wrap NAME [options] -- COMMAND [ARG...]`: a cron job
 * under a dead man's switch.
 *
 * Runs COMMAND itself (posix_spawnp of the given argv, spawn.h: no shell, nothing
 * re-parsed), passes its output through to our own stdout/stderr (cron's
 * mail, the journal) while keeping its last lines, pings a heartbeat
 * endpoint before and after, appends a JSON line to a log, and exits with
 * the command's own code (124 if --timeout had to stop it) — or 3 when the
 * command succeeded but its success could not be recorded (a ping not delivered, the --log not written), so a
 * silent monitor is never mistaken for a healthy job. */
#ifndef TELLTALE_WRAP_H
#define TELLTALE_WRAP_H

/* argv[1] is "wrap".  Returns the process exit code. */
int wrap_main(int argc, char **argv);

#endif
