/* tz_guard — cleanup for a test that dies without its .fini.
 *
 * Criterion kills a test that overruns its .timeout (and a crash kills it
 * too); then no .fini runs, and the programs the test started would keep
 * running with their temp dir. A guard is a child that waits for the end
 * of a pipe only the test process holds (close-on-exec: not the programs
 * it starts), then kills what it was given and removes the dir. A test
 * that cleans up itself ends its guard first. */
#ifndef TZ_GUARD_H
#define TZ_GUARD_H

#include <stddef.h>
#include <sys/types.h>

struct tz_guard;

/* Guard n processes (a negative pid: that process group) and dir (NULL:
 * none; removed with tz_test_rm_rf). Fails the test if it cannot fork. */
struct tz_guard *tz_guard_start(const pid_t *pids, size_t n, const char *dir);
/* Stop the guard without it doing anything, and free g (NULL is fine). */
void tz_guard_end(struct tz_guard *g);

#endif
