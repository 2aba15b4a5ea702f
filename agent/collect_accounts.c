/* collect_accounts — passwd and group here, the audit from the privileged
 * side, merged into one AccountsSection. */
#include "collect_accounts.h"

#include <stdlib.h>
#include <string.h>

#include "acct_audit.h"
#include "parse_group.h"
#include "parse_passwd.h"
#include "tz_limits.h"
#include "utf8.h"
#include "warnlist.h"

static const char *const admin_group_names[] = {"admin", "sudo", "wheel"};
#define N_ADMIN_GROUPS 3

/* strdup that records failure instead of returning it, so a message can be
 * filled field by field and freed once. */
static char *dup(const char *s, int *bad)
{
    char *d = strdup(s ? s : "");
    if (d == NULL) {
        *bad = 1;
        return (char *)protobuf_c_empty_string;
    }
    return d;
}

static int state_from_passwd(const char *pw)
{
    if (pw[0] == '\0')
        return TZ__PASSWORD_STATE__PW_EMPTY;
    if (pw[0] == '*' || pw[0] == '!')
        return TZ__PASSWORD_STATE__PW_LOCKED;
    return TZ__PASSWORD_STATE__PW_UNKNOWN;
}

static Tz__Account *make_account(const struct passwd_entry *pe,
                                 const struct group_db *gr,
                                 const struct acct_audit *a, int have_audit)
{
    Tz__Account *ac = malloc(sizeof(*ac));
    if (ac == NULL)
        return NULL;
    tz__account__init(ac);
    int bad = 0;
    ac->name = dup(pe->name, &bad);
    ac->uid = pe->uid;
    ac->gid = pe->gid;
    if (pe->home[0])
        ac->home = dup(pe->home, &bad);
    if (pe->shell[0])
        ac->shell = dup(pe->shell, &bad);
    ac->login_capable = passwd_login_capable(pe);
    ac->days_since_change = -1;
    ac->max_days = -1;

    const struct acct_verdict *v = have_audit ? acct_audit_find(a, pe->name)
                                              : NULL;
    if (v) {
        ac->password = (Tz__PasswordState)v->state;
        if (v->state == ACCT_PW_WEAK)
            ac->weak_reason = dup(weakpw_reason_str(v->reason), &bad);
        ac->days_since_change = v->days_since_change;
        ac->max_days = v->max_days;
        ac->weak_check_cut = v->cut;
        if (v->n_rules) {
            ac->nopasswd_rules = calloc(v->n_rules, sizeof(char *));
            if (ac->nopasswd_rules == NULL)
                bad = 1;
            for (size_t k = 0; ac->nopasswd_rules && k < v->n_rules; k++)
                ac->nopasswd_rules[ac->n_nopasswd_rules++] =
                    dup(a->rules[v->rules[k]], &bad);
        }
    } else {
        ac->password = (Tz__PasswordState)state_from_passwd(pe->pw);
    }

    for (size_t i = 0; i < N_ADMIN_GROUPS; i++) {
        const struct group_entry *g = group_find(gr, admin_group_names[i]);
        if (g == NULL || !group_has_user(g, pe->name, pe->gid))
            continue;
        if (ac->admin_groups == NULL &&
            (ac->admin_groups = calloc(N_ADMIN_GROUPS, sizeof(char *))) == NULL) {
            bad = 1;
            break;
        }
        ac->admin_groups[ac->n_admin_groups++] = dup(admin_group_names[i], &bad);
    }
    if (bad) {
        protobuf_c_message_free_unpacked(&ac->base, NULL);
        return NULL;
    }
    return ac;
}

/* 1 with *a filled, 0 when the check failed (why in failed_why, and a
 * warning), or TZ_ENOMEM. */
