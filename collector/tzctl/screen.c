/* screen — pre-launch screening (上线前安全审查, 第五条(五)):
 *   tzctl screen SYSTEM [--fresh] [--deadline S] [--scan|--no-scan]
 *                [--format text|json|html] [-o FILE] [--force]
 *   tzctl screenings SYSTEM
 *   tzctl screening show ID [--format ...] [-o FILE] [--force]
 *   tzctl screening requests [--all] [--dept D]
 *
 * A screening joins what other modules do: the hosts' fresh reports
 * (fresh.h, through the running collector), the outside scan (scan_nmap.h,
 * from this host), the checklist's judgement (screen_check.h, pure), the
 * register's storage and the renderer (screen_render.h). It stores the
 * exact data it judged — the ledger record, each host's agent record and
 * report (without its package list, which nothing judges), the scan — so
 * `screening show` prints it unchanged after the hosts move on. The
 * register is opened read-only for the wait and the scan (minutes), and
 * for writing only to store the result. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector_config.h"
#include "fresh.h"
#include "grow.h"
#include "scan_nmap.h"
#include "scan_ports.h"
#include "screen_check.h"
#include "screen_config.h"
#include "screen_render.h"
#include "tzctl.h"

#define SCREEN_DEFAULT_DEADLINE 120

/* The sections a screening judges: all but the package list. */
#define JUDGED_SECTIONS (~(1u << TZ__SECTION_KIND__SECTION_PACKAGES))

/* ---- settings ---- */

int tzctl_screen_config(const struct tzctl *c, struct screen_config *cfg)
{
    screen_config_defaults(cfg);
    struct tz_error err = {0};
    if (c->cfg->screening[0] &&
        screen_config_load(cfg, c->cfg->screening, &err) != 0)
        return tzctl_fail_err(&err);
    return 0;
}

/* The installed port list, else the source tree's (make run, tests). */
static const char *ports_path(const struct tzctl *c)
{
    if (c->cfg->screening_ports[0])
        return c->cfg->screening_ports;
    if (access(TZ_DATADIR "/screening-ports.txt", R_OK) == 0)
        return TZ_DATADIR "/screening-ports.txt";
    return TZ_SOURCE_SCHEMAS "/screening-ports.txt";
}

/* ---- writing a report ---- */

struct render {
    const Tz__Screening *s;
    enum screen_format f;
};

static int render_fd(int fd, void *arg)
{
    const struct render *r = arg;
    int fd2 = dup(fd);
    FILE *out = fd2 >= 0 ? fdopen(fd2, "w") : NULL;
    if (out == NULL) {
        if (fd2 >= 0)
            close(fd2);
        return tzctl_fail("cannot write the report");
    }
    struct tz_error err = {0};
    int rc = screen_render(r->s, r->f, out, &err);
    if (fclose(out) != 0 && rc == 0)
        return tzctl_fail("cannot write the report");
    return rc == 0 ? TZCTL_OK : tzctl_fail_err(&err);
}

/* To stdout, or whole to path. */
static int write_report(const Tz__Screening *s, enum screen_format f,
                        const char *path, int force)
{
    struct render r = {s, f};
    if (path == NULL || strcmp(path, "-") == 0) {
        struct tz_error err = {0};
        if (screen_render(s, f, stdout, &err) != 0)
            return tzctl_fail_err(&err);
        return TZCTL_OK;
    }
    return tzctl_write_file(path, force, "screening", render_fd, &r);
}

/* --format and -o FILE [--force], shared by screen and screening show.
 * 1 when opt was one of them (val consumed), 0 if not, TZCTL_USAGE on a
 * bad value (printed). */
struct out_opts {
    enum screen_format f;
    const char *path;
    int force;
};

static int out_opt(const char *opt, int argc, char **argv, int *i,
                   struct out_opts *o)
{
    const char *val;
    if (tzctl_optval(opt, "--format", argc, argv, i, &val)) {
        if (val == NULL || screen_format_parse(val, &o->f) != 0)
            return tzctl_usage("--format must be text, json or html");
        return 1;
    }
    if (tzctl_optval(opt, "-o", argc, argv, i, &val) ||
        tzctl_optval(opt, "--output", argc, argv, i, &val)) {
        if (val == NULL || val[0] == '\0')
            return tzctl_usage("-o needs a file (or - for stdout)");
        o->path = val;
        return 1;
    }
    if (strcmp(opt, "--force") == 0) {
        o->force = 1;
        return 1;
    }
    return 0;
}

