/* acct_audit — shadow and sudoers turned into verdicts that may leave the
 * privileged process. */
#include "acct_audit.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "parse_group.h"
#include "parse_passwd.h"
#include "parse_shadow.h"
#include "parse_sudoers.h"
#include "tz_limits.h"
#include "warnlist.h"

#define NO_MAX_DAYS 99999     /* what shadow(5) tools write for "never" */

void acct_audit_free(struct acct_audit *a)
{
    for (size_t i = 0; i < a->n; i++) {
        free(a->v[i].name);
        free(a->v[i].rules);
    }
    free(a->v);
    for (size_t i = 0; i < a->n_rules; i++)
        free(a->rules[i]);
    free(a->rules);
    for (size_t i = 0; i < a->n_warnings; i++)
        free(a->warnings[i]);
    free(a->warnings);
    nameidx_free(&a->by_name);
    memset(a, 0, sizeof(*a));
}

int acct_audit_index(struct acct_audit *a)
{
    nameidx_free(&a->by_name);
    return nameidx_build(&a->by_name, a->v, a->n, sizeof(*a->v),
                         offsetof(struct acct_verdict, name));
}

const struct acct_verdict *acct_audit_find(const struct acct_audit *a,
                                           const char *name)
{
    if (a->by_name.idx == NULL && a->n > 0) {
        for (size_t i = 0; i < a->n; i++)
            if (strcmp(a->v[i].name, name) == 0)
                return &a->v[i];
        return NULL;
    }
    long i = nameidx_find(&a->by_name, name);
    return i < 0 ? NULL : &a->v[i];
}


struct run {
    const char *root;
    struct weakpw_limits lim;
    const struct weakpw_dict *dict;
    struct passwd_db pw;
    struct group_db gr;
    struct shadow_db sh;
    struct sudoers su;
    int have_sudoers;
    struct warnlist w;
    unsigned long long start;
    long today;
};

/* State of one account from its password field (shadow, or passwd). */
static int judge(struct run *r, struct acct_audit *a, const struct passwd_entry *pe,
                 const char *field, struct acct_verdict *v)
{
    if (field == NULL) {
        v->state = ACCT_PW_UNKNOWN;
        return 0;
    }
    if (field[0] == '\0') {
        v->state = ACCT_PW_EMPTY;
        return 0;
    }
    if (field[0] == '!' || field[0] == '*') {
        v->state = ACCT_PW_LOCKED;
        return 0;
    }
    if (!passwd_login_capable(pe)) {
        v->state = ACCT_PW_UNKNOWN;      /* cannot log in: not worth the time */
        return 0;
    }
    unsigned long long spent = tz_now_ms() - r->start;
    if (spent >= r->lim.max_total_ms) {
        v->state = ACCT_PW_UNKNOWN;
        v->cut = 1;
        a->cut = 1;
        return 0;
    }
    struct weakpw_limits one = r->lim;
    if (r->lim.max_total_ms - spent < one.max_ms)
        one.max_ms = (unsigned)(r->lim.max_total_ms - spent);
    struct weakpw_result res;
    struct tz_error e;
    int rc = weakpw_check(pe->name, field, r->dict, &one, &res, &e);
    a->check_ran = 1;
    if (rc == TZ_EINVAL) {
        v->state = ACCT_PW_LOCKED;       /* no password hashes to that */
        return 0;
    }
    if (rc != 0)
        return rc;
    v->state = res.weak ? ACCT_PW_WEAK : ACCT_PW_OK;
    v->reason = res.weak ? (int)res.reason : WEAKPW_NONE;
    v->cut = res.cut;
    if (res.cut)
        a->cut = 1;
    if (res.tried > a->candidates)
        a->candidates = res.tried;
    return 0;
}

