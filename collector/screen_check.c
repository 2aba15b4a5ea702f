/* screen_check — the screening's driver: which hosts can be judged, the
 * system items, and the result message in checklist order. */
#include "screen_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_fields.h"
#include "screen_evidence.h"
#include "screen_host.h"
#include "screen_scan.h"
#include "tz_limits.h"

#define PASS TZ__SCREEN_OUTCOME__SCREEN_PASS
#define FAIL TZ__SCREEN_OUTCOME__SCREEN_FAIL
#define NOT_CHECKED TZ__SCREEN_OUTCOME__SCREEN_NOT_CHECKED

#define NAME_CUT 64   /* a host name inside evidence */

/* Why a host's report cannot be judged; HS_OK when it can. */
enum host_state { HS_OK, HS_NOT_ANSWERED, HS_NEVER, HS_STALE };

struct host_view {
    const struct screen_host *h;
    size_t index;                /* in the caller's array (screen_scan) */
    enum host_state state;
    int64_t age_hours;           /* HS_STALE */
    char name[TZ_MAX_NAME_BUF];  /* cleaned hostname */
};

struct build {
    const struct screen_config *cfg;
    const struct screen_input *in;
    struct host_view *hosts;     /* sorted by agent id */
    Tz__ScreeningResult *res;
    char sys_name[TZ_MAX_NAME_BUF];
};

/* ---- the result message ---- */

static int dup_into(char **slot, const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        return TZ_ENOMEM;
    *slot = d;
    return 0;
}

/* Every string is a heap copy as soon as it is set, the others keep the
 * protobuf default: free_unpacked frees a half-built item correctly. */
static int add_item(struct build *b, enum screen_item it, int host, uint64_t id,
                    const char *name, Tz__ScreenOutcome o, const struct screen_ev *ev)
{
    const struct screen_item_def *d = &b->cfg->item[it];
    Tz__ScreeningItem *x = malloc(sizeof(*x));
    if (x == NULL)
        return TZ_ENOMEM;
    tz__screening_item__init(x);
    b->res->items[b->res->n_items++] = x;
    x->subject_id = id;
    x->outcome = o;
    x->blocking = d->blocking != 0;
    if (dup_into(&x->id, screen_item_name(it)) ||
        dup_into(&x->subject_kind, host ? "host" : "system") ||
        dup_into(&x->subject_name, name) || dup_into(&x->evidence, ev->en.s) ||
        dup_into(&x->evidence_zh, ev->zh.s) ||
        dup_into(&x->label_zh, d->label_zh) || dup_into(&x->label_en, d->label_en) ||
        dup_into(&x->cites, d->cites) || dup_into(&x->remedy_zh, d->remedy_zh) ||
        dup_into(&x->remedy_en, d->remedy_en))
        return TZ_ENOMEM;
    if (o == FAIL && x->blocking)
        b->res->blocking_failed++;
    else if (o == FAIL)
        b->res->advisory_failed++;
    else if (o == NOT_CHECKED)
        b->res->not_checked++;
    return 0;
}

/* ---- the hosts ---- */

static int by_agent(const void *x, const void *y)
{
    uint64_t a = ((const struct host_view *)x)->h->agent->agent_id;
    uint64_t b = ((const struct host_view *)y)->h->agent->agent_id;
    return a < b ? -1 : a > b;
}

static void host_state(const struct screen_input *in, int max_age_hours,
                       struct host_view *v)
{
    const Tz__AgentRecord *a = v->h->agent;
    const Tz__Report *r = v->h->report;
    int64_t last = a->last_report_at ? a->last_report_at : (r ? r->collected_at : 0);
    v->state = HS_OK;
    if (r == NULL)
        v->state = HS_NEVER;
    else if (in->fresh && !v->h->answered)
        v->state = HS_NOT_ANSWERED;
    else if (!in->fresh && in->now - last > (int64_t)max_age_hours * 3600) {
        v->state = HS_STALE;
        v->age_hours = (in->now - last) / 3600;
    }
    ev_clean(v->name, sizeof(v->name), a->hostname);
    if (v->name[0] == '\0')
        snprintf(v->name, sizeof(v->name), "(unnamed, agent %llu)",
                 (unsigned long long)a->agent_id);
}

static int hosts_view(struct build *b, struct tz_error *err)
{
    const struct screen_input *in = b->in;
    b->hosts = calloc(in->n_hosts ? in->n_hosts : 1, sizeof(*b->hosts));
    if (b->hosts == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < in->n_hosts; i++) {
        if (in->hosts[i].agent == NULL)
            return tz_err(err, TZ_EINVAL, NULL, 0, "host %zu has no agent record", i);
        b->hosts[i].h = &in->hosts[i];
        b->hosts[i].index = i;
        host_state(in, b->cfg->max_report_age_hours, &b->hosts[i]);
    }
    qsort(b->hosts, in->n_hosts, sizeof(*b->hosts), by_agent);
    for (size_t i = 1; i < in->n_hosts; i++)
        if (b->hosts[i].h->agent->agent_id == b->hosts[i - 1].h->agent->agent_id)
            return tz_err(err, TZ_EINVAL, NULL, 0, "agent %llu is listed twice",
                          (unsigned long long)b->hosts[i].h->agent->agent_id);
    return 0;
}

