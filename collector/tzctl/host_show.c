/* host_show — `tzctl host show HOST`: a summary first (identity, system,
 * department, open flags, patch, account and listener figures), then only
 * the long lists asked for (--packages, --accounts, ... or --all), so the
 * answer to "how is this host?" fits a screen. JSON carries everything. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admission.h"
#include "flag_catalog.h"
#include "pb_json.h"
#include "tzctl.h"
#include "value_words.h"

/* The long lists: each an option and a part of the report (or the agent
 * record itself, for --agent). */
enum sect { S_OS, S_HARDWARE, S_INTERFACES, S_PACKAGES, S_PATCH, S_ACCOUNTS,
            S_SSH, S_LISTENERS, S_AGENT, N_SECTS };

static const struct {
    const char *opt, *title, *title_zh;
} sects[N_SECTS] = {
    {"--os", "OS", "操作系统"},
    {"--hardware", "Hardware", "硬件"},
    {"--interfaces", "Interfaces", "网络接口"},
    {"--packages", "Packages", "软件包"},
    {"--patch", "Patch level", "补丁状态"},
    {"--accounts", "Accounts", "账户"},
    {"--ssh", "SSH", "SSH 配置"},
    {"--listeners", "Listeners", "监听端口"},
    {"--agent", "Agent record", "采集程序记录"},
};

static const ProtobufCMessage *sect_msg(const Tz__AgentRecord *rec,
                                        const Tz__Report *rep, enum sect s)
{
    if (s == S_AGENT)
        return &rec->base;
    if (rep == NULL)
        return NULL;
    const ProtobufCMessage *m[] = {
        rep->host ? &rep->host->base : NULL,
        rep->hardware ? &rep->hardware->base : NULL,
        rep->interfaces ? &rep->interfaces->base : NULL,
        rep->packages ? &rep->packages->base : NULL,
        rep->patch ? &rep->patch->base : NULL,
        rep->accounts ? &rep->accounts->base : NULL,
        rep->ssh ? &rep->ssh->base : NULL,
        rep->listeners ? &rep->listeners->base : NULL,
    };
    return m[s];
}

/* An enum value as the reader reads it (PW_WEAK: 弱口令, or weak). */
static const char *enum_word(const char *name)
{
    return value_word(name, out_zh());
}

/* pb_write_text into memory, then out with control characters defused:
 * the strings are what an agent sent, and this goes to a terminal. */
static int write_text_safe(const ProtobufCMessage *m, const char *indent)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return TZ_ENOMEM;
    int rc = pb_write_text(f, m, enum_word);
    if (fclose(f) != 0 && rc == 0)
        rc = TZ_EIO;
    if (rc == 0) {
        char *s = out_sanitize(buf, "\n");
        if (s == NULL) {
            rc = TZ_ENOMEM;
        } else {
            for (char *line = s, *nl; *line; line = nl + 1) {
                nl = strchr(line, '\n');
                if (nl == NULL)
                    nl = line + strlen(line) - 1;
                else
                    *nl = '\0';
                printf("%s%s\n", indent, line);
            }
            free(s);
        }
    }
    free(buf);
    return rc;
}

/* The summary in the reader's language (--lang). */
#define L(en, zh) (out_zh() ? (zh) : (en))

static void show_line(const char *label, const char *value)
{
    char *s = out_sanitize(value, NULL);
    printf("  %s", label);
    /* labels padded by display width: a Chinese one takes two per char */
    for (size_t w = out_width(label); w < 13; w++)
        putchar(' ');
    printf(" %s\n", s && s[0] ? s : "-");
    free(s);
}

/* The host's system and how it got there (register_host_binding). */
struct binding {
    uint64_t system_id;
    Tz__BindingSource src;
    char name[TZ_MAX_NAME_BUF];
    Tz__BindingRecord *rec;       /* the explicit binding, NULL if none */
    uint64_t refused_id;          /* another department's system refused */
    Tz__BindingSource refused_src;
    struct register_binding full; /* the candidates of an ambiguous match */
};