/* ---- the outside view ---- */

static int scan_system(const struct tzctl *c, const Tz__SystemRecord *sys,
                       struct scan_result *res)
{
    static uint16_t ports[SCAN_NMAP_MAX_PORTS];
    size_t n_ports = 0;
    struct tz_error err = {0};
    memset(res, 0, sizeof(*res));
    if (scan_ports_load(ports_path(c), ports, SCAN_NMAP_MAX_PORTS, &n_ports, &err) != 0)
        return tzctl_fail_err(&err);
    if (sys->n_ips == 0) {
        snprintf(res->why_not, sizeof(res->why_not),
                 "the ledger lists no IP address for the system (IP地址)");
        return 0;
    }
    fprintf(stderr, "tzctl: scanning %zu ledger address entr%s of %s on %zu "
            "TCP ports with nmap (at most %zu s)\n", sys->n_ips,
            sys->n_ips == 1 ? "y" : "ies", sys->name, n_ports,
            c->cfg->screening_scan_timeout);
    int rc = scan_nmap((const char *const *)sys->ips, sys->n_ips, ports, n_ports,
                       (int)c->cfg->screening_scan_timeout, NULL, res, &err);
    /* An address nmap was not given (a name, a wide block) is the ledger's
     * problem to fix, shown as "not checked" and why. */
    if (rc == TZ_EINVAL || rc == TZ_ELIMIT) {
        res->ran = 0;
        if (res->why_not[0] == '\0')
            snprintf(res->why_not, sizeof(res->why_not), "%.200s", err.msg);
        return 0;
    }
    return rc == 0 ? 0 : tzctl_fail_err(&err);
}

/* The stored ScanRecord of res (borrowing its strings). */
struct scan_rec {
    Tz__ScanRecord r;
    Tz__ScannedPort *ports;
    Tz__ScannedPort **pv;
};

static int scan_rec_fill(struct scan_rec *s, const struct scan_result *res)
{
    tz__scan_record__init(&s->r);
    s->r.asked = 1;
    s->r.ran = res->ran;
    s->r.why_not = (char *)res->why_not;
    s->r.addrs = res->addrs;
    s->r.n_addrs = res->n_addrs;
    s->r.truncated = res->truncated;
    s->r.nmap_version = (char *)res->nmap_version;
    s->r.started_at = res->started_at;
    s->r.finished_at = res->finished_at;
    if (res->n_open == 0)
        return 0;
    s->ports = calloc(res->n_open, sizeof(*s->ports));
    s->pv = calloc(res->n_open, sizeof(*s->pv));
    if (s->ports == NULL || s->pv == NULL)
        return TZ_ENOMEM;
    for (size_t i = 0; i < res->n_open; i++) {
        tz__scanned_port__init(&s->ports[i]);
        s->ports[i].addr = (char *)res->open[i].addr;
        s->ports[i].port = res->open[i].port;
        s->ports[i].service = (char *)res->open[i].service;
        s->pv[i] = &s->ports[i];
    }
    s->r.open = s->pv;
    s->r.n_open = res->n_open;
    return 0;
}

/* ---- judging and storing ---- */

struct judged {
    Tz__SystemRecord *sys;
    struct fresh_host *fh;        /* the bound hosts, answered or not */
    size_t n;
    Tz__AgentRecord **rec;
    Tz__Report **rep;
    struct screen_host *sh;
    Tz__ScreenedHost *hosts;
    Tz__ScreenedHost **hv;
    Tz__ScreeningResult *result;
};

static void judged_free(struct judged *j)
{
    for (size_t i = 0; j->rec && i < j->n; i++) {
        if (j->rec[i])
            protobuf_c_message_free_unpacked(&j->rec[i]->base, NULL);
        if (j->rep[i])
            protobuf_c_message_free_unpacked(&j->rep[i]->base, NULL);
    }
    free(j->rec);
    free(j->rep);
    free(j->sh);
    free(j->hosts);
    free(j->hv);
    if (j->result)
        tz__screening_result__free_unpacked(j->result, NULL);
    if (j->sys)
        protobuf_c_message_free_unpacked(&j->sys->base, NULL);
}