static int run_audit(const char *root, struct privsep *ps,
                     const struct weakpw_limits *lim, const char *dict_path,
                     struct acct_audit *a, struct warnlist *w,
                     char *failed_why, size_t why_len)
{
    struct tz_error e;
    memset(&e, 0, sizeof(e));
    int rc = ps ? privsep_check(ps, a, &e)
                : acct_audit_run(root, lim, dict_path, a, &e);
    if (rc == 0)
        return 1;
    if (rc == TZ_ENOMEM)
        return rc;
    tz_error_str(&e, failed_why, why_len);
    rc = warnlist_add(w, NULL, 0, "password check failed (%s): password "
                      "states unknown", failed_why);
    return rc < 0 ? rc : 0;
}

int collect_accounts(const char *root, struct privsep *ps,
                     const struct weakpw_limits *lim, const char *dict_path,
                     Tz__AccountsSection **out, struct tz_error *err)
{
    struct warnlist w = {NULL, 0, 0};
    struct passwd_db pw;
    struct group_db gr;
    struct acct_audit a;
    memset(&gr, 0, sizeof(gr));
    memset(&a, 0, sizeof(a));
    Tz__AccountsSection *sec = NULL;

    int rc = parse_passwd(root, &pw, &w, err);
    if (rc != 0) {
        warnlist_free(&w);
        return rc;
    }
    struct tz_error e;
    rc = parse_group(root, &gr, &w, &e);
    if (rc == TZ_ENOENT)
        rc = warnlist_add(&w, "/etc/group", 0, "does not exist: admin groups "
                          "unknown");
    else if (rc != 0 && rc != TZ_ENOMEM)
        rc = warnlist_add(&w, "/etc/group", 0, "%s: admin groups unknown",
                          e.msg);
    if (rc < 0)
        goto fail;

    char failed_why[600] = "";
    int have_audit = run_audit(root, ps, lim, dict_path, &a, &w, failed_why,
                               sizeof(failed_why));
    if (have_audit < 0) {
        rc = have_audit;
        goto fail;
    }
    for (size_t i = 0; i < a.n_warnings; i++)
        if ((rc = warnlist_add(&w, NULL, 0, "%s", a.warnings[i])) < 0)
            goto fail;

    rc = TZ_ENOMEM;
    if ((sec = malloc(sizeof(*sec))) == NULL)
        goto fail;
    tz__accounts_section__init(sec);
    sec->weak_check_ran = have_audit && a.check_ran;
    sec->weak_check_cut = have_audit && a.cut;
    sec->weak_candidates = have_audit ? a.candidates : 0;
    if (!have_audit) {
        int bad = 0;
        sec->weak_check_failed = 1;
        sec->weak_check_error = dup(failed_why, &bad);
        if (bad)
            goto fail;
    }
    if (pw.n) {
        if ((sec->accounts = calloc(pw.n, sizeof(*sec->accounts))) == NULL)
            goto fail;
        if ((sec->uid0_accounts = calloc(pw.n, sizeof(char *))) == NULL)
            goto fail;
    }
    for (size_t i = 0; i < pw.n; i++) {
        Tz__Account *ac = make_account(&pw.v[i], &gr, &a, have_audit);
        if (ac == NULL)
            goto fail;
        sec->accounts[sec->n_accounts++] = ac;
        if (pw.v[i].uid == 0) {
            int bad = 0;
            sec->uid0_accounts[sec->n_uid0_accounts++] = dup(pw.v[i].name, &bad);
            if (bad)
                goto fail;
        }
    }
    if (warnlist_take(&w, &sec->warnings, &sec->n_warnings) != 0)
        goto fail;
    /* names and rules come from files anyone may have written junk into */
    tz_pb_repair_text(&sec->base);

    acct_audit_free(&a);
    group_db_free(&gr);
    passwd_db_free(&pw);
    *out = sec;
    return 0;

fail:
    if (sec)
        protobuf_c_message_free_unpacked(&sec->base, NULL);
    acct_audit_free(&a);
    group_db_free(&gr);
    passwd_db_free(&pw);
    warnlist_free(&w);
    return tz_err(err, rc, NULL, 0, "accounts: %s", tz_strerror(rc));
}