/* The host's open flags: how many of each severity, and their ids. */
struct open_flags {
    size_t n, by_sev[4];
    char ids[512];
    char last[TZ_MAX_NAME_BUF];   /* the id counted last */
};

static int count_flag(const Tz__FlagRecord *f, void *arg)
{
    struct open_flags *o = arg;
    o->n++;
    if ((unsigned)f->severity < 4)
        o->by_sev[f->severity]++;
    /* each id once: one subject's flags come in id order, so "WEAK_PASSWORD"
     * for three accounts is three in a row */
    if (strcmp(o->last, f->id) == 0)
        return 0;
    snprintf(o->last, sizeof(o->last), "%s", f->id);
    size_t used = strlen(o->ids), idn = strlen(f->id);
    if (used + idn + 8 < sizeof(o->ids))
        snprintf(o->ids + used, sizeof(o->ids) - used, "%s%s", used ? ", " : "",
                 f->id);
    return 0;
}

/* Who bound it explicitly, when, and whether it crossed departments. */
static void show_explicit(const Tz__BindingRecord *r)
{
    char t[32], line[3 * TZ_MAX_NAME_BUF + 96];
    tzctl_time(r->bound_at, t);
    snprintf(line, sizeof(line), "%s, %s", r->by[0] ? r->by : L("(unknown)", "（未知）"), t);
    show_line(L("bound by:", "绑定人："), line);
    if (r->host_dept[0] && r->system_dept[0] &&
        strcmp(r->host_dept, r->system_dept) != 0) {
        snprintf(line, sizeof(line), L("yes: host of %s, system of %s",
                                       "是：主机属于 %s，系统属于 %s"),
                 r->host_dept, r->system_dept);
        show_line(L("across depts:", "跨单位："), line);
    }
}

static void show_system(const struct binding *b)
{
    if (b->system_id) {
        char sys[TZ_MAX_NAME_BUF + 64];
        snprintf(sys, sizeof(sys), "%" PRIu64 " %s (%s)", b->system_id,
                 b->name, value_word(tzctl_binding_source(b->src), out_zh()));
        show_line(L("system:", "所属系统："), sys);
        if (b->rec)
            show_explicit(b->rec);
    } else {
        show_line(L("system:", "所属系统："), L("none (not in the ledger)", "无（未登记）"));
    }
    if (b->refused_id) {
        char r[128];
        snprintf(r, sizeof(r), L("system %" PRIu64 " of another department (%s): "
                                 "see BINDING_OTHER_DEPT",
                                 "其他单位的系统 %" PRIu64 "（%s）：见 BINDING_OTHER_DEPT"),
                 b->refused_id, value_word(tzctl_binding_source(b->refused_src), out_zh()));
        show_line(L("refused:", "拒绝绑定："), r);
    }
    if (b->full.candidates_total) {
        char r[BIND_CANDIDATES_MAX * 24 + 96];
        size_t used = (size_t)snprintf(r, sizeof(r), "%s", L("system", "系统"));
        for (size_t i = 0; i < b->full.n_candidates; i++)
            used += (size_t)snprintf(r + used, sizeof(r) - used, "%s %" PRIu64,
                                     i ? "," : "", b->full.candidates[i]);
        if (b->full.candidates_total > b->full.n_candidates)
            used += (size_t)snprintf(r + used, sizeof(r) - used, L(" and %zu more", " 等另 %zu 个"),
                                     b->full.candidates_total - b->full.n_candidates);
        snprintf(r + used, sizeof(r) - used, "%s",
                 L(": bound to none, see AMBIGUOUS_BINDING", "：均未绑定，见 AMBIGUOUS_BINDING"));
        show_line(L("matches:", "地址匹配："), r);
    }
}