/* Read the system and its hosts' latest reports and judge them. */
static int judge(struct tz_register *reg, uint64_t sid,
                 const struct screen_config *cfg, const struct scan_result *scan,
                 int fresh, int64_t now, struct judged *j)
{
    struct tz_error err = {0};
    if (register_system_get(reg, sid, &j->sys, &err) != 0)
        return tzctl_fail_err(&err);
    size_t n = j->n ? j->n : 1;
    j->rec = calloc(n, sizeof(*j->rec));
    j->rep = calloc(n, sizeof(*j->rep));
    j->sh = calloc(n, sizeof(*j->sh));
    j->hosts = calloc(n, sizeof(*j->hosts));
    j->hv = calloc(n, sizeof(*j->hv));
    if (!j->rec || !j->rep || !j->sh || !j->hosts || !j->hv)
        return tzctl_fail("out of memory");
    for (size_t i = 0; i < j->n; i++) {
        if (register_get_host_sections(reg, j->fh[i].id, JUDGED_SECTIONS,
                                       &j->rec[i], &j->rep[i], &err) != 0)
            return tzctl_fail_err(&err);
        int answered = fresh ? j->fh[i].answered : 1;
        j->sh[i] = (struct screen_host){j->rec[i], j->rep[i], answered};
        tz__screened_host__init(&j->hosts[i]);
        j->hosts[i].agent = j->rec[i];
        j->hosts[i].report = j->rep[i];
        j->hosts[i].answered = answered;
        j->hv[i] = &j->hosts[i];
    }
    struct screen_input in = {.system = j->sys, .hosts = j->sh, .n_hosts = j->n,
                              .scan = scan, .fresh = fresh, .now = now};
    if (screen_check(cfg, &in, &j->result, &err) != 0)
        return tzctl_fail_err(&err);
    return 0;
}

struct screen_args {
    const char *system;
    int fresh, scan;
    long deadline;
    struct out_opts out;
};

static int screen_parse(const struct tzctl *c, int argc, char **argv,
                        struct screen_args *a)
{
    const char *pos, *opt, *val;
    int dd = 0, r;
    a->deadline = SCREEN_DEFAULT_DEADLINE;
    a->scan = c->cfg->screening_scan;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (pos == NULL)
                continue;
            if (a->system)
                return tzctl_usage("screen takes one SYSTEM");
            a->system = pos;
        } else if (strcmp(opt, "--fresh") == 0) {
            a->fresh = 1;
        } else if (strcmp(opt, "--scan") == 0) {
            a->scan = 1;
        } else if (strcmp(opt, "--no-scan") == 0) {
            a->scan = 0;
        } else if (tzctl_optval(opt, "--deadline", argc, argv, &i, &val)) {
            char *end;
            a->deadline = val ? strtol(val, &end, 10) : -1;
            if (val == NULL || *end || a->deadline < 1 || a->deadline > 3600)
                return tzctl_usage("--deadline takes 1..3600 seconds");
        } else if ((r = out_opt(opt, argc, argv, &i, &a->out)) != 0) {
            if (r != 1)
                return r;
        } else {
            return tzctl_usage("screen: unknown option %s", opt);
        }
    }
    if (a->system == NULL)
        return tzctl_usage("screen needs a SYSTEM (id or name)");
    return 0;
}

