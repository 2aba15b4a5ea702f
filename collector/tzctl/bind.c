/* bind — `tzctl bind HOST SYSTEM` and `tzctl unbind HOST`: the operator's
 * explicit word on which system a host serves, which outranks the agent's
 * config and any IP or hostname match (register_host_binding). HOST is an
 * id or a hostname only one host has; SYSTEM an id or a unique name.
 * Only this explicit binding may put a host into another department's
 * system (the network center's call, security review finding 2): it is
 * allowed, warned about, and recorded with who did it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "tzctl.h"

const char *tzctl_binding_source(Tz__BindingSource src)
{
    switch (src) {
    case TZ__BINDING_SOURCE__BIND_EXPLICIT: return "explicit";
    case TZ__BINDING_SOURCE__BIND_CONFIG: return "config";
    case TZ__BINDING_SOURCE__BIND_MATCH: return "match";
    default: return "";
    }
}

/* Two positionals at most (--by NAME is a global option: tzctl.h). */
static int bind_args(int argc, char **argv, const char *cmd, int want,
                     const char **words)
{
    const char *pos, *opt;
    int n = 0, dd = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (n == want)
                return tzctl_usage("%s takes %s", cmd,
                                   want == 2 ? "HOST SYSTEM" : "one HOST");
            words[n++] = pos;
        } else {
            return tzctl_usage("%s: unknown option %s", cmd, opt);
        }
    }
    if (n != want)
        return tzctl_usage("%s takes %s", cmd,
                           want == 2 ? "HOST SYSTEM" : "one HOST");
    return 0;
}

static int print_binding(const struct tzctl *c, const char *verb,
                         uint64_t host, const char *hostname, uint64_t sid,
                         Tz__BindingSource src)
{
    if (c->format == OUT_JSON) {
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || !cJSON_AddNumberToObject(o, "host", (double)host) ||
            !cJSON_AddStringToObject(o, "hostname", hostname) ||
            !(sid ? cJSON_AddNumberToObject(o, "system", (double)sid)
                  : cJSON_AddNullToObject(o, "system")) ||
            !cJSON_AddStringToObject(o, "source", tzctl_binding_source(src))) {
            cJSON_Delete(o);
            return tzctl_fail("out of memory");
        }
        char *s = cJSON_Print(o);
        cJSON_Delete(o);
        if (s == NULL)
            return tzctl_fail("out of memory");
        puts(s);
        free(s);
        return 0;
    }
    char *h = out_sanitize(hostname, NULL);
    if (src == TZ__BINDING_SOURCE__BIND_EXPLICIT)
        printf("%s host %" PRIu64 " (%s) to system %" PRIu64 "\n", verb,
               host, h ? h : "", sid);
    else if (sid)
        printf("%s host %" PRIu64 " (%s): it now belongs to system %" PRIu64
               " (%s)\n", verb, host, h ? h : "", sid,
               tzctl_binding_source(src));
    else
        printf("%s host %" PRIu64 " (%s): it now belongs to no system\n",
               verb, host, h ? h : "");
    free(h);
    return 0;
}

int tzctl_bind(const struct tzctl *c, int argc, char **argv)
{
    const char *w[2] = {NULL, NULL};
    int rc = bind_args(argc, argv, "bind", 2, w);
    if (rc != 0)
        return rc;
    struct tz_register *reg;
    if ((rc = tzctl_open(c, 0, &reg)) != 0)
        return rc;
    struct tz_error err = {0};
    uint64_t host, sid;
    char hostname[TZ_MAX_NAME_BUF], dept[TZ_MAX_NAME_BUF];
    Tz__SystemRecord *sys = NULL;
    const char *who = c->actor.name;
    rc = tzctl_find_host(reg, w[0], &host, hostname, dept);
    if (rc == 0)
        rc = tzctl_find_system(reg, w[1], &sid);
    if (rc == 0 && register_system_get(reg, sid, &sys, &err) != 0)
        rc = tzctl_fail_err(&err);
    if (rc == 0 && register_bind(reg, host, sid, who, (int64_t)time(NULL),
                                 &err) != 0)
        rc = tzctl_fail_err(&err);
    register_close(reg);
    if (rc == 0)
        rc = print_binding(c, "bound", host, hostname, sid,
                           TZ__BINDING_SOURCE__BIND_EXPLICIT);
    if (rc == 0 && strcmp(dept, sys->dept) != 0) {
        char *h = out_sanitize(hostname, NULL), *hd = out_sanitize(dept, NULL);
        char *sn = out_sanitize(sys->name, NULL), *sd = out_sanitize(sys->dept, NULL);
        char *op = out_sanitize(who, NULL);
        fflush(stdout);
        fprintf(stderr, "tzctl: warning: host %" PRIu64 " (%s) of %s is now "
                "bound to system %" PRIu64 " (%s) of %s, another department; "
                "recorded as a binding across departments by %s\n", host,
                h ? h : "", hd ? hd : "", sid, sn ? sn : "", sd ? sd : "",
                op && op[0] ? op : "(unknown)");
        free(h);
        free(hd);
        free(sn);
        free(sd);
        free(op);
    }
    if (sys)
        protobuf_c_message_free_unpacked(&sys->base, NULL);
    return rc;
}

int tzctl_unbind(const struct tzctl *c, int argc, char **argv)
{
    const char *w[1] = {NULL};
    int rc = bind_args(argc, argv, "unbind", 1, w);
    if (rc != 0)
        return rc;
    struct tz_register *reg;
    if ((rc = tzctl_open(c, 0, &reg)) != 0)
        return rc;
    struct tz_error err = {0};
    uint64_t host;
    struct register_binding b = {0};
    char hostname[TZ_MAX_NAME_BUF];
    rc = tzctl_find_host(reg, w[0], &host, hostname, NULL);
    if (rc == 0 && register_unbind(reg, host, c->actor.name,
                                   (int64_t)time(NULL), &err) != 0)
        rc = tzctl_fail_err(&err);
    /* Say where the host stands now: config or a match may still hold it. */
    if (rc == 0 && register_binding_of(reg, host, &b, &err) != 0)
        rc = tzctl_fail_err(&err);
    register_close(reg);
    if (rc == 0)
        rc = print_binding(c, "unbound", host, hostname, b.system_id, b.src);
    if (rc == 0 && b.refused_id && c->format != OUT_JSON)
        printf("its agent config names system %" PRIu64 " of another "
               "department: refused (flag BINDING_OTHER_DEPT)\n", b.refused_id);
    if (rc == 0 && b.candidates_total && c->format != OUT_JSON) {
        printf("its addresses or hostname match %zu systems (", b.candidates_total);
        for (size_t i = 0; i < b.n_candidates; i++)
            printf("%s%" PRIu64, i ? ", " : "", b.candidates[i]);
        printf("%s): bound to none (flag AMBIGUOUS_BINDING); bind it with "
               "tzctl bind %" PRIu64 " SYSTEM\n",
               b.candidates_total > b.n_candidates ? ", ..." : "", host);
    }
    return rc;
}
