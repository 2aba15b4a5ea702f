/* tz_test — helpers shared by the Criterion tests: temp dirs, fixture files,
 * running the built binaries and capturing their output; a collector on
 * ipc:// in a temp dir, tzctl against its register, an agent's config.
 * The helpers marked "fails the test" assert with Criterion, so a test reads
 * as its own steps rather than as error handling. */
#ifndef TZ_TEST_H
#define TZ_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <sys/types.h>

#include <protobuf-c/protobuf-c.h>

#include "tz_error.h"

struct tz_register;

/* mkdtemp under $TMPDIR (or /tmp); returns a malloc'd path. Aborts on error. */
char *tz_test_tmpdir(const char *tag);
/* rm -rf path (refuses anything outside the temp directory). */
void tz_test_rm_rf(const char *path);
/* Write data to dir/rel, creating parent directories. Aborts on error. */
void tz_test_write(const char *dir, const char *rel, const char *data);
/* tz-collector.ini made of text, loaded over the defaults
 * (collector_config_load) from a temp dir of its own, removed after;
 * returns what the load returned. */
struct collector_config;
int tz_test_collector_ini(const char *text, struct collector_config *c,
                          struct tz_error *err);
/* Run argv (NULL-terminated) with stdin from /dev/null; capture stdout+stderr
 * into a malloc'd string (*out, may be NULL) and return the exit status
 * (or 128+signal). */
int tz_test_run(char *const argv[], char **out);
/* Format a path into a static-free malloc'd string. */
/* tz_test_path with a va_list, for helpers that take a format. */
char *tz_test_vpath(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));
char *tz_test_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Start argv in the background, stdout and stderr appended to log_path. */
pid_t tz_test_spawn(char *const argv[], const char *log_path);
/* Wait until path exists and contains needle (NULL: just exists).
 * Returns 0, or -1 after timeout_ms. */
int tz_test_wait_for(const char *path, const char *needle, int timeout_ms);
/* Send sig, wait for the process; returns its exit status (128+signal). */
int tz_test_stop(pid_t pid, int sig);
/* Read a whole file into a malloc'd string; NULL if missing. */
char *tz_test_slurp(const char *path);
/* A live (not zombie) child of parent, from /proc; 0 when it has none. */
pid_t tz_test_child_of(pid_t parent);

/* ---- a source's unit tests: a temp root and the section collected ---- */

/* A fresh temp root for one test (tz_test_tmpdir(tag)); *err is zeroed. */
char *tz_test_root_new(const char *tag, struct tz_error *err);
/* Free the section the test collected (NULL: none), then remove and free
 * root. */
void tz_test_root_free(char *root, ProtobufCMessage *sec);

/* ---- the built programs (TZ_BIN): a collector in a temp dir, tzctl ---- */

/* Start tz-collector --data data --listen url [extra_arg] (extra_arg may be
 * NULL), output appended to log, and wait until it writes "listening on"
 * after what log already held, so that a restart counts only once the new
 * process is up. Fails the test after 10 s. Returns the pid. */
pid_t tz_test_collector_start(const char *data, const char *url,
                              const char *log, const char *extra_arg);
/* The same with up to 4 extra arguments, NULL-terminated (extra may be NULL). */
pid_t tz_test_collector_startv(const char *data, const char *url,
                               const char *log, const char *const *extra);
/* The collector's public key as an operator copies it from
 * data/collector.pub: hex, no newline; malloc'd. Fails the test if missing. */
char *tz_test_collector_pub(const char *data);

/* Run tzctl --data data arg... (NULL-terminated); stdout+stderr into a
 * malloc'd *out, which must be NULL or an earlier output (it is freed:
 * a test may keep the last output in one variable). Returns the exit
 * status. */
int tz_test_tzctl_run(const char *data, char **out, const char *arg, ...)
    __attribute__((sentinel));
/* tz_test_tzctl_run that fails the test unless the exit status is want_rc;
 * returns the output. */
char *tz_test_tzctl(const char *data, int want_rc, const char *arg, ...)
    __attribute__((sentinel));
/* A new department dept and an enrollment token for it ("tz_..."), made
 * with tzctl; malloc'd. */
char *tz_test_token(const char *data, const char *dept);

/* A register opened in a fresh temp dir *dir (malloc'd), for tests that
 * fill it through the register API and read it back with tzctl; TZ_DATA is
 * unset, so tzctl reads only the register --data names. Fails the test if
 * the register does not open; the caller closes it. */
struct tz_register *tz_test_register_new(const char *tag, char **dir);

struct tz_keypair;
struct tz_register;
/* Enroll agent with token through ingest_process, as seq 1 at time now:
 * the start of tests that then send it reports. Fails the test unless OK. */
void tz_test_ingest_enroll(struct tz_register *reg, const struct tz_keypair *collector,
                           const struct tz_keypair *agent, const char *token,
                           int64_t now);

/* Write dir/<name>.ini: an agent that runs as root against the collector at
 * url with key pub, enrolls with token, keeps its state in dir/agent-<name>
 * and collects from root; extra is more "key = value\n" lines, or "".
 * Returns the config's path, malloc'd. */
char *tz_test_agent_ini(const char *dir, const char *name, const char *url,
                        const char *pub, const char *token, const char *root,
                        const char *extra);

#endif