int tzctl_screen(const struct tzctl *c, int argc, char **argv)
{
    struct screen_args a = {0};
    int rc = screen_parse(c, argc, argv, &a);
    if (rc != 0)
        return rc;
    struct screen_config cfg;
    if ((rc = tzctl_screen_config(c, &cfg)) != 0)
        return rc;

    /* Which system and hosts, read-only: the wait and the scan take long. */
    struct tz_register *reg;
    if ((rc = tzctl_open(c, REGISTER_RDONLY, &reg)) != 0)
        return rc;
    struct judged j = {0};
    struct tz_error err = {0};
    uint64_t sid = 0;
    rc = tzctl_find_system(reg, a.system, &sid);
    if (rc == 0 && register_system_get(reg, sid, &j.sys, &err) != 0)
        rc = tzctl_fail_err(&err);
    else if (rc == 0 && strcmp(j.sys->status, "retired") == 0)
        rc = tzctl_fail("system %" PRIu64 " (%s) is retired", sid, j.sys->name);
    else if (rc == 0)
        rc = tzctl_system_hosts(reg, sid, &j.fh, &j.n);
    register_close(reg);

    size_t published = 0;
    uint8_t request[16] = {0};
    if (rc == 0 && a.fresh && j.n > 0) {
        fprintf(stderr, "tzctl: asking %zu host%s of %s to report now (waiting "
                "up to %ld s)\n", j.n, j.n == 1 ? "" : "s", j.sys->name, a.deadline);
        rc = tzctl_fresh(c, j.fh, j.n, (int)a.deadline, &published, request);
    }
    struct scan_result scan;
    memset(&scan, 0, sizeof(scan));
    if (rc == 0 && a.scan)
        rc = scan_system(c, j.sys, &scan);
    if (j.sys) {
        protobuf_c_message_free_unpacked(&j.sys->base, NULL);
        j.sys = NULL;
    }

    /* Judge what the register holds now, and store it. */
    int64_t now = (int64_t)time(NULL);
    if (rc == 0 && (rc = tzctl_open(c, 0, &reg)) == 0) {
        rc = judge(reg, sid, &cfg, a.scan ? &scan : NULL, a.fresh, now, &j);
        struct scan_rec sr = {0};
        Tz__Screening s = TZ__SCREENING__INIT;
        if (rc == 0 && a.scan && scan_rec_fill(&sr, &scan) != 0)
            rc = tzctl_fail("out of memory");
        if (rc == 0) {
            s.system_id = sid;
            s.at = now;
            s.by = (char *)c->actor.name;
            s.via = (char *)c->actor.via;
            s.fresh = a.fresh;
            s.deadline_s = a.fresh ? (uint32_t)a.deadline : 0;
            if (a.fresh && j.n > 0) {
                s.collect_request_id.data = request;
                s.collect_request_id.len = sizeof(request);
            }
            s.system = j.sys;
            s.hosts = j.hv;
            s.n_hosts = j.n;
            s.scan = a.scan ? &sr.r : NULL;
            s.result = j.result;
            uint64_t id;
            if (register_screening_add(reg, &s, &id, &err) != 0)
                rc = tzctl_fail_err(&err);
            else
                s.screening_id = id;
        }
        register_close(reg);
        if (rc == 0)
            rc = write_report(&s, a.out.f, a.out.path, a.out.force);
        if (rc == 0) {
            const Tz__ScreeningResult *res = j.result;
            /* The verdict where the operator sees it, whatever the format. */
            fflush(stdout);
            fprintf(stderr, "tzctl: screening %" PRIu64 " of %s stored: %s (%u "
                    "blocking, %u advisory item%s failed, %u not checked)%s%s\n",
                    s.screening_id, j.sys->name, res->passed ? "passed" : "NOT PASSED",
                    res->blocking_failed, res->advisory_failed,
                    res->advisory_failed == 1 ? "" : "s", res->not_checked,
                    a.out.path && strcmp(a.out.path, "-") ? "; report in " : "",
                    a.out.path && strcmp(a.out.path, "-") ? a.out.path : "");
            if (!res->passed)
                rc = TZCTL_NOT_PASSED;
        }
        free(sr.ports);
        free(sr.pv);
    }
    scan_result_free(&scan);
    judged_free(&j);
    free(j.fh);
    return rc;
}

/* ---- screening show ---- */

static int parse_id(const char *s, uint64_t *id)
{
    char *end;
    if (s == NULL || s[0] < '0' || s[0] > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v == 0)
        return -1;
    *id = v;
    return 0;
}

static int screening_show(const struct tzctl *c, int argc, char **argv)
{
    const char *pos, *opt, *want = NULL;
    struct out_opts o = {0};
    int dd = 0, r;
    for (int i = 2; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (pos && want)
                return tzctl_usage("screening show takes one ID");
            if (pos)
                want = pos;
        } else if ((r = out_opt(opt, argc, argv, &i, &o)) != 0) {
            if (r != 1)
                return r;
        } else {
            return tzctl_usage("screening show: unknown option %s", opt);
        }
    }
    uint64_t id;
    if (parse_id(want, &id) != 0)
        return tzctl_usage("screening show needs a screening number (tzctl "
                           "screenings SYSTEM lists them)");
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    Tz__Screening *s = NULL;
    struct tz_error err = {0};
    if (register_screening_get(reg, id, &s, &err) != 0)
        rc = tzctl_fail_err(&err);
    register_close(reg);
    if (rc == 0)
        rc = write_report(s, o.f, o.path, o.force);
    if (rc == 0 && o.path && strcmp(o.path, "-") != 0)
        printf("screening %" PRIu64 " written to %s\n", id, o.path);
    if (s)
        tz__screening__free_unpacked(s, NULL);
    return rc;
}

