/* collector_config — tz-collector's settings: INI file, then flags.
 *
 * [collector]
 * data = ./var/taizhang           ; register and collector key
 * listen = tcp://127.0.0.1:7450   ; nanomsg URL agents connect to
 * publish = tcp://127.0.0.1:7452  ; "collect now" to agents (default: the
 *                                   listen URL's port + 2, ipc: PATH.pub)
 * max_batch = 256                 ; requests per write transaction
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
 * [digest] — the e-mail digests: see digest_config.h.
 * data, listen, publish, max_batch and rules are also flags (--data, ...); flags
 * win. The others are set in the file only. */
#ifndef TZ_COLLECTOR_CONFIG_H
#define TZ_COLLECTOR_CONFIG_H

#include <stddef.h>

#include "digest_config.h"
#include "tz_error.h"

struct collector_config {
    char data[1024];
    char listen[512];
    char publish[512];         /* empty: push_url_for(listen) */
    size_t max_batch;
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
    struct digest_config digest;   /* [digest]; digest_config_finish after load */
};

void collector_config_defaults(struct collector_config *c);
/* Unknown sections/keys and bad values are TZ_EPARSE naming file and line. */
int collector_config_load(struct collector_config *c, const char *path,
                          struct tz_error *err);

#endif
