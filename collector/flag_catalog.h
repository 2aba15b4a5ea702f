/* flag_catalog — every flag Taizhang raises, with its labels, the rule it
 * enforces and how to fix it (DESIGN.md §5).
 *
 * One static table: the rules engine, tzctl and the portal all read the
 * words from here, so a flag says the same thing everywhere. Articles are
 * those of the university's rules in shared/seed/ (第N条(M)) or MLPS. */
#ifndef TZ_FLAG_CATALOG_H
#define TZ_FLAG_CATALOG_H

#include "taizhang.pb-c.h"

/* The rules every flag cites, by title; the articles follow it. */
#define FLAG_REGULATION "《西昌学院网络安全工作责任制实施细则（试行）》"

enum flag_id {
    FLAG_UNREGISTERED_HOST,
    FLAG_NO_OWNER,
    FLAG_NO_FILING,
    FLAG_NO_GRADING,
    FLAG_GRADING_NOT_FILED,
    FLAG_EVALUATION_OVERDUE,
    FLAG_NO_PRELAUNCH_REVIEW,
    FLAG_WEAK_PASSWORD,
    FLAG_UID0_DUPLICATE,
    FLAG_SUDO_NOPASSWD,
    FLAG_ROOT_SSH_LOGIN,
    FLAG_EXPOSED_HIGH_RISK_PORT,
    FLAG_PATCHES_PENDING,
    FLAG_REBOOT_REQUIRED,
    FLAG_AGENT_SILENT,
    FLAG_BINDING_OTHER_DEPT,
    FLAG_ACCOUNT_CHECK_FAILED,
    FLAG_DUPLICATE_HOST,
    FLAG_AGENT_ABUSE,
    FLAG_AMBIGUOUS_BINDING,
    FLAG__COUNT
};

struct flag_def {
    const char *id;          /* "WEAK_PASSWORD" */
    Tz__Severity severity;   /* default; rules.ini may override */
    const char *label_en;
    const char *label_zh;
    const char *cites;       /* "第七条(八)" */
    const char *remedy_en;
    const char *remedy_zh;   /* 整改建议 */
};

/* The definition of flag f (0 <= f < FLAG__COUNT). */
const struct flag_def *flag_def(enum flag_id f);
/* Flag by id string ("WEAK_PASSWORD", case-insensitive); -1 if unknown. */
int flag_lookup(const char *id);
/* The evidence of f as one department may see it. BINDING_OTHER_DEPT,
 * raised on a host, names the other department's system the host pointed
 * at, and AMBIGUOUS_BINDING may name other departments' candidates (its
 * evidence then holds FLAG_OTHER_DEPTS_MARK); DUPLICATE_HOST names its
 * twin, maybe another department's host: the network center needs that
 * (whole_school set), the host's department must not learn another's
 * systems or hosts from it. */
#define FLAG_OTHER_DEPTS_MARK " of other departments"
const char *flag_evidence_for(const Tz__FlagRecord *f, int whole_school);

/* flag_evidence_for in Chinese when zh (the stored evidence_zh; a record
 * written before it has none and shows its English evidence). */
const char *flag_evidence_lang(const Tz__FlagRecord *f, int whole_school, int zh);

/* "high", "medium", "low"; and back (-1 if unknown). */
const char *severity_name(Tz__Severity s);
int severity_lookup(const char *name);

#endif