/* ---- screenings SYSTEM: its screenings and decisions, oldest first ---- */

struct event {
    int64_t at;
    int review;                   /* 0: a screening */
    uint64_t id;
    char by[TZ_MAX_NAME_BUF];
    char result[16];
    char detail[600];
    cJSON *json;
};

struct events {
    struct event *v;
    size_t n, cap;
    int nomem;
};

static struct event *event_new(struct events *e)
{
    if (tz_grow((void **)&e->v, &e->cap, e->n, sizeof(*e->v)) != 0) {
        e->nomem = 1;
        return NULL;
    }
    struct event *ev = &e->v[e->n++];
    memset(ev, 0, sizeof(*ev));
    return ev;
}

static int screening_ev(const Tz__ScreeningSummary *s, void *arg)
{
    struct event *ev = event_new(arg);
    if (ev == NULL)
        return 1;
    ev->at = s->at;
    ev->id = s->screening_id;
    snprintf(ev->by, sizeof(ev->by), "%s", s->by);
    snprintf(ev->result, sizeof(ev->result), "%s", s->passed ? "passed" : "not passed");
    char answered[48] = "";
    if (s->not_answered)
        snprintf(answered, sizeof(answered), " (%u not answered)", s->not_answered);
    snprintf(ev->detail, sizeof(ev->detail),
             "%u blocking, %u advisory failed, %u not checked; %u host%s%s%s%s",
             s->blocking_failed, s->advisory_failed, s->not_checked, s->hosts,
             s->hosts == 1 ? "" : "s", answered, s->fresh ? ", fresh" : "",
             s->scanned ? ", scanned" : "");
    ev->json = screen_summary_json(s);
    return 0;
}

static int review_ev(const Tz__Review *r, void *arg)
{
    struct event *ev = event_new(arg);
    if (ev == NULL)
        return 1;
    ev->at = r->at;
    ev->review = 1;
    ev->id = r->review_id;
    snprintf(ev->by, sizeof(ev->by), "%s", r->reviewer);
    snprintf(ev->result, sizeof(ev->result), "%s", r->passed ? "pass" : "fail");
    if (r->screening)
        snprintf(ev->detail, sizeof(ev->detail), "on screening %" PRIu64 "%s%s",
                 r->screening->screening_id,
                 r->override_reason[0] ? "; override: " : "", r->override_reason);
    else
        snprintf(ev->detail, sizeof(ev->detail), "without a screening");
    ev->json = screen_review_json(r);
    return 0;
}

static int event_cmp(const void *a, const void *b)
{
    const struct event *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->review - y->review;   /* a screening before its decision */
}

static const struct out_col ev_cols[] = {
    {"KIND", "kind", OUT_WORD, "类别"},
    {"ID", "id", OUT_NUM, "编号"},
    {"AT", "at", OUT_STR, "时间"},
    {"BY", "by", OUT_STR, "经办人"},
    {"RESULT", "result", OUT_WORD, "结果"},
    {"DETAIL", "detail", OUT_STR, "说明"},
};

static int events_print(const struct tzctl *c, struct events *e)
{
    qsort(e->v, e->n, sizeof(*e->v), event_cmp);
    if (c->format == OUT_JSON) {
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; arr && i < e->n; i++) {
            cJSON *o = e->v[i].json;
            if (o == NULL) {
                cJSON_Delete(arr);
                return tzctl_fail("out of memory");
            }
            e->v[i].json = NULL;
            cJSON_AddStringToObject(o, "kind", e->v[i].review ? "review" : "screening");
            cJSON_AddNumberToObject(o, "id", (double)e->v[i].id);
            cJSON_AddItemToArray(arr, o);
        }
        if (arr == NULL)
            return tzctl_fail("out of memory");
        return out_print_json(arr) == 0 ? TZCTL_OK : tzctl_fail("cannot write output");
    }
    struct out_table *t = out_new(ev_cols, sizeof(ev_cols) / sizeof(ev_cols[0]));
    int rc = t ? 0 : tzctl_fail("out of memory");
    for (size_t i = 0; rc == 0 && i < e->n; i++) {
        char id[24], at[32];
        snprintf(id, sizeof(id), "%" PRIu64, e->v[i].id);
        tzctl_time(e->v[i].at, at);
        const char *cells[] = {e->v[i].review ? "review" : "screening", id, at,
                               e->v[i].by, e->v[i].result, e->v[i].detail};
        if (out_add(t, cells) != 0)
            rc = tzctl_fail("out of memory");
    }
    if (rc == 0 && out_write(t, c->format, stdout) != 0)
        rc = tzctl_fail("cannot write output");
    out_free(t);
    return rc;
}

