/* host_retire — `tzctl host retire HOST [--reason TEXT]` and `tzctl host
 * merge OLD NEW [--force] [--reason TEXT]`: what to do with a DUPLICATE_HOST.
 * A retired host keeps its record and history but raises no flags, leaves
 * the default listings (`tzctl hosts --all` shows it) and its agent key is
 * refused; merging folds an old host into the one its machine re-enrolled
 * as (history and explicit binding move), then retires the old one. Both
 * hosts of a merge must have the same machine_id unless --force. The flags
 * of the hosts concerned (and their twins) are evaluated again at once. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admission.h"
#include "flags_update.h"
#include "rules_config.h"
#include "tzctl.h"
#include "utf8.h"

static int text_ok(const char *what, const char *s)
{
    size_t len = strlen(s);
    if (len > ADMISSION_REASON_MAX)
        return tzctl_usage("%s is %zu bytes; at most %d", what, len,
                           ADMISSION_REASON_MAX) == 0;
    if (tz_text_check(s, len, NULL) != TZ_TEXT_OK)
        return tzctl_usage("%s must be valid UTF-8 on one line, without control "
                           "characters", what) == 0;
    return 1;
}

/* The hosts' flags follow the change now, by the rules in force; the change
 * itself is stored either way. */
static void reflag(struct tz_register *reg, const uint64_t *ids, size_t n)
{
    struct rules_config rules;
    if (tzctl_rules(reg, &rules, NULL) != 0)
        return;
    struct tz_error err = {0};
    if (flags_update_hosts(reg, &rules, ids, n, (int64_t)time(NULL), &err) != 0) {
        char buf[700];
        fprintf(stderr, "tzctl: warning: flags were not updated: %s\n",
                tz_error_str(&err, buf, sizeof(buf)));
    }
}

struct args {
    const char *host[2];
    int n;
    const char *reason;
    int force;
};

static int parse(int argc, char **argv, int want, int allow_force, struct args *a,
                 const char *usage)
{
    const char *pos, *opt, *val;
    int dd = 0;
    memset(a, 0, sizeof(*a));
    a->reason = "";
    for (int i = 2; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (a->n == want)
                return tzctl_usage("expected \"%s\"", usage);
            a->host[a->n++] = pos;
        } else if (tzctl_optval(opt, "--reason", argc, argv, &i, &val)) {
            if (val == NULL)
                return tzctl_usage("--reason needs a text");
            a->reason = val;
        } else if (allow_force && strcmp(opt, "--force") == 0) {
            a->force = 1;
        } else {
            return tzctl_usage("host %s: unknown option %s", argv[1], opt);
        }
    }
    if (a->n != want)
        return tzctl_usage("expected \"%s\"", usage);
    return 0;
}

/* "3 (web1, 计算机学院)", terminal-safe: the names are what agents sent. */
static void host_words(uint64_t id, const char *hostname, const char *dept)
{
    char *h = out_sanitize(hostname, NULL), *d = out_sanitize(dept, NULL);
    printf("%" PRIu64 " (%s, %s)", id, h ? h : "", d ? d : "");
    free(h);
    free(d);
}

static int host_retire(const struct tzctl *c, int argc, char **argv)
{
    struct args a;
    int rc = parse(argc, argv, 1, 0, &a, "host retire HOST [--reason TEXT]");
    const char *by = c->actor.name ? c->actor.name : "";
    if (rc != 0 || !text_ok("--reason", a.reason) || !text_ok("--by", by))
        return rc ? rc : TZCTL_USAGE;
    struct tz_register *reg;
    if ((rc = tzctl_open(c, 0, &reg)) != 0)
        return rc;
    uint64_t id;
    char hostname[TZ_MAX_NAME_BUF], dept[TZ_MAX_NAME_BUF];
    if ((rc = tzctl_find_host(reg, a.host[0], &id, hostname, dept)) != 0) {
        register_close(reg);
        return rc;
    }
    Tz__AgentRetirement ret = TZ__AGENT_RETIREMENT__INIT;
    ret.at = (int64_t)time(NULL);
    ret.by = (char *)by;
    ret.reason = (char *)a.reason;
    struct tz_error err = {0};
    if (register_agent_retire(reg, id, &ret, &err) != 0) {
        register_close(reg);
        return tzctl_fail_err(&err);
    }
    reflag(reg, &id, 1);
    register_close(reg);
    fputs("retired host ", stdout);
    host_words(id, hostname, dept);
    puts(": its record and history stay, it raises no flags and its agent key "
         "is refused; `tzctl hosts --all` lists it.");
    return TZCTL_OK;
}

