/* agent_config — tz-agent's settings: INI file, then flags.
 *
 * [agent]
 * collector = tcp://collector.example.edu.cn:7450   ; repeat for failover
 * collector_key = <64 hex digits>   ; the collector's public key (pinned)
 * enroll_token = tz_...             ; department token, needed once
 * state_dir = /var/lib/tz-agent     ; agent key and sequence state
 * root = /                          ; collect below this directory
 * timeout = 30                      ; seconds to wait for the collector
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
};

void agent_config_defaults(struct agent_config *c);
int agent_config_load(struct agent_config *c, const char *path,
                      struct tz_error *err);
/* Setters shared by the INI reader and the command-line flags. */
int agent_config_set(struct agent_config *c, const char *key, const char *value,
                     char *why, size_t why_len);

#endif
