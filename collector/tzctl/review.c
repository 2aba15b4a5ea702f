/* review — `tzctl review SYSTEM --pass|--fail --by NAME [--screening ID]
 * [--override REASON]`: the network center's decision on a system before
 * launch (上线前审查结论, 第五条(五)).
 *
 * A pass rests on a stored screening of that system (the latest, or
 * --screening ID) no older than [review] max_screening_age_days of the
 * checklist; when the screening's blocking items failed, only --override
 * REASON lets it pass, and the reason is kept with the decision and in the
 * ledger. The decision sets 上线前审查 (status, date, reviewer, the report
 * number = the screening's) in the same transaction as it is stored, and
 * closes the system's open screening request; the flags follow (main.c).
 * The reviewer is named on the line (--by): the decision is signed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "civil_day.h"
#include "screen_config.h"
#include "tzctl.h"

#define OVERRIDE_MAX 1000

struct review_args {
    const char *system, *screening, *override;
    int pass, fail;
};

static int parse(int argc, char **argv, struct review_args *a)
{
    const char *pos, *opt, *val;
    int dd = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (pos == NULL)
                continue;
            if (a->system)
                return tzctl_usage("review takes one SYSTEM");
            a->system = pos;
        } else if (strcmp(opt, "--pass") == 0) {
            a->pass = 1;
        } else if (strcmp(opt, "--fail") == 0) {
            a->fail = 1;
        } else if (tzctl_optval(opt, "--screening", argc, argv, &i, &val)) {
            if (val == NULL)
                return tzctl_usage("--screening needs a screening number");
            a->screening = val;
        } else if (tzctl_optval(opt, "--override", argc, argv, &i, &val)) {
            if (val == NULL || val[0] == '\0')
                return tzctl_usage("--override needs the reason, in words");
            a->override = val;
        } else {
            return tzctl_usage("review: unknown option %s", opt);
        }
    }
    if (a->system == NULL)
        return tzctl_usage("review needs a SYSTEM (id or name)");
    if (a->pass == a->fail)
        return tzctl_usage("review takes --pass or --fail");
    if (a->override && a->fail)
        return tzctl_usage("--override is for a pass over failing blocking items");
    return 0;
}

/* One line of text, bounded: it is stored and printed on the report. */
static int text_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* The screening the decision rests on: --screening ID (of this system),
 * whose summary is made into *buf and whose record *held keeps (the
 * summary borrows its strings; the caller frees it), or the system's latest,
 * which its record already holds (last_screening). *out NULL when the
 * system has none. */
static int pick_screening(struct tz_register *reg, const Tz__SystemRecord *sys,
                          const char *want, Tz__Screening **held,
                          Tz__ScreeningSummary *buf,
                          const Tz__ScreeningSummary **out)
{
    *held = NULL;
    *out = sys->last_screening;
    if (want == NULL)
        return 0;
    char *end;
    unsigned long long id = strtoull(want, &end, 10);
    if (want[0] < '0' || want[0] > '9' || *end || id == 0)
        return tzctl_usage("--screening needs a screening number");
    struct tz_error err = {0};
    Tz__Screening *s = NULL;
    if (register_screening_get(reg, id, &s, &err) != 0)
        return tzctl_fail_err(&err);
    if (s->system_id != sys->system_id) {
        uint64_t other = s->system_id;
        tz__screening__free_unpacked(s, NULL);
        return tzctl_fail("screening %llu is of system %" PRIu64 ", not of "
                          "system %" PRIu64, id, other, sys->system_id);
    }
    screening_summary_of(s, buf);
    *held = s;
    *out = buf;
    return 0;
}

/* May this screening carry a pass? 0, or TZCTL_FAIL having said why. */
static int pass_allowed(const struct review_args *a, const char *sysname,
                        const Tz__ScreeningSummary *s, int max_days, int64_t now)
{
    if (s == NULL)
        return tzctl_fail("%s has no screening: run tzctl screen %s --fresh "
                          "first (a pass rests on one)", sysname, a->system);
    int64_t age = now - s->at;
    if (age > (int64_t)max_days * 86400)
        return tzctl_fail("screening %" PRIu64 " of %s is %" PRId64 " days old, "
                          "more than the %d a pass may rest on (screening.ini "
                          "[review] max_screening_age_days): screen it again",
                          s->screening_id, sysname, age / 86400, max_days);
    if (s->blocking_failed && a->override == NULL)
        return tzctl_fail("screening %" PRIu64 " of %s failed %u blocking "
                          "item%s (tzctl screening show %" PRIu64 "): fix them "
                          "and screen again, or pass it with --override REASON, "
                          "which is kept with the decision", s->screening_id,
                          sysname, s->blocking_failed,
                          s->blocking_failed == 1 ? "" : "s", s->screening_id);
    if (a->override && s->blocking_failed == 0)
        return tzctl_fail("screening %" PRIu64 " failed no blocking item: a pass "
                          "needs no --override", s->screening_id);
    return 0;
}