static int passwords(struct run *r, struct acct_audit *a, int shadow_ok)
{
    a->v = calloc(r->pw.n ? r->pw.n : 1, sizeof(*a->v));
    if (a->v == NULL)
        return TZ_ENOMEM;
    for (size_t i = 0; i < r->pw.n; i++) {
        const struct passwd_entry *pe = &r->pw.v[i];
        struct acct_verdict *v = &a->v[i];
        if ((v->name = strdup(pe->name)) == NULL)
            return TZ_ENOMEM;
        a->n++;
        v->days_since_change = -1;
        v->max_days = -1;
        const struct shadow_entry *se = shadow_ok ? shadow_find(&r->sh, pe->name)
                                                  : NULL;
        const char *field = NULL;
        if (se)
            field = se->hash;
        else if (strcmp(pe->pw, "x") != 0)
            field = pe->pw;
        int rc = judge(r, a, pe, field, v);
        if (rc != 0)
            return rc;
        if (se && se->lastchg > 0)
            v->days_since_change = (int32_t)(se->lastchg > r->today ? 0
                                             : r->today - se->lastchg);
        if (se && se->max_days >= 0 && se->max_days < NO_MAX_DAYS)
            v->max_days = (int32_t)se->max_days;
    }
    return 0;
}

/* For each account, the NOPASSWD rules whose user list matches it. */
static int nopasswd(struct run *r, struct acct_audit *a)
{
    uint32_t *map = NULL;      /* sudoers rule -> index in a->rules, +1 */
    if (r->su.n_rules == 0)
        return 0;
    if ((map = calloc(r->su.n_rules, sizeof(*map))) == NULL)
        return TZ_ENOMEM;
    unsigned long budget = SUDOERS_MATCH_BUDGET;
    int rc = 0, over = 0;
    for (size_t i = 0; i < a->n && rc == 0; i++) {
        const struct passwd_entry *pe = &r->pw.v[i];
        struct sudo_user u = {pe->name, pe->uid, pe->gid, &r->gr};
        struct acct_verdict *v = &a->v[i];
        for (size_t k = 0; k < r->su.n_rules; k++) {
            const struct sudo_rule *sr = &r->su.rules[k];
            if (!sr->nopasswd)
                continue;
            int m = sudoers_rule_applies(&r->su, sr, &u, &budget);
            if (m == TZ_ELIMIT) {
                rc = warnlist_add(&r->w, NULL, 0, "sudoers too large to match "
                                  "against every account; NOPASSWD rules may "
                                  "be missing");
                goto done;
            }
            if (m != 1)
                continue;
            if (v->n_rules >= TZ_MAX_SMALL_LIST) {
                over = 1;
                continue;
            }
            if (map[k] == 0) {
                if (a->rules == NULL &&
                    (a->rules = calloc(r->su.n_rules, sizeof(*a->rules))) == NULL) {
                    rc = TZ_ENOMEM;
                    goto done;
                }
                if ((a->rules[a->n_rules] = strdup(sr->text)) == NULL) {
                    rc = TZ_ENOMEM;
                    goto done;
                }
                map[k] = (uint32_t)++a->n_rules;
            }
            if (v->rules == NULL &&
                (v->rules = calloc(TZ_MAX_SMALL_LIST, sizeof(*v->rules))) == NULL) {
                rc = TZ_ENOMEM;
                goto done;
            }
            v->rules[v->n_rules++] = map[k] - 1;
        }
    }
    if (over)
        rc = warnlist_add(&r->w, NULL, 0, "an account has more than %d NOPASSWD "
                          "rules; only the first are listed", TZ_MAX_SMALL_LIST);
done:
    free(map);
    return rc;
}

static int read_optional(struct run *r, const struct acct_dict *d)
{
    struct tz_error e;
    int rc = parse_group(r->root, &r->gr, NULL, &e);
    if (rc == TZ_ENOMEM)
        return rc;
    /* a missing group file is the caller's warning; %group then never matches */

    rc = parse_sudoers(r->root, &r->su, &r->w, &e);
    if (rc == 0)
        r->have_sudoers = 1;
    else if (rc == TZ_EPERM)
        rc = warnlist_add(&r->w, NULL, 0, "sudoers not readable: NOPASSWD rules "
                          "unknown (run as root)");
    else if (rc == TZ_ENOENT)
        rc = 0;                           /* no sudo on this host */
    else if (rc != TZ_ENOMEM)
        rc = warnlist_add(&r->w, "/etc/sudoers", 0, "%s", e.msg);
    for (size_t i = 0; rc >= 0 && i < d->n_warnings; i++)
        rc = warnlist_add(&r->w, NULL, 0, "%s", d->warnings[i]);
    return rc < 0 ? rc : 0;
}

void acct_dict_free(struct acct_dict *d)
{
    weakpw_dict_free(&d->words);
    for (size_t i = 0; i < d->n_warnings; i++)
        free(d->warnings[i]);
    free(d->warnings);
    memset(d, 0, sizeof(*d));
}