int tzctl_screenings(const struct tzctl *c, int argc, char **argv)
{
    if (argc != 2)
        return tzctl_usage("screenings takes one SYSTEM (id or name)");
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    struct events e = {0};
    uint64_t sid;
    rc = tzctl_find_system(reg, argv[1], &sid);
    if (rc == 0 && (register_each_screening(reg, sid, screening_ev, &e, &err) < 0 ||
                    register_each_review(reg, sid, review_ev, &e, &err) < 0))
        rc = tzctl_fail_err(&err);
    else if (rc == 0 && e.nomem)
        rc = tzctl_fail("out of memory");
    register_close(reg);
    if (rc == 0)
        rc = events_print(c, &e);
    for (size_t i = 0; i < e.n; i++)
        cJSON_Delete(e.v[i].json);
    free(e.v);
    return rc;
}

/* ---- screening requests (上线申请) ---- */

static const struct out_col req_cols[] = {
    {"ID", "id", OUT_NUM, "编号"},
    {"SYSTEM", "system_id", OUT_NUM, "系统编号"},
    {"NAME", "system", OUT_STR, "系统名称"},
    {"DEPT", "dept", OUT_STR, "所属单位"},
    {"BY", "by", OUT_STR, "申请人"},
    {"AT", "at", OUT_STR, "申请时间"},
    {"STATE", "state", OUT_WORD, "状态"},
    {"NOTE", "note", OUT_STR, "说明"},
};

struct req_list {
    struct tz_register *reg;
    struct out_table *t;
};

static int req_row(const Tz__ScreeningRequest *r, void *arg)
{
    struct req_list *l = arg;
    char id[24], sid[24], at[32], state[64];
    snprintf(id, sizeof(id), "%" PRIu64, r->request_id);
    snprintf(sid, sizeof(sid), "%" PRIu64, r->system_id);
    tzctl_time(r->at, at);
    if (r->review_id)
        snprintf(state, sizeof(state), "closed by review %" PRIu64, r->review_id);
    else
        snprintf(state, sizeof(state), "open");
    Tz__SystemRecord *sys = NULL;
    struct tz_error err = {0};
    register_system_get(l->reg, r->system_id, &sys, &err);
    const char *cells[] = {id, sid, sys ? sys->name : "", r->dept, r->by, at,
                           state, r->note};
    int rc = out_add(l->t, cells) != 0 ? TZ_ENOMEM : 0;
    if (sys)
        protobuf_c_message_free_unpacked(&sys->base, NULL);
    return rc;
}

static int screening_requests(const struct tzctl *c, int argc, char **argv)
{
    const char *pos, *opt, *val, *dept = NULL;
    int dd = 0, all = 0;
    for (int i = 2; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (pos)
                return tzctl_usage("screening requests takes no argument");
        } else if (strcmp(opt, "--all") == 0) {
            all = 1;
        } else if (tzctl_optval(opt, "--dept", argc, argv, &i, &val)) {
            if (val == NULL || val[0] == '\0')
                return tzctl_usage("--dept needs a department");
            dept = val;
        } else {
            return tzctl_usage("screening requests: unknown option %s", opt);
        }
    }
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct req_list l = {reg, out_new(req_cols, sizeof(req_cols) / sizeof(req_cols[0]))};
    struct tz_error err = {0};
    if (l.t == NULL)
        rc = tzctl_fail("out of memory");
    else if ((rc = register_each_screening_request(reg, dept, !all, req_row, &l,
                                                   &err)) != 0)
        rc = rc == TZ_ENOMEM ? tzctl_fail("out of memory") : tzctl_fail_err(&err);
    register_close(reg);
    if (rc == 0 && out_write(l.t, c->format, stdout) != 0)
        rc = tzctl_fail("cannot write output");
    out_free(l.t);
    return rc;
}

int tzctl_screening(const struct tzctl *c, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "show") == 0)
        return screening_show(c, argc, argv);
    if (argc >= 2 && strcmp(argv[1], "requests") == 0)
        return screening_requests(c, argc, argv);
    return tzctl_usage("screening takes show ID or requests");
}