int tzctl_review(const struct tzctl *c, int argc, char **argv)
{
    struct review_args a = {0};
    int rc = parse(argc, argv, &a);
    if (rc != 0)
        return rc;
    if (!c->by_given)
        return tzctl_usage("review needs --by NAME: the reviewer (审查人) "
                           "the decision names");
    if (!text_ok(c->actor.name, TZ_MAX_NAME) ||
        (a.override && !text_ok(a.override, OVERRIDE_MAX)))
        return tzctl_usage("--by and --override take one line of text "
                           "(--override at most %d bytes)", OVERRIDE_MAX);
    struct screen_config cfg;
    if ((rc = tzctl_screen_config(c, &cfg)) != 0)
        return rc;
    struct tz_register *reg;
    if ((rc = tzctl_open(c, 0, &reg)) != 0)
        return rc;
    struct tz_error err = {0};
    uint64_t sid = 0, rid = 0;
    Tz__SystemRecord *sys = NULL;
    const Tz__ScreeningSummary *scr = NULL;
    Tz__ScreeningSummary scr_buf;
    Tz__Screening *scr_held = NULL;
    int64_t now = (int64_t)time(NULL);
    rc = tzctl_find_system(reg, a.system, &sid);
    if (rc == 0 && register_system_get(reg, sid, &sys, &err) != 0)
        rc = tzctl_fail_err(&err);
    else if (rc == 0 && strcmp(sys->status, "retired") == 0)
        rc = tzctl_fail("system %" PRIu64 " (%s) is retired", sid, sys->name);
    if (rc == 0)
        rc = pick_screening(reg, sys, a.screening, &scr_held, &scr_buf, &scr);
    if (rc == 0 && a.pass)
        rc = pass_allowed(&a, sys->name, scr, cfg.max_screening_age_days, now);
    if (rc == 0) {
        char report[24] = "";
        if (scr)
            snprintf(report, sizeof(report), "%" PRIu64, scr->screening_id);
        Tz__Prelaunch pl = TZ__PRELAUNCH__INIT;
        pl.status = a.pass ? "passed" : "failed";
        pl.day = civil_today((time_t)now);
        pl.reviewer = (char *)c->actor.name;
        pl.report_id = report;
        pl.screening_id = scr ? scr->screening_id : 0;
        pl.override_reason = (char *)(a.override ? a.override : "");
        Tz__SystemRecord copy = *sys;
        copy.prelaunch = &pl;
        Tz__Review rev = TZ__REVIEW__INIT;
        rev.system_id = sid;
        rev.at = now;
        rev.passed = a.pass;
        rev.reviewer = (char *)c->actor.name;
        rev.actor = (char *)c->login;
        rev.via = (char *)c->actor.via;
        rev.screening = (Tz__ScreeningSummary *)scr;
        rev.override_reason = pl.override_reason;
        if (register_review_add(reg, &rev, &copy, sys->revision, now, &c->actor,
                                &rid, &err) != 0)
            rc = tzctl_fail_err(&err);
    }
    register_close(reg);
    if (rc == 0) {
        printf("review %" PRIu64 " of system %" PRIu64 " (%s): %s by %s", rid, sid,
               sys->name, a.pass ? "passed" : "failed", c->actor.name);
        if (scr)
            printf(" on screening %" PRIu64, scr->screening_id);
        if (a.override)
            printf(" over %u failing blocking item%s (override: %s)",
                   scr->blocking_failed, scr->blocking_failed == 1 ? "" : "s",
                   a.override);
        printf("\n");
        /* Not checked is not failed, but a reviewer should know what the
         * pass did not look at. */
        if (a.pass && scr && scr->not_checked)
            printf("note: screening %" PRIu64 " left %u item%s not checked (no "
                   "data to judge by: see tzctl screening show %" PRIu64 ")\n",
                   scr->screening_id, scr->not_checked,
                   scr->not_checked == 1 ? "" : "s", scr->screening_id);
    }
    if (scr_held)
        tz__screening__free_unpacked(scr_held, NULL);
    if (sys)
        protobuf_c_message_free_unpacked(&sys->base, NULL);
    return rc;
}
