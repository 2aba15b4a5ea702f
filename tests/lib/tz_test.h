/* tz_test — helpers shared by the Criterion tests: temp dirs, fixture files,
 * running the built binaries and capturing their output. */
#ifndef TZ_TEST_H
#define TZ_TEST_H

#include <stddef.h>

/* mkdtemp under $TMPDIR (or /tmp); returns a malloc'd path. Aborts on error. */
char *tz_test_tmpdir(const char *tag);
/* rm -rf path (refuses anything outside the temp directory). */
void tz_test_rm_rf(const char *path);
/* Write data to dir/rel, creating parent directories. Aborts on error. */
void tz_test_write(const char *dir, const char *rel, const char *data);
/* Run argv (NULL-terminated) with stdin from /dev/null; capture stdout+stderr
 * into a malloc'd string (*out, may be NULL) and return the exit status
 * (or 128+signal). */
int tz_test_run(char *const argv[], char **out);
/* Format a path into a static-free malloc'd string. */
char *tz_test_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));



#include <sys/types.h>

/* Start argv in the background, stdout and stderr appended to log_path. */
pid_t tz_test_spawn(char *const argv[], const char *log_path);
/* Wait until path exists and contains needle (NULL: just exists).
 * Returns 0, or -1 after timeout_ms. */
int tz_test_wait_for(const char *path, const char *needle, int timeout_ms);
/* Send sig, wait for the process; returns its exit status (128+signal). */
int tz_test_stop(pid_t pid, int sig);
/* Read a whole file into a malloc'd string; NULL if missing. */
char *tz_test_slurp(const char *path);

#endif
