/* agent_config — tz-agent's settings: INI file, then flags.
 *
 * [agent]
 * collector = tcp://collector.example.edu.cn:7450   ; repeat for failover
 * collector_key = <64 hex digits>   ; the collector's public key (pinned)
 * enroll_token = tz_...             ; department token, needed once
 * state_dir = /var/lib/tz-agent     ; agent key and sequence state
 * root = /                          ; collect below this directory
 * timeout = 30                      ; seconds to wait for the collector
 * schedule = 03:00                  ; daemon: daily collection, local time
 * splay = 1800                      ; daemon: random delay 0..splay seconds
 * retry_min = 30, retry_max = 3600  ; daemon: backoff bounds, seconds
 * spool_max = 64                    ; daemon: unsent reports kept on disk
 * interval = 0                      ; daemon: fixed period in seconds
 *                                     instead of the schedule (tests)
 * user = _tzagent                   ; unprivileged user once root work is done
 *                                     ("root": keep root, with a warning)
 * system = 0                        ; ledger id of the system this host serves
 * weak_passwords = PATH             ; dictionary for the weak-password check
 * weak_max_candidates = 1000        ; candidates tried per account at most
 * weak_max_ms = 10000               ; milliseconds per account at most
 * subscribe = tcp://collector:7452   ; daemon: where "collect now" comes from
 *                                     (default: each collector URL's push URL,
 *                                     push_url_for; "none": do not listen)
 * collect_now_min_interval = 60     ; daemon: seconds between two acted on
 * collect_now_max_age = 300         ; daemon: a request older (or newer) than
 *                                     this, by the agent's clock, is stale
 * Unknown sections or keys are an error: a typo must not silently disable
 * a setting. */
#ifndef TZ_AGENT_CONFIG_H
#define TZ_AGENT_CONFIG_H

#include <stdint.h>

#include "keys.h"
#include "tz_error.h"

#define AGENT_MAX_COLLECTORS 8

struct agent_config {
    char collectors[AGENT_MAX_COLLECTORS][512];
    int n_collectors;
    uint8_t collector_pk[TZ_KEY_LEN];
    int have_collector_pk;
    char enroll_token[160];
    char state_dir[1024];
    char root[1024];
    int timeout_s;
    int schedule_min;       /* minute of the day, local time */
    int splay_s;
    int retry_min_s, retry_max_s;
    int spool_max;
    int interval_s;         /* 0: daily at schedule_min */
    char user[64];          /* privilege drop target when started as root */
    uint64_t system_id;     /* 0: none configured */
    char weak_passwords[1024];
    int weak_max_candidates;
    int weak_max_ms;
    char subscribe[512];    /* "": derived from the collectors; "none": off */
    int collect_now_min_interval_s;
    int collect_now_max_age_s;
};

/* An option given on the command line, applied over the file. */
struct agent_flag {
    const char *key, *value;
};

void agent_config_defaults(struct agent_config *c);
int agent_config_load(struct agent_config *c, const char *path,
                      struct tz_error *err);
/* The same for INI text in memory; shown names it in errors. */
int agent_config_load_string(struct agent_config *c, const char *text,
                             const char *shown, struct tz_error *err);
/* Setters shared by the INI reader and the command-line flags. */
int agent_config_set(struct agent_config *c, const char *key, const char *value,
                     char *why, size_t why_len);
/* Apply command-line flags over c; a "collector" flag replaces the file's
 * list rather than adding to it. */
int agent_config_apply_flags(struct agent_config *c, const struct agent_flag *f,
                             int n, char *why, size_t why_len);
/* Checks across options (retry_min <= retry_max); agent_config_load runs it. */
int agent_config_check(const struct agent_config *c, char *why, size_t why_len);

#endif
