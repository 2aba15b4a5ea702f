/* collector_config — tz-collector's settings: INI file, then flags.
 *
 * [collector]
 * data = ./var/taizhang           ; register and collector key
 * listen = tcp://127.0.0.1:7450   ; nanomsg URL agents connect to
 * publish = tcp://127.0.0.1:7452  ; "collect now" to agents (default: the
 *                                   listen URL's port + 2, ipc: PATH.pub)
 * max_batch = 256                 ; requests per write transaction
 * max_batch_bytes = 67108864      ; request bytes one batch receives before it
 *                                   is processed; the rest wait for the next
 * max_message = 8388608           ; bytes; larger requests are TOO_LARGE
 * rules = /usr/share/taizhang/schemas/rules.ini ; thresholds (default: built in)
 * recheck_interval = 300          ; seconds between full rule re-evaluations
 * history_days = 400              ; change history kept this long
 * screening = /usr/share/taizhang/schemas/screening.ini ; the pre-launch
 *                                   checklist (default: built in)
 * screening_ports = .../screening-ports.txt ; ports the outside scan probes
 *                                   (default: the installed schemas/ file)
 * screening_scan = no             ; tzctl screen scans from outside (--scan)
 * screening_scan_timeout = 300    ; seconds the whole scan may take
 * reject_limit = 30               ; rejected requests one connection may send
 *                                   a minute before it is slowed down (0: off)
 * Per-agent limits (agent_quota.h; 0 turns one off):
 * quota_reports_per_hour = 60     ; reports one agent may store per UTC hour
 * quota_bytes_per_day = 268435456 ; report bytes one agent may send per UTC day
 * quota_history_bytes = 67108864  ; history kept per host (oldest pruned)
 * quota_hosts_per_token = 1000    ; hosts one enrollment token may enroll
 * quota_hosts_per_dept = 5000     ; hosts (not revoked) per department
 * history_diff_max = 1000         ; changes one history entry stores whole
 * history_diff_keep = 20          ; changes per list a summary keeps
 * [digest] — the e-mail digests: see digest_config.h.
 * data, listen, publish, max_batch and rules are also flags (--data, ...); flags
 * win. The others are set in the file only. */
#ifndef TZ_COLLECTOR_CONFIG_H
#define TZ_COLLECTOR_CONFIG_H

#include <stddef.h>

#include "agent_quota.h"
#include "digest_config.h"
#include "tz_error.h"

struct collector_config {
    char data[1024];
    char listen[512];
    char publish[512];         /* empty: push_url_for(listen) */
    size_t max_batch;
    size_t max_batch_bytes;
    size_t max_message;
    char rules[1024];          /* empty: built-in defaults */
    size_t recheck_interval;   /* seconds */
    size_t history_days;
    /* Pre-launch screening (tzctl screen, tzctl review). */
    char screening[1024];          /* empty: built-in checklist */
    char screening_ports[1024];    /* empty: the installed schemas/ file */
    int screening_scan;
    size_t screening_scan_timeout; /* seconds */
    size_t reject_limit;           /* per connection and minute; 0: none */
    struct agent_quota quota;      /* per-agent limits */
    struct digest_config digest;   /* [digest]; digest_config_finish after load */
};

void collector_config_defaults(struct collector_config *c);
/* Unknown sections/keys and bad values are TZ_EPARSE naming file and line. */
int collector_config_load(struct collector_config *c, const char *path,
                          struct tz_error *err);

#endif
