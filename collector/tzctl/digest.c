/* digest — `tzctl digest preview --dept D|--school [--since DATE]`: the
 * e-mail digest the department's 联络人 (or, with --school, the network
 * center) would get next (collector/digest.h, digest_school.h), printed
 * with its recipient and subject, and whether the collector would send it
 * (digest_run.h: not when empty or unchanged since the last mail sent).
 * The collector sends on its schedule ([digest] of tz-collector.ini);
 * `tzctl digest send --dept D|--school [--force]` sends that digest now,
 * through the same SMTP settings, and records it as the collector would
 * (the next scheduled digest counts from it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "civil_day.h"
#include "collector_config.h"
#include "digest.h"
#include "digest_run.h"
#include "digest_school.h"
#include "tz_log.h"
#include "ledger_fields.h"
#include "report_period.h"
#include "rules_config.h"
#include "tzctl.h"

#define DIGEST_USAGE "digest: expected \"digest preview|send --dept D|--school\""

struct preview {
    const char *dept;            /* NULL: the school-wide digest */
    int64_t since;               /* 0: from the stored state */
    int64_t now;
    int send, force;             /* digest send [--force] */
};

/* Why no mail would go out, or NULL when one would. */
static const char *why_not(const struct digest *d, const struct digest_state *st)
{
    if (d->empty)
        return "nothing new, nothing overdue, nothing due: no mail would be sent";
    if (digest_unchanged(d, st))
        return "nothing new and the same as the last mail sent: no mail would be sent";
    if (d->to[0] == '\0')
        return "no mail would be sent: no address (tzctl dept set D liaison_email=..., "
               "or school_to in [digest])";
    return NULL;
}

static void print_text(const struct digest *d, const struct digest_state *st)
{
    printf("To: %s\nSubject: %s\n\n%s", d->to[0] ? d->to : "(no address set)",
           d->subject, d->body);
    const char *why = why_not(d, st);
    if (why)
        printf("\n(%s)\n", why);
    if (st->last_sent) {
        char day[11];
        civil_format(civil_today((time_t)st->last_sent), day);
        printf("(last sent %s)\n", day);
    }
    if (st->last_error[0])
        printf("(last attempt failed: %s)\n", st->last_error);
}

static int print_json(const struct digest *d, const struct digest_state *st)
{
    cJSON *o = cJSON_CreateObject();
    if (o) {
        cJSON_AddStringToObject(o, "to", d->to);
        cJSON_AddStringToObject(o, "subject", d->subject);
        cJSON_AddStringToObject(o, "body", d->body);
        cJSON_AddBoolToObject(o, "would_send", why_not(d, st) == NULL);
        cJSON_AddNumberToObject(o, "last_sent", (double)st->last_sent);
        cJSON_AddStringToObject(o, "last_error", st->last_error);
    }
    return out_print_json(o) != 0 ? tzctl_fail("out of memory") : 0;
}

static int preview(const struct tzctl *c, const struct preview *p)
{
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct rules_config rules;
    rc = tzctl_rules(reg, &rules, NULL);
    struct digest d = {0};
    struct digest_state st;
    struct tz_error err = {0};
    if (rc == 0 && digest_state_load(reg, p->dept, &st, &err) != 0)
        rc = tzctl_fail_err(&err);
    /* The window the collector would use: from the last mail sent. */
    int64_t since = p->since ? p->since
                             : digest_since(&st, &c->cfg->digest.schedule, p->now);
    if (rc == 0 && (p->dept ? digest_build(reg, p->dept, since, p->now, &rules, &d, &err)
                            : digest_school_build(reg, since, p->now, &rules, &d,
                                                  &err)) != 0)
        rc = tzctl_fail_err(&err);
    register_close(reg);
    if (rc == 0 && p->dept == NULL) {
        free(d.to);
        if ((d.to = strdup(c->cfg->digest.school_to)) == NULL)
            rc = tzctl_fail("out of memory");
    }
    if (rc == 0)
        rc = c->format == OUT_JSON ? print_json(&d, &st) : (print_text(&d, &st), 0);
    digest_free(&d);
    return rc;
}

/* Send the digest now and record how it went; the outcome on stdout,
 * a failure as tzctl's error (exit 1). */
static int send_now(const struct tzctl *c, const struct preview *p)
{
    const struct digest_config *cfg = &c->cfg->digest;
    if (cfg->smtp_url[0] == '\0')
        return tzctl_fail("no SMTP server: set smtp_url in [digest] of the collector's "
                          "configuration (--config FILE)");
    struct tz_register *reg;
    int rc = tzctl_open(c, 0, &reg);
    if (rc != 0)
        return rc;
    struct rules_config rules;
    rc = tzctl_rules(reg, &rules, NULL);
    struct digest_batch b;
    struct tz_error err = {0};
    if (rc == 0 && digest_plan_now(reg, cfg, &rules, p->dept, p->now, p->force, &b,
                                   &err) != 0) {
        register_close(reg);
        return tzctl_fail_err(&err);
    }
    if (rc != 0) {
        register_close(reg);
        return rc;
    }
    /* the SMTP client's own warnings belong to the collector's log */
    tz_log_init("tzctl", TZ_LOG_ERROR);
    digest_batch_send(cfg, &b);
    const struct digest_job *j = &b.jobs[0];
    if (digest_batch_record(reg, cfg, &b, &err) != 0)
        rc = tzctl_fail_err(&err);
    else if (j->message == NULL && j->rc == 0)
        printf("not sent: nothing new since the last digest sent (or nothing to say); "
               "--force sends it anyway\n");
    else if (j->rc != 0)
        rc = tzctl_fail("digest of %s to %s not sent: %s",
                        p->dept ? p->dept : "the school", j->to, j->why);
    else
        printf("sent the digest of %s to %s\n", p->dept ? p->dept : "the school",
               j->to);
    digest_batch_free(&b);
    register_close(reg);
    return rc;
}

int tzctl_digest(const struct tzctl *c, int argc, char **argv)
{
    const char *pos, *opt, *val, *since_s = NULL;
    int dd = 0, verb = 0, school = 0;
    struct preview p = {0};
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if ((strcmp(pos, "preview") != 0 && strcmp(pos, "send") != 0) || verb)
                return tzctl_usage(DIGEST_USAGE);
            verb = 1;
            p.send = pos[0] == 's';
        } else if (strcmp(opt, "--force") == 0) {
            p.force = 1;
        } else if (tzctl_optval(opt, "--dept", argc, argv, &i, &val)) {
            if ((p.dept = val) == NULL || val[0] == '\0')
                return tzctl_usage("--dept needs a department");
        } else if (strcmp(opt, "--school") == 0) {
            school = 1;
        } else if (tzctl_optval(opt, "--since", argc, argv, &i, &val)) {
            if ((since_s = val) == NULL)
                return tzctl_usage("--since needs a date");
        } else {
            return tzctl_usage("digest: unknown option %s", opt);
        }
    }
    if (!verb || (p.dept == NULL) == !school)
        return tzctl_usage(DIGEST_USAGE);
    if (p.send && since_s)
        return tzctl_usage("digest send: --since is preview's (a digest sent counts "
                           "from the last one sent)");
    if (!p.send && p.force)
        return tzctl_usage("digest preview: --force is send's");
    p.now = (int64_t)time(NULL);
    if (since_s) {
        int32_t day;
        char why[LEDGER_WHY];
        if (ledger_parse_date(since_s, &day, why, sizeof(why)) != 0 || day == 0)
            return tzctl_usage("--since: %s", why);
        p.since = report_day_start(day);
    }
    return p.send ? send_now(c, &p) : preview(c, &p);
}
