/* report_html.h — --html FILE: the report a person opens.  One
 * self-contained file (inline CSS, no script, no network): the run's
 * summary, each scenario with a waterfall of its steps and of their HTTP
 * requests (dns, connect, tls, time to first byte), every failure with its
 * kind, message, detail and near misses, the logs, the run and trace ids,
 * and links to the saved artifacts.  All text is redacted, then
 * HTML-escaped. */
#ifndef TELLTALE_REPORT_HTML_H
#define TELLTALE_REPORT_HTML_H

#include "result.h"

struct failure;

/* artifacts_dir: the run's --artifacts DIR, or NULL; the files a scenario
 * saved during this run are linked by paths relative to the report. */
int report_html_write(const char *path, const struct run_result *r, const char *artifacts_dir, struct failure *f);

#endif
