/* acct_audit — the privileged half of the accounts section: password states
 * from /etc/shadow and NOPASSWD grants from sudoers, as plain data.
 *
 * This is what the privsep child runs as root (both files are root-only),
 * and what collect_accounts runs in-process when there is no child. It reads
 * <root>/etc/{passwd,shadow,group,sudoers(+includes)} and the dictionary,
 * crypt-checks every login-capable account that has a hash (weakpw), and
 * returns, per passwd account, only what may leave the process: a state, a
 * reason word, two day counts, a cut flag and the NOPASSWD rules that apply.
 * Hashes never leave: parse_shadow and weakpw wipe them.
 *
 * States: shadow entry (or, without one, the passwd field) "" → EMPTY;
 * starting with '!' or '*', or a string crypt(3) rejects → LOCKED; a hash of
 * a login-capable account → WEAK or OK; a hash of an account without a login
 * shell → UNKNOWN (not checked); "x" with no shadow entry → UNKNOWN; not
 * reached because the total time ran out → UNKNOWN with cut. OK with cut
 * means no candidate tried matched, but not all were tried.
 * days_since_change: today - lastchg (0 if lastchg is in the future); -1
 * when empty, 0 ("change at next login") or no shadow entry. max_days: -1
 * when empty or >= 99999.
 *
 * Ownership: on success *a is the caller's; acct_audit_free() releases it.
 * Errors (fatal, *a empty): those of parse_passwd (no /etc/passwd), and
 * TZ_ENOMEM. Everything else (shadow, group, sudoers, dictionary missing or
 * unreadable, malformed lines) is a warning in a->warnings and the audit goes
 * on. Passwd and group warnings are NOT repeated here: the caller reads those
 * files itself and reports them once.
 * Bounds: those of the parsers, weakpw limits (max_total_ms over all
 * accounts), at most TZ_MAX_SMALL_LIST rules per account,
 * SUDOERS_MATCH_BUDGET matching steps, TZ_MAX_WARNINGS warnings. */
#ifndef TZ_ACCT_AUDIT_H
#define TZ_ACCT_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "nameidx.h"
#include "tz_error.h"
#include "weakpw.h"

/* Equal to the Tz__PasswordState values, so they can be copied across. */
enum acct_pw_state {
    ACCT_PW_UNKNOWN = 0,
    ACCT_PW_EMPTY = 1,
    ACCT_PW_LOCKED = 2,
    ACCT_PW_WEAK = 3,
    ACCT_PW_OK = 4
};

struct acct_verdict {
    char *name;
    int state;                 /* enum acct_pw_state */
    int reason;                /* enum weakpw_reason, WEAK only */
    int cut;                   /* a bound stopped this account's check */
    int32_t days_since_change; /* -1 unknown */
    int32_t max_days;          /* -1 no maximum */
    uint32_t *rules;           /* indexes into acct_audit.rules */
    size_t n_rules;
};

struct acct_audit {
    struct acct_verdict *v;    /* passwd order */
    size_t n;
    char **rules;              /* NOPASSWD rules, verbatim, that apply to someone */
    size_t n_rules;
    char **warnings;           /* "path:line: reason", shadow/sudoers/dictionary */
    size_t n_warnings;
    int shadow_read;           /* /etc/shadow was read: states are real */
    int check_ran;             /* shadow was read, or a passwd hash checked */
    int cut;                   /* some account's check hit a bound */
    uint32_t candidates;       /* most candidates tried on one account */
    struct nameidx by_name;    /* built by acct_audit_index() */
};

int acct_audit_run(const char *root, const struct weakpw_limits *lim,
                   const char *dict_path, struct acct_audit *a,
                   struct tz_error *err);

/* The dictionary as every audit uses it, read once: the privileged child
 * loads it when its inputs are fixed, before it confines itself, and never
 * opens the file again (a changed dictionary takes a restart).
 * acct_dict_load never fails on the file: a missing, unreadable or
 * malformed dictionary, or one that is not a world-readable regular file
 * (it would make the root side an oracle for another file's lines), leaves
 * words empty and says why in warnings, which every audit repeats. path NULL
 * or "": no dictionary (warned). Ownership: acct_dict_free releases it.
 * Errors: TZ_ENOMEM only. */
struct acct_dict {
    struct weakpw_dict words;
    char **warnings;
    size_t n_warnings;
};

int acct_dict_load(const char *path, struct acct_dict *d, struct tz_error *err);
void acct_dict_free(struct acct_dict *d);

/* acct_audit_run with a dictionary loaded before (d must not be NULL). */
int acct_audit_run_dict(const char *root, const struct weakpw_limits *lim,
                        const struct acct_dict *d, struct acct_audit *a,
                        struct tz_error *err);

/* Index the verdicts by name (acct_audit_run and the privsep decoder do).
 * Errors: TZ_ENOMEM. */
int acct_audit_index(struct acct_audit *a);

/* The verdict for name, or NULL. O(log n) once indexed. */
const struct acct_verdict *acct_audit_find(const struct acct_audit *a,
                                           const char *name);

void acct_audit_free(struct acct_audit *a);

#endif
