/* serve.h — `telltale serve CONFIG`: the canary daemon.
 *
 * Runs each configured scenario on its schedule (`every` or cron, with
 * jitter) as a child `telltale run` process, one run of a scenario at a
 * time; turns results and heartbeat pings into alerts on state changes;
 * persists that state atomically; serves /metrics, /health and /ping/NAME
 * over HTTP; reloads its config on SIGHUP and stops within a bound on
 * SIGTERM/SIGINT. */
#ifndef TELLTALE_SERVE_H
#define TELLTALE_SERVE_H

/* argv[1] is "serve".  Returns the process exit code: 0 after a clean
 * stop, 2 for a usage or config error, 3 for an internal error. */
int serve_main(int argc, char **argv);

#endif