int acct_dict_load(const char *path, struct acct_dict *d, struct tz_error *err)
{
    memset(d, 0, sizeof(*d));
    struct warnlist w = {NULL, 0, 0};
    struct tz_error e;
    int rc;
    struct stat st;
    if (path == NULL || path[0] == '\0')
        rc = warnlist_add(&w, NULL, 0, "no weak-password dictionary "
                          "configured: only username checks ran");
    /* The path may come from an unprivileged agent: a dictionary it could
     * not read itself would turn the root side into an oracle for that
     * file's lines. Only a world-readable regular file is used. */
    else if (stat(path, &st) == 0 && (!S_ISREG(st.st_mode) || !(st.st_mode & S_IROTH)))
        rc = warnlist_add(&w, path, 0, "dictionary not used: it must be "
                          "a world-readable regular file; only username "
                          "checks ran");
    else if ((rc = weakpw_dict_load(path, &d->words, &w, &e)) != 0 &&
             rc != TZ_ENOMEM)
        rc = warnlist_add(&w, path, e.line, "dictionary not usable "
                          "(%s): only username checks ran", e.msg);
    if (rc >= 0)
        rc = warnlist_take(&w, &d->warnings, &d->n_warnings);
    warnlist_free(&w);
    if (rc < 0) {
        acct_dict_free(d);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    return 0;
}

int acct_audit_run(const char *root, const struct weakpw_limits *lim,
                   const char *dict_path, struct acct_audit *a,
                   struct tz_error *err)
{
    memset(a, 0, sizeof(*a));
    struct acct_dict d;
    int rc = acct_dict_load(dict_path, &d, err);
    if (rc != 0)
        return rc;
    rc = acct_audit_run_dict(root, lim, &d, a, err);
    acct_dict_free(&d);
    return rc;
}

int acct_audit_run_dict(const char *root, const struct weakpw_limits *lim,
                        const struct acct_dict *d, struct acct_audit *a,
                        struct tz_error *err)
{
    memset(a, 0, sizeof(*a));
    struct run r;
    memset(&r, 0, sizeof(r));
    r.root = root;
    r.dict = &d->words;
    weakpw_limits_default(&r.lim);
    if (lim && lim->max_candidates)
        r.lim.max_candidates = lim->max_candidates;
    if (lim && lim->max_ms)
        r.lim.max_ms = lim->max_ms;
    if (lim && lim->max_total_ms)
        r.lim.max_total_ms = lim->max_total_ms;
    r.today = (long)(time(NULL) / 86400);

    int rc = parse_passwd(root, &r.pw, NULL, err);
    if (rc != 0)
        return rc;

    struct tz_error e;
    int shadow_ok = 0;
    rc = parse_shadow(root, &r.sh, &r.w, &e);
    if (rc == 0)    /* every account gets judged, even if none has a hash */
        shadow_ok = a->shadow_read = a->check_ran = 1;
    else if (rc == TZ_EPERM)
        rc = warnlist_add(&r.w, NULL, 0, "shadow not readable: password states "
                          "unknown (run as root)");
    else if (rc == TZ_ENOENT)
        rc = warnlist_add(&r.w, "/etc/shadow", 0, "does not exist: password "
                          "states from /etc/passwd only");
    else if (rc != TZ_ENOMEM)
        rc = warnlist_add(&r.w, "/etc/shadow", 0, "%s: password states unknown",
                          e.msg);
    if (rc == 0)
        rc = read_optional(&r, d);
    r.start = tz_now_ms();
    if (rc == 0)
        rc = passwords(&r, a, shadow_ok);
    shadow_db_free(&r.sh);                /* wipe hashes as soon as done */
    if (rc == 0 && r.have_sudoers)
        rc = nopasswd(&r, a);
    if (rc == 0)
        rc = warnlist_take(&r.w, &a->warnings, &a->n_warnings);
    if (rc == 0)
        rc = acct_audit_index(a);

    warnlist_free(&r.w);
    sudoers_free(&r.su);
    group_db_free(&r.gr);
    passwd_db_free(&r.pw);
    if (rc != 0) {
        acct_audit_free(a);
        return tz_err(err, rc, NULL, 0, "account audit: %s", tz_strerror(rc));
    }
    return 0;
}
