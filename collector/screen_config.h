/* screen_config — the pre-launch screening checklist (上线前安全审查清单),
 * from schemas/screening.ini: its items in order, blocking or advisory, the
 * words each shows (labels, the article it enforces, 整改建议) and the
 * thresholds of the items that have one.
 *
 * The built-in defaults equal the shipped file (tests/unit/test_screen_check.c
 * checks it); a file overrides them. Unknown sections, keys, bad values, an
 * option given twice and lines over 199 bytes are TZ_EPARSE
 * naming file and line: a typo must not silently weaken a screening.
 * The struct holds no pointers: copy it, compare it with memcmp. */
#ifndef TZ_SCREEN_CONFIG_H
#define TZ_SCREEN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "ledger_fields.h"
#include "rules_config.h"
#include "tz_error.h"

/* The checklist in report order; screening.ini names each by its section. */
enum screen_item {
    SCREEN_NO_HOSTS,              /* system: no host bound */
    SCREEN_HOST_SILENT,           /* system: a host did not report (fresh or recent) */
    SCREEN_LEDGER_FIELDS,         /* system: 负责人, 管理员, ... missing */
    SCREEN_WEAK_PASSWORD,         /* per host from here ... */
    SCREEN_UID0_DUPLICATE,
    SCREEN_SUDO_NOPASSWD,
    SCREEN_ROOT_SSH_LOGIN,
    SCREEN_EXPOSED_PORTS,
    SCREEN_PATCHES,
    SCREEN_REBOOT_REQUIRED,       /* ... to here */
    SCREEN_SCAN_UNEXPLAINED_PORT, /* system: open from outside, no listener */
    SCREEN_SCAN_HIGH_RISK_PORT,   /* system: high-risk port open from outside */
    SCREEN__COUNT
};

/* A line of the file is at most 199 bytes and its newline: inih's buffer
 * (INI_MAX_LINE of Debian's libinih); a longer one is an error. */
#define SCREEN_MAX_LINE 200
#define SCREEN_TEXT_MAX SCREEN_MAX_LINE

struct screen_item_def {
    int blocking;                        /* 1 blocking, 0 advisory */
    char label_zh[SCREEN_TEXT_MAX];
    char label_en[SCREEN_TEXT_MAX];
    char cites[SCREEN_TEXT_MAX];         /* 第七条(八) */
    char remedy_zh[SCREEN_TEXT_MAX];     /* 整改建议 */
    char remedy_en[SCREEN_TEXT_MAX];
};

struct screen_config {
    struct screen_item_def item[SCREEN__COUNT];
    int max_report_age_hours;            /* [host_silent] */
    int max_security_pending;            /* [patches] */
    uint16_t high_risk[RULES_MAX_PORTS]; /* [ports], also for the scan */
    int n_high_risk;
    uint8_t required[LF_COUNT];          /* [ledger_fields] enum ledger_id */
    int n_required;
    uint8_t required_public[LF_COUNT];   /* ... when 对外服务 is yes */
    int n_required_public;
    /* [review]: a pass (tzctl review) rests on a screening at most this
     * old. Not part of the digest: it does not judge anything. */
    int max_screening_age_days;
};

/* "weak_password"; NULL outside 0..SCREEN__COUNT-1. */
const char *screen_item_name(enum screen_item i);
/* The item a section names (exact, lower case); -1 if none. */
int screen_item_lookup(const char *name);
/* 1 for the items judged once per host, 0 for those judged per system. */
int screen_item_per_host(enum screen_item i);

void screen_config_defaults(struct screen_config *c);
/* Read path over c (start from screen_config_defaults). Errors: TZ_ENOENT
 * (cannot open), TZ_EPARSE with err->file and err->line. On error c may be
 * half updated: load into a copy to keep the old one. */
int screen_config_load(struct screen_config *c, const char *path,
                       struct tz_error *err);

/* 16 lower-case hex digits naming the effective checklist (BLAKE2b of every
 * field in a fixed text form), so a stored screening says what judged it. */
#define SCREEN_DIGEST_LEN 17
void screen_config_digest(const struct screen_config *c,
                          char out[SCREEN_DIGEST_LEN]);

#endif