static void show_identity(const Tz__AgentRecord *rec)
{
    char t[32];
    show_line(L("hostname:", "主机名："), rec->hostname);
    show_line(L("department:", "所属单位："), rec->dept);
    show_line(L("os:", "操作系统："), rec->os_pretty);
    show_line(L("kernel:", "内核："), rec->kernel);
    tzctl_time(rec->enrolled_at, t);
    show_line(L("enrolled:", "注册时间："), t);
    tzctl_time(rec->last_seen, t);
    show_line(L("last seen:", "最近联系："), t);
    tzctl_time(rec->last_report_at, t);
    show_line(L("last report:", "最近上报："), t[0] ? t : L("never", "从未"));
    if (rec->revocation) {
        const Tz__AgentRevocation *rv = rec->revocation;
        char line[2 * ADMISSION_REASON_MAX + 64];
        tzctl_time(rv->at, t);
        snprintf(line, sizeof(line), "%s%s%s%s%s%s", t,
                 rv->by[0] ? L(" by ", "，") : "", rv->by, rv->reason[0] ? L(": ", "：") : "",
                 rv->reason, L(" (its key is refused)", "（密钥已被拒绝）"));
        show_line(L("revoked:", "已吊销："), line);
    }
    char n[24];
    snprintf(n, sizeof(n), "%" PRIu64, rec->reports);
    show_line(L("reports:", "上报次数："), n);
}

static void show_flags(const struct open_flags *o)
{
    char line[sizeof(o->ids) + 96];
    if (o->n == 0) {
        show_line(L("open flags:", "未关闭问题："), L("none", "无"));
        return;
    }
    snprintf(line, sizeof(line), L("%zu (high %zu, medium %zu, low %zu): %s",
                                   "%zu（高 %zu，中 %zu，低 %zu）：%s"), o->n,
             o->by_sev[TZ__SEVERITY__SEV_HIGH], o->by_sev[TZ__SEVERITY__SEV_MEDIUM],
             o->by_sev[TZ__SEVERITY__SEV_LOW], o->ids);
    show_line(L("open flags:", "未关闭问题："), line);
}

/* Patch, account and listener figures of the latest report. */
static void show_figures(const Tz__Report *rep)
{
    char line[256];
    const Tz__PatchSection *p = rep->patch;
    if (p) {
        snprintf(line, sizeof(line), L("%" PRIu32 " security updates, %zu pending in all%s%s",
                                       "%" PRIu32 " 个安全更新，共 %zu 个待更新%s%s"),
                 p->security_updates, p->n_updates,
                 p->kernel_outdated ? L("; running kernel outdated", "；运行中的内核已过时") : "",
                 p->reboot_required ? L("; reboot required", "；需要重启") : "");
        show_line(L("patches:", "补丁："), line);
    }
    if (rep->packages) {
        snprintf(line, sizeof(line), "%zu", rep->packages->n_packages);
        show_line(L("packages:", "软件包："), line);
    }
    const Tz__AccountsSection *a = rep->accounts;
    if (a) {
        size_t login = 0, weak = 0, admins = 0;
        for (size_t i = 0; i < a->n_accounts; i++) {
            login += a->accounts[i]->login_capable;
            weak += a->accounts[i]->password == TZ__PASSWORD_STATE__PW_WEAK ||
                    a->accounts[i]->password == TZ__PASSWORD_STATE__PW_EMPTY;
            admins += a->accounts[i]->n_admin_groups > 0;
        }
        snprintf(line, sizeof(line), L("%zu, %zu can log in, %zu in admin groups, "
                                       "%zu weak or empty passwords%s",
                                       "%zu 个，%zu 个可登录，%zu 个属管理员组，"
                                       "%zu 个弱口令或空口令%s"),
                 a->n_accounts, login, admins, weak,
                 a->weak_check_ran ? "" : L(" (password check did not run)",
                                            "（口令检查未运行）"));
        show_line(L("accounts:", "账户："), line);
    }
    if (rep->listeners) {
        size_t exposed = 0;
        for (size_t i = 0; i < rep->listeners->n_listeners; i++)
            exposed += rep->listeners->listeners[i]->exposed;
        snprintf(line, sizeof(line), L("%zu, %zu on non-loopback addresses",
                                       "%zu 个，%zu 个在非回环地址上"),
                 rep->listeners->n_listeners, exposed);
        show_line(L("listeners:", "监听端口："), line);
    }
    if (rep->n_errors) {
        if (out_zh())
            snprintf(line, sizeof(line), "%zu 个部分未能采集", rep->n_errors);
        else
            snprintf(line, sizeof(line), "%zu section%s could not be collected",
                     rep->n_errors, rep->n_errors == 1 ? "" : "s");
        show_line(L("collect errors:", "采集错误："), line);
    }
}

