/* report_junit.h — --junit FILE: a <testsuite> per scenario, a <testcase>
 * per step and teardown, <failure type="KIND">; the dialect GitLab, Jenkins
 * and GitHub test reporters accept (tests validate it against a JUnit XSD). */
#ifndef TELLTALE_REPORT_JUNIT_H
#define TELLTALE_REPORT_JUNIT_H

#include "result.h"

struct failure;

int report_junit_write(const char *path, const struct run_result *r, struct failure *f);

#endif
