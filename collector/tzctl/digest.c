/* digest — `tzctl digest preview --dept D [--since DATE]`: the e-mail
 * digest the department's 联络人 would get (collector/digest.h), printed
 * with its recipient and subject. Nothing is sent: sending is not built. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "digest.h"
#include "ledger_fields.h"
#include "report_period.h"
#include "rules_config.h"
#include "tzctl.h"

int tzctl_digest(const struct tzctl *c, int argc, char **argv)
{
    const char *pos, *opt, *val, *dept = NULL, *since_s = NULL;
    int dd = 0, preview = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (strcmp(pos, "preview") != 0 || preview)
                return tzctl_usage("digest: expected \"digest preview --dept D\"");
            preview = 1;
        } else if (tzctl_optval(opt, "--dept", argc, argv, &i, &val)) {
            if ((dept = val) == NULL || val[0] == '\0')
                return tzctl_usage("--dept needs a department");
        } else if (tzctl_optval(opt, "--since", argc, argv, &i, &val)) {
            if ((since_s = val) == NULL)
                return tzctl_usage("--since needs a date");
        } else {
            return tzctl_usage("digest: unknown option %s", opt);
        }
    }
    if (!preview || dept == NULL)
        return tzctl_usage("digest: expected \"digest preview --dept D\"");
    int64_t now = (int64_t)time(NULL), since = now - 7 * 86400;
    if (since_s) {
        int32_t day;
        char why[LEDGER_WHY];
        if (ledger_parse_date(since_s, &day, why, sizeof(why)) != 0 || day == 0)
            return tzctl_usage("--since: %s", why);
        since = report_day_start(day);
    }
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct rules_config rules;
    rc = tzctl_rules(reg, &rules, NULL);
    struct digest d = {0};
    struct tz_error err = {0};
    if (rc == 0 && digest_build(reg, dept, since, now, &rules, &d, &err) != 0)
        rc = tzctl_fail_err(&err);
    register_close(reg);
    if (rc == 0 && c->format == OUT_JSON) {
        cJSON *o = cJSON_CreateObject();
        if (o) {
            cJSON_AddStringToObject(o, "to", d.to);
            cJSON_AddStringToObject(o, "subject", d.subject);
            cJSON_AddStringToObject(o, "body", d.body);
            cJSON_AddBoolToObject(o, "would_send", !d.empty && d.to[0]);
        }
        if (out_print_json(o) != 0)
            rc = tzctl_fail("out of memory");
    } else if (rc == 0) {
        printf("To: %s\nSubject: %s\n\n%s", d.to[0] ? d.to : "(no 联络人邮箱 set)",
               d.subject, d.body);
        if (d.empty)
            puts("\n(nothing new, nothing overdue, nothing due: no mail would be sent)");
        else if (d.to[0] == '\0')
            puts("\n(no mail would be sent: set it with tzctl dept set D liaison_email=...)");
    }
    digest_free(&d);
    return rc;
}