/* Same machine? Refused with both machine_ids unless --force. */
static int same_machine(struct tz_register *reg, uint64_t old_id, uint64_t new_id,
                        int force)
{
    Tz__AgentRecord *o = NULL, *n = NULL;
    struct tz_error err = {0};
    if (register_get_agent(reg, old_id, &o, &err) != 0 ||
        register_get_agent(reg, new_id, &n, &err) != 0) {
        if (o)
            protobuf_c_message_free_unpacked(&o->base, NULL);
        return tzctl_fail_err(&err);
    }
    int rc = TZCTL_OK;
    if (!force && (o->machine_id[0] == '\0' || strcmp(o->machine_id, n->machine_id) != 0)) {
        char *om = out_sanitize(o->machine_id, NULL), *nm = out_sanitize(n->machine_id, NULL);
        rc = tzctl_fail("host %" PRIu64 " (machine_id %s) and host %" PRIu64
                        " (machine_id %s) are not the same machine: nothing merged "
                        "(--force merges them anyway)", old_id,
                        om && om[0] ? om : "unknown", new_id, nm && nm[0] ? nm : "unknown");
        free(om);
        free(nm);
    }
    protobuf_c_message_free_unpacked(&o->base, NULL);
    protobuf_c_message_free_unpacked(&n->base, NULL);
    return rc;
}

static int host_merge(const struct tzctl *c, int argc, char **argv)
{
    struct args a;
    int rc = parse(argc, argv, 2, 1, &a, "host merge OLD NEW [--force] [--reason TEXT]");
    const char *by = c->actor.name ? c->actor.name : "";
    if (rc != 0 || !text_ok("--reason", a.reason) || !text_ok("--by", by))
        return rc ? rc : TZCTL_USAGE;
    struct tz_register *reg;
    if ((rc = tzctl_open(c, 0, &reg)) != 0)
        return rc;
    uint64_t ids[2];
    char oh[TZ_MAX_NAME_BUF], od[TZ_MAX_NAME_BUF], nh[TZ_MAX_NAME_BUF], nd[TZ_MAX_NAME_BUF];
    if ((rc = tzctl_find_host(reg, a.host[0], &ids[0], oh, od)) != 0 ||
        (rc = tzctl_find_host(reg, a.host[1], &ids[1], nh, nd)) != 0 ||
        (rc = same_machine(reg, ids[0], ids[1], a.force)) != 0) {
        register_close(reg);
        return rc;
    }
    Tz__AgentRetirement ret = TZ__AGENT_RETIREMENT__INIT;
    ret.at = (int64_t)time(NULL);
    ret.by = (char *)by;
    ret.reason = (char *)a.reason;
    ret.merged_into = ids[1];
    struct tz_error err = {0};
    int moved;
    if (register_agent_merge(reg, ids[0], ids[1], &ret, &moved, &err) != 0) {
        register_close(reg);
        return tzctl_fail_err(&err);
    }
    reflag(reg, ids, 2);
    register_close(reg);
    fputs("merged host ", stdout);
    host_words(ids[0], oh, od);
    fputs(" into host ", stdout);
    host_words(ids[1], nh, nd);
    fputs(": its history moved there", stdout);
    printf("%s; host %" PRIu64 " is retired.\n",
           moved ? ", and its explicit binding" : "", ids[0]);
    return TZCTL_OK;
}

int tzctl_host_retire(const struct tzctl *c, int argc, char **argv)
{
    if (strcmp(argv[1], "retire") == 0)
        return host_retire(c, argc, argv);
    return host_merge(c, argc, argv);
}