static int show_text(const Tz__AgentRecord *rec, const Tz__Report *rep,
                     const struct binding *b, const struct open_flags *o,
                     const int want[N_SECTS])
{
    printf(L("Host %" PRIu64 "\n", "主机 %" PRIu64 "\n"), rec->agent_id);
    show_identity(rec);
    show_system(b);
    show_flags(o);
    if (rep)
        show_figures(rep);
    else
        show_line(L("latest report:", "最近报告："), L("none received yet", "尚未收到"));
    int rc = 0, any = 0;
    for (int s = 0; rc == 0 && s < N_SECTS; s++) {
        if (!want[s])
            continue;
        any = 1;
        const ProtobufCMessage *m = sect_msg(rec, rep, (enum sect)s);
        printf("\n%s%s\n", L(sects[s].title, sects[s].title_zh), L(":", "："));
        if (m)
            rc = write_text_safe(m, "  ");
        else
            printf("  %s\n", L("(not in the latest report)", "（最近的报告中没有）"));
    }
    if (!any)
        printf("%s", L("\n(the lists: --packages, --accounts, --listeners, --interfaces,\n"
                       " --patch, --ssh, --hardware, --os, --agent; --all for every one)\n",
                       "\n（明细：--packages、--accounts、--listeners、--interfaces、\n"
                       " --patch、--ssh、--hardware、--os、--agent；--all 显示全部）\n"));
    return rc;
}

static cJSON *binding_json(const struct binding *b)
{
    if (b->system_id == 0)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    if (o == NULL ||
        !cJSON_AddNumberToObject(o, "system_id", (double)b->system_id) ||
        !cJSON_AddStringToObject(o, "name", b->name) ||
        !cJSON_AddStringToObject(o, "source", tzctl_binding_source(b->src)) ||
        (b->rec &&
         (!cJSON_AddStringToObject(o, "by", b->rec->by) ||
          !cJSON_AddNumberToObject(o, "bound_at", (double)b->rec->bound_at) ||
          !cJSON_AddStringToObject(o, "host_dept", b->rec->host_dept) ||
          !cJSON_AddStringToObject(o, "system_dept", b->rec->system_dept) ||
          !cJSON_AddBoolToObject(o, "across_departments",
                                 b->rec->host_dept[0] && b->rec->system_dept[0] &&
                                     strcmp(b->rec->host_dept,
                                            b->rec->system_dept) != 0)))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int show_json(const Tz__AgentRecord *rec, const Tz__Report *rep,
                     const struct binding *b)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *a = pb_to_json(&rec->base);
    cJSON *r = rep ? pb_to_json(&rep->base) : cJSON_CreateNull();
    cJSON *bj = binding_json(b);
    if (o == NULL || a == NULL || r == NULL || bj == NULL) {
        cJSON_Delete(o);
        cJSON_Delete(a);
        cJSON_Delete(r);
        cJSON_Delete(bj);
        return TZ_ENOMEM;
    }
    cJSON_AddItemToObject(o, "agent", a);
    cJSON_AddItemToObject(o, "binding", bj);
    cJSON_AddItemToObject(o, "report", r);
    return out_print_json(o);
}

/* "host show HOST [--all] [--packages] ...": the host and the lists. */
static int parse(int argc, char **argv, const char **host, int want[N_SECTS])
{
    const char *pos, *opt, *words[3] = {0};
    int nw = 0, dd = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (pos && nw < 3)
                words[nw++] = pos;
            continue;
        }
        int s = 0;
        while (s < N_SECTS && strcmp(opt, sects[s].opt) != 0)
            s++;
        if (s < N_SECTS)
            want[s] = 1;
        else if (strcmp(opt, "--all") == 0)
            for (s = 0; s < N_SECTS; s++)
                want[s] = 1;
        else
            return tzctl_usage("host: unknown option %s", opt);
    }
    if (nw == 0 || strcmp(words[0], "show") != 0)
        return tzctl_usage("host: expected \"host show HOST\"");
    if (nw != 2)
        return tzctl_usage("host show takes one host (id or hostname)");
    *host = words[1];
    return 0;
}