static void why_not_judged(const struct build *b, const struct host_view *v,
                           struct screen_ev *ev)
{
    switch (v->state) {
    case HS_NEVER:
        ev_text(ev, "the host has never reported", "该主机从未上报");
        break;
    case HS_NOT_ANSWERED:
        ev_text(ev, "the host did not answer the fresh collection",
                "该主机未应答本次现场采集");
        break;
    default:
        ev_text(ev, "the host's last report is %lld h old (limit %d h)",
                "该主机最近一次上报已过 %lld 小时（上限 %d 小时）",
                (long long)v->age_hours, b->cfg->max_report_age_hours);
        break;
    }
}

static int host_items(struct build *b, enum screen_item it)
{
    for (size_t i = 0; i < b->in->n_hosts; i++) {
        const struct host_view *v = &b->hosts[i];
        struct screen_ev ev;
        ev_init(&ev);
        Tz__ScreenOutcome o = NOT_CHECKED;
        if (v->state == HS_OK)
            o = screen_judge_host(b->cfg, it, v->h->report, &ev);
        else
            why_not_judged(b, v, &ev);
        ev_done(&ev);
        int rc = add_item(b, it, 1, v->h->agent->agent_id, v->name, o, &ev);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- the system items ---- */

static Tz__ScreenOutcome no_hosts(const struct build *b, struct screen_ev *ev)
{
    if (b->in->n_hosts == 0) {
        ev_text(ev, "no host is bound to system %llu (%s)", "系统 %llu（%s）未绑定任何主机",
                (unsigned long long)b->in->system->system_id, b->sys_name);
        return FAIL;
    }
    ev_text(ev, "%zu host%s bound: ", "已绑定 %zu 台主机%.0s：", b->in->n_hosts,
            b->in->n_hosts == 1 ? "" : "s");
    for (size_t i = 0; i < b->in->n_hosts; i++)
        ev_item(ev, ", ", "%s", "%s", b->hosts[i].name);
    return PASS;
}

static Tz__ScreenOutcome host_silent(const struct build *b, struct screen_ev *ev)
{
    char name[NAME_CUT];
    if (b->in->n_hosts == 0) {
        ev_text(ev, "no host is bound", "未绑定任何主机");
        return NOT_CHECKED;
    }
    for (size_t i = 0; i < b->in->n_hosts; i++) {
        const struct host_view *v = &b->hosts[i];
        unsigned long long id = (unsigned long long)v->h->agent->agent_id;
        ev_clean(name, sizeof(name), v->name);
        if (v->state == HS_NEVER)
            ev_item(ev, "; ", "%s (agent %llu): never reported", "%s（agent %llu）：从未上报",
                    name, id);
        else if (v->state == HS_NOT_ANSWERED)
            ev_item(ev, "; ", "%s (agent %llu): did not answer the fresh collection",
                    "%s（agent %llu）：未应答本次现场采集", name, id);
        else if (v->state == HS_STALE)
            ev_item(ev, "; ", "%s (agent %llu): last report %lld h ago (limit %d h)",
                    "%s（agent %llu）：最近一次上报在 %lld 小时前（上限 %d 小时）",
                    name, id, (long long)v->age_hours, b->cfg->max_report_age_hours);
    }
    if (ev_entries(ev))
        return FAIL;
    if (b->in->fresh)
        ev_text(ev, "all %zu hosts answered the fresh collection",
                "全部 %zu 台主机均已应答本次现场采集", b->in->n_hosts);
    else
        ev_text(ev, "all %zu hosts reported within %d h", "全部 %zu 台主机均在 %d 小时内上报过",
                b->in->n_hosts, b->cfg->max_report_age_hours);
    return PASS;
}

/* 1 when the field has no value: "" as ledger_field_format prints it. */
static int field_empty(const Tz__SystemRecord *s, const struct ledger_field *f)
{
    char buf[8];
    int rc = ledger_field_format(s, f->key, buf, sizeof(buf));
    return rc == 0 && buf[0] == '\0';
}

static void fields(const Tz__SystemRecord *s, const uint8_t *ids, int n, int want_empty,
                   struct screen_ev *ev)
{
    for (int i = 0; i < n; i++) {
        const struct ledger_field *f = &ledger_fields[ids[i] % LF_COUNT];
        if (field_empty(s, f) == want_empty)
            ev_item(ev, ", ", "%s (%s)", "%s (%s)", f->label, f->key);
    }
}

static Tz__ScreenOutcome ledger(const struct build *b, struct screen_ev *ev)
{
    const struct screen_config *c = b->cfg;
    const Tz__SystemRecord *s = b->in->system;
    int pub = s->public_facing;
    ev_text(ev, "missing ", "缺少：");
    fields(s, c->required, c->n_required, 1, ev);
    if (pub)
        fields(s, c->required_public, c->n_required_public, 1, ev);
    if (ev_entries(ev)) {
        if (pub)
            ev_text(ev, " (public-facing)", "（对外服务系统）");
        return FAIL;
    }
    ev_init(ev);
    ev_text(ev, "filled: ", "已填写：");
    fields(s, c->required, c->n_required, 0, ev);
    if (pub)
        fields(s, c->required_public, c->n_required_public, 0, ev);
    if (ev_entries(ev) == 0) {
        ev_init(ev);
        ev_text(ev, "no ledger field is required", "没有必填的台账字段");
    }
    if (pub)
        ev_text(ev, " (public-facing)", "（对外服务系统）");
    else if (c->n_required_public)
        ev_text(ev, "; not public-facing: no ICP or 公安 filing needed",
                "；不对外服务：无需 ICP 备案和公安备案");
    return PASS;
}

/* 0 when the scan can be judged; else 1 with why it cannot in ev. */
static int scan_missing(const struct scan_result *scan, struct screen_ev *ev)
{
    char why[256];
    if (scan == NULL) {
        ev_text(ev, "no scan was asked for (tzctl screen --scan)",
                "未要求扫描（tzctl screen --scan）");
        return 1;
    }
    if (!scan->ran) {
        ev_clean(why, sizeof(why), scan->why_not);
        ev_text(ev, "the scan did not run: %s%.0s", "扫描未运行：%.0s%s",
                why[0] ? why : "no reason given", why[0] ? why : "未说明原因");
        return 1;
    }
    return 0;
}

static void open_entry(const struct scan_port *p, struct screen_ev *ev)
{
    char addr[sizeof(p->addr) + 1], svc[sizeof(p->service) + 1];
    memcpy(addr, p->addr, sizeof(p->addr));
    addr[sizeof(p->addr)] = '\0';
    memcpy(svc, p->service, sizeof(p->service));
    svc[sizeof(p->service)] = '\0';
    char a[sizeof(addr)], s[sizeof(svc)];
    ev_clean(a, sizeof(a), addr);
    ev_clean(s, sizeof(s), svc);
    int v6 = strchr(a, ':') != NULL;
    ev_item(ev, ", ", "%s%s%s:%u%s%s%s", "%s%s%s:%u%s%s%s", v6 ? "[" : "", a,
            v6 ? "]" : "", p->port, s[0] ? " (" : "", s, s[0] ? ")" : "");
}

/* After the open ports listed, how the scan's own bound shows. */
static Tz__ScreenOutcome scan_verdict(const struct scan_result *scan,
                                      struct screen_ev *ev, const char *pass,
                                      const char *pass_zh)
{
    if (ev_entries(ev)) {
        if (scan->truncated)
            ev_text(ev, " (the scan listed only the first %d open ports)",
                    "（扫描只列出了前 %d 个开放端口）", SCAN_MAX_OPEN);
        return FAIL;
    }
    ev_init(ev);
    if (scan->truncated) {
        ev_text(ev, "more than %d ports are open: the scan's list is cut",
                "开放端口超过 %d 个：扫描列表不完整", SCAN_MAX_OPEN);
        return NOT_CHECKED;
    }
    ev_text(ev, "%zu open ports on %zu addresses, %s%.0s",
            "共 %zu 个开放端口，分布在 %zu 个地址上，%.0s%s", scan->n_open, scan->n_addrs,
            pass, pass_zh);
    return PASS;
}

static int scan_unexplained(const struct build *b, struct screen_ev *ev,
                            Tz__ScreenOutcome *o)
{
    const struct scan_result *scan = b->in->scan;
    if (scan_missing(scan, ev)) {
        *o = NOT_CHECKED;
        return 0;
    }
    size_t n = scan->n_open < SCAN_MAX_OPEN ? scan->n_open : SCAN_MAX_OPEN;
    uint8_t *explained = malloc(n ? n : 1);
    if (explained == NULL)
        return TZ_ENOMEM;
    int rc = screen_scan_explain(scan, b->in->hosts, b->in->n_hosts, explained);
    if (rc == 0) {
        ev_text(ev, "open from the collector host, no agent reports a listener: ",
                "从采集服务器可访问、但没有 agent 报告相应监听的端口：");
        for (size_t i = 0; i < n; i++)
            if (!explained[i])
                open_entry(&scan->open[i], ev);
        *o = scan_verdict(scan, ev, "each explained by a listener of the system's hosts",
                          "均对应本系统主机上的监听");
    }
    free(explained);
    return rc;
}

static Tz__ScreenOutcome scan_high_risk(const struct build *b, struct screen_ev *ev)
{
    const struct scan_result *scan = b->in->scan;
    if (scan_missing(scan, ev))
        return NOT_CHECKED;
    size_t n = scan->n_open < SCAN_MAX_OPEN ? scan->n_open : SCAN_MAX_OPEN;
    ev_text(ev, "reachable from the collector host: ", "从采集服务器可访问的高危端口：");
    for (size_t i = 0; i < n; i++)
        if (rules_port_in(b->cfg->high_risk, b->cfg->n_high_risk, scan->open[i].port))
            open_entry(&scan->open[i], ev);
    return scan_verdict(scan, ev, "none of them a high-risk port", "均不是高危端口");
}

static int system_item(struct build *b, enum screen_item it)
{
    struct screen_ev ev;
    ev_init(&ev);
    Tz__ScreenOutcome o = NOT_CHECKED;
    int rc = 0;
    switch (it) {
    case SCREEN_NO_HOSTS: o = no_hosts(b, &ev); break;
    case SCREEN_HOST_SILENT: o = host_silent(b, &ev); break;
    case SCREEN_LEDGER_FIELDS: o = ledger(b, &ev); break;
    case SCREEN_SCAN_UNEXPLAINED_PORT: rc = scan_unexplained(b, &ev, &o); break;
    case SCREEN_SCAN_HIGH_RISK_PORT: o = scan_high_risk(b, &ev); break;
    default: ev_text(&ev, "not a system item", "不是系统检查项"); break;
    }
    if (rc)
        return rc;
    ev_done(&ev);
    return add_item(b, it, 0, b->in->system->system_id, b->sys_name, o, &ev);
}

/* ---- the driver ---- */

void screen_checker_version(const struct screen_config *cfg,
                            char out[SCREEN_VERSION_MAX])
{
    char d[SCREEN_DIGEST_LEN];
    screen_config_digest(cfg, d);
    snprintf(out, SCREEN_VERSION_MAX, "%s+checklist.%s", TZ_VERSION, d);
}

static int run(struct build *b, struct tz_error *err)
{
    const struct screen_input *in = b->in;
    size_t per_host = 0;
    for (int it = 0; it < SCREEN__COUNT; it++)
        per_host += screen_item_per_host(it) ? 1 : 0;
    size_t total = per_host * in->n_hosts + (SCREEN__COUNT - per_host);
    char version[SCREEN_VERSION_MAX];
    int rc = TZ_ENOMEM;
    if ((b->res = malloc(sizeof(*b->res))) == NULL)
        return tz_err(err, rc, NULL, 0, "out of memory");
    tz__screening_result__init(b->res);
    if ((b->res->items = calloc(total, sizeof(*b->res->items))) == NULL)
        return tz_err(err, rc, NULL, 0, "out of memory");
    if ((rc = hosts_view(b, err)) != 0)
        return rc;
    for (int it = 0; rc == 0 && it < SCREEN__COUNT; it++)
        rc = screen_item_per_host(it) ? host_items(b, it) : system_item(b, it);
    if (rc == TZ_ELIMIT)
        return tz_err(err, rc, NULL, 0, "the hosts list more than %u addresses",
                      SCREEN_SCAN_MAX_IPS);
    screen_checker_version(b->cfg, version);
    if (rc == 0)
        rc = dup_into(&b->res->checker_version, version);
    if (rc)
        return tz_err(err, rc, NULL, 0, "out of memory");
    b->res->passed = b->res->blocking_failed == 0;
    return 0;
}

int screen_check(const struct screen_config *cfg, const struct screen_input *in,
                 Tz__ScreeningResult **out, struct tz_error *err)
{
    if (out)
        *out = NULL;
    if (cfg == NULL || in == NULL || out == NULL || in->system == NULL ||
        (in->n_hosts && in->hosts == NULL))
        return tz_err(err, TZ_EINVAL, NULL, 0, "screen_check: missing argument");
    if (in->n_hosts > SCREEN_MAX_HOSTS)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "%zu hosts: a screening takes at most %d",
                      in->n_hosts, SCREEN_MAX_HOSTS);
    struct build b = {.cfg = cfg, .in = in};
    ev_clean(b.sys_name, sizeof(b.sys_name), in->system->name);
    int rc = run(&b, err);
    free(b.hosts);
    if (rc) {
        if (b.res)
            tz__screening_result__free_unpacked(b.res, NULL);
        return rc;
    }
    *out = b.res;
    return 0;
}
