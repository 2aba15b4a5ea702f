/* screen_check — the pre-launch screening's judgement (上线前安全审查): from a
 * system's ledger record, its bound hosts' latest reports and optionally an
 * outside scan, the checklist of schemas/screening.ini item by item.
 *
 * Pure: no storage, no clock (now is passed in), no network. Collecting
 * fresh reports, running nmap and storing the result are the callers' work
 * (tzctl screen, scan_nmap.c, the register).
 *
 * Items: one per (check, subject), in checklist order, then by subject id.
 * Host items give one item per host; a host that cannot be judged (it did
 * not answer the fresh collection, never reported, or without --fresh its
 * last report is older than [host_silent] max_report_age_hours) gets "not
 * checked" for each of them and fails the one host_silent item instead. A
 * section missing from a report, an account audit that did not run (shadow
 * unreadable), a host without apt lists, and the scan items without a scan
 * that ran are "not checked" too, never "pass". passed = no blocking item
 * failed; not-checked items do not fail a screening but are counted.
 * Evidence is concrete, at most SCREEN_EVIDENCE_MAX - 1 bytes of valid UTF-8
 * without control characters ("root: weak (dictionary); ops: empty",
 * "0.0.0.0:3306 mysqld"); names from a report are cut to a bound; a list
 * that does not fit ends "(+N more)". Each item carries the same facts in
 * Chinese too (evidence_zh, bounded alike: "root：弱口令（常见口令字典）；
 * ops：空密码"). It never quotes a password hash: a weak password is
 * described by the agent's fixed reasons only.
 *
 * Ownership: on success *out is the caller's, every part of it allocated
 * with malloc as protobuf-c's default allocator does: free it with
 * tz__screening_result__free_unpacked(*out, NULL). On error *out is NULL.
 * Errors: TZ_EINVAL (a NULL argument, a host without its agent record, an
 * agent listed twice), TZ_ELIMIT (more than SCREEN_MAX_HOSTS hosts, or
 * their records list more than SCREEN_SCAN_MAX_IPS addresses in all),
 * TZ_ENOMEM; err says which. */
#ifndef TZ_SCREEN_CHECK_H
#define TZ_SCREEN_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "scan_result.h"
#include "screen_config.h"
#include "taizhang.pb-c.h"
#include "tz_error.h"

#define SCREEN_MAX_HOSTS    4096
#define SCREEN_EVIDENCE_MAX 513   /* evidence, evidence_zh: at most 512 bytes */

struct screen_host {
    const Tz__AgentRecord *agent;
    const Tz__Report *report;   /* latest sections, NULL: never reported */
    int answered;               /* fresh screening: reported for it; else 1 */
};

struct screen_input {
    const Tz__SystemRecord *system;
    const struct screen_host *hosts;
    size_t n_hosts;
    const struct scan_result *scan;  /* NULL: no scan asked for */
    int fresh;                       /* a fresh collection was asked for */
    int64_t now;
};

int screen_check(const struct screen_config *cfg, const struct screen_input *in,
                 Tz__ScreeningResult **out, struct tz_error *err);

/* "0.1.0+checklist.1a2b3c4d5e6f7081": TZ_VERSION and the digest of cfg
 * (screen_config_digest), as the result's checker_version. */
#define SCREEN_VERSION_MAX 64
void screen_checker_version(const struct screen_config *cfg,
                            char out[SCREEN_VERSION_MAX]);

#endif