/* The binding, its system's name and the open flags of host id. */
static int host_context(struct tz_register *reg, uint64_t id, struct binding *b,
                        struct open_flags *o, struct tz_error *err)
{
    struct register_binding rb;
    int r = register_binding_of(reg, id, &rb, err);
    if (r != 0)
        return r;
    b->system_id = rb.system_id;
    b->src = rb.src;
    b->refused_id = rb.refused_id;
    b->refused_src = rb.refused_src;
    b->full = rb;
    if (b->src == TZ__BINDING_SOURCE__BIND_EXPLICIT &&
        (r = register_explicit_binding(reg, id, &b->rec, err)) != 0 && r != TZ_ENOENT)
        return r;
    Tz__SystemRecord *sys = NULL;
    if (b->system_id && (r = register_system_get(reg, b->system_id, &sys, err)) != 0)
        return r;
    if (sys) {
        snprintf(b->name, sizeof(b->name), "%s", sys->name);
        protobuf_c_message_free_unpacked(&sys->base, NULL);
    }
    return register_each_open_flag_of(reg, TZ__SUBJECT_KIND__SUBJECT_HOST, id,
                                      count_flag, o, err);
}

int tzctl_host(const struct tzctl *c, int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "retire") == 0 ||
                     strcmp(argv[1], "merge") == 0))
        return tzctl_host_retire(c, argc, argv);
    const char *host = NULL;
    int want[N_SECTS] = {0};
    int rc = parse(argc, argv, &host, want);
    if (rc != 0)
        return rc;
    if (c->format == OUT_CSV)
        return tzctl_usage("host show prints table or json, not csv");
    struct tz_register *reg;
    if ((rc = tzctl_open(c, REGISTER_RDONLY, &reg)) != 0)
        return rc;
    uint64_t id;
    if ((rc = tzctl_find_host(reg, host, &id, NULL, NULL)) != 0) {
        register_close(reg);
        return rc;
    }
    struct tz_error err = {0};
    Tz__AgentRecord *rec = NULL;
    Tz__Report *rep = NULL;
    struct binding b = {0};
    struct open_flags o = {0};
    int r = register_get_host(reg, id, &rec, &rep, &err);
    if (r == 0)
        r = host_context(reg, id, &b, &o, &err);
    register_close(reg);
    if (r != 0)
        rc = tzctl_fail_err(&err);
    else if ((r = c->format == OUT_JSON ? show_json(rec, rep, &b)
                                        : show_text(rec, rep, &b, &o, want)) != 0)
        rc = tzctl_fail("%s", tz_strerror(r));
    if (b.rec)
        protobuf_c_message_free_unpacked(&b.rec->base, NULL);
    if (rec)
        protobuf_c_message_free_unpacked(&rec->base, NULL);
    if (rep)
        protobuf_c_message_free_unpacked(&rep->base, NULL);
    return rc;
}
