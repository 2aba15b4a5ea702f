/* system — the ledger of systems (台账) from the command line:
 * `system add|set|show|list|retire|import` and `systems` (= system list).
 * Every value goes through collector/ledger_fields, so a flag, a FIELD=VALUE
 * and a CSV cell are read the same way; the register checks it again. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "grow.h"
#include "ledger_fields.h"
#include "ledger_import.h"
#include "ledger_json.h"
#include "screen_render.h"
#include "tzctl.h"
#include "value_words.h"

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* "tzctl: 等保等级 (mlps_grade): <why>" */
static int field_fail(const struct ledger_field *f, const char *name,
                      const char *why)
{
    if (f)
        return tzctl_fail("%s (%s): %s", f->label, f->key, why);
    return tzctl_fail("%s", why[0] ? why : name);
}

/* Set one field, reporting a bad value; 0 or TZCTL_FAIL. */
static int set_field(Tz__SystemRecord *rec, const char *name,
                     const char *value)
{
    char why[LEDGER_WHY] = "";
    int rc = ledger_field_set(rec, name, value, why, sizeof(why));
    if (rc == TZ_ENOMEM)
        return tzctl_fail("out of memory");
    if (rc != 0)
        return field_fail(ledger_field_find(name), name, why);
    return 0;
}

/* Print a one-object JSON answer and free it. */
static int print_json(cJSON *o)
{
    char *s = o ? cJSON_Print(o) : NULL;
    cJSON_Delete(o);
    if (s == NULL)
        return tzctl_fail("out of memory");
    puts(s);
    free(s);
    return 0;
}

static int print_done(const struct tzctl *c, const char *verb,
                      uint64_t id, const char *name)
{
    if (c->format == OUT_JSON) {
        cJSON *o = cJSON_CreateObject();
        if (o) {
            cJSON_AddNumberToObject(o, "id", (double)id);
            cJSON_AddStringToObject(o, "name", name);
        }
        return print_json(o);
    }
    char *s = out_sanitize(name, NULL);
    printf("%s system %" PRIu64 ": %s\n", verb, id, s ? s : "");
    free(s);
    return 0;
}

/* ---- add ---- */

static int system_add(const struct tzctl *c, int argc, char **argv)
{
    Tz__SystemRecord *rec = ledger_record_new();
    if (rec == NULL)
        return tzctl_fail("out of memory");
    const char *pos, *opt, *name = NULL;
    int dd = 0, rc = 0;
    for (int i = 2; rc == 0 && i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (name)
                rc = tzctl_usage("system add takes one name (quote a name "
                                 "with spaces)");
            name = pos;
            continue;
        }
        /* --KEY=VALUE or --KEY VALUE, KEY any ledger field's key. */
        char key[64];
        const char *eq = strchr(opt, '='), *val;
        size_t klen = eq ? (size_t)(eq - opt - 2) : strlen(opt + 2);
        if (opt[1] != '-' || klen == 0 || klen >= sizeof(key)) {
            rc = tzctl_usage("system add: unknown option %s", opt);
            break;
        }
        memcpy(key, opt + 2, klen);
        key[klen] = '\0';
        const struct ledger_field *f = ledger_field_find(key);
        if (f == NULL || f->id == LF_NAME) {
            rc = tzctl_usage("system add: unknown option %s", opt);
            break;
        }
        val = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
        if (val == NULL)
            rc = tzctl_usage("--%s needs a value", f->key);
        else
            rc = set_field(rec, f->key, val);
    }
    if (rc == 0 && name == NULL)
        rc = tzctl_usage("system add needs a NAME");
    if (rc == 0)
        rc = set_field(rec, "name", name);
    if (rc == 0 && rec->dept[0] == '\0')
        rc = tzctl_usage("system add needs --dept DEPARTMENT");
    struct tz_register *reg = NULL;
    if (rc == 0)
        rc = tzctl_open(c, 0, &reg);
    if (rc == 0) {
        struct tz_error err = {0};
        uint64_t id;
        if (register_system_add(reg, rec, now_s(), &c->actor, &id, &err) != 0)
            rc = tzctl_fail_err(&err);
        else
            rc = print_done(c, "added", id, rec->name);
    }
    register_close(reg);
    ledger_record_free(rec);
    return rc;
}

/* ---- set and retire: read, change, write back ---- */

/* Find and load system `which` into *rec; 0 or TZCTL_FAIL. */
static int load_system(struct tz_register *reg, const char *which,
                       Tz__SystemRecord **rec)
{
    struct tz_error err = {0};
    uint64_t id;
    int rc = tzctl_find_system(reg, which, &id);
    if (rc != 0)
        return rc;
    if (register_system_get(reg, id, rec, &err) != 0)
        return tzctl_fail_err(&err);
    return 0;
}

static int system_set(const struct tzctl *c, int argc, char **argv)
{
    const char *pos, *opt, *which = NULL;
    const char *assign[LF_COUNT * 2];
    int na = 0, dd = 0;
    for (int i = 2; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) != NULL)
            return tzctl_usage("system set: unknown option %s (write "
                               "FIELD=VALUE)", opt);
        if (which == NULL)
            which = pos;
        else if (strchr(pos, '=') == NULL)
            return tzctl_usage("system set: \"%s\" is not FIELD=VALUE", pos);
        else if (na == (int)(sizeof(assign) / sizeof(assign[0])))
            return tzctl_usage("system set: too many assignments");
        else
            assign[na++] = pos;
    }
    if (which == NULL || na == 0)
        return tzctl_usage("system set needs ID|NAME and FIELD=VALUE...");
    /* Unknown fields are usage errors: catch them before opening. */
    for (int k = 0; k < na; k++) {
        char key[128];
        size_t klen = (size_t)(strchr(assign[k], '=') - assign[k]);
        snprintf(key, sizeof(key), "%.*s", (int)klen, assign[k]);
        if (klen >= sizeof(key) || ledger_field_find(key) == NULL) {
            /* Say which exist: the mistake is usually a near miss. */
            char known[2048];
            size_t used = 0;
            for (size_t f = 0; f < LF_COUNT && used < sizeof(known); f++)
                used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s (%s)",
                                         f ? ", " : "", ledger_fields[f].key,
                                         ledger_fields[f].label);
            return tzctl_usage("system set: unknown field \"%s\"; the fields are "
                               "(key or Chinese label): %s", key, known);
        }
    }
    struct tz_register *reg;
    int rc = tzctl_open(c, 0, &reg);
    if (rc != 0)
        return rc;
    Tz__SystemRecord *rec = NULL;
    rc = load_system(reg, which, &rec);
    for (int k = 0; rc == 0 && k < na; k++) {
        char key[128];
        const char *eq = strchr(assign[k], '=');
        snprintf(key, sizeof(key), "%.*s", (int)(eq - assign[k]), assign[k]);
        rc = set_field(rec, key, eq + 1);
    }
    if (rc == 0) {
        struct tz_error err = {0};
        if (register_system_put(reg, rec, now_s(), 0, &c->actor, &err) != 0)
            rc = tzctl_fail_err(&err);
        else
            rc = print_done(c, "updated", rec->system_id, rec->name);
    }
    ledger_record_free(rec);
    register_close(reg);
    return rc;
}

static int system_retire(const struct tzctl *c, const char *which)
{
    struct tz_register *reg;
    int rc = tzctl_open(c, 0, &reg);
    if (rc != 0)
        return rc;
    Tz__SystemRecord *rec = NULL;
    rc = load_system(reg, which, &rec);
    if (rc == 0 && strcmp(rec->status, "retired") == 0) {
        rc = print_done(c, "already retired:", rec->system_id, rec->name);
    } else if (rc == 0 && (rc = set_field(rec, "status", "retired")) == 0) {
        struct tz_error err = {0};
        if (register_system_put(reg, rec, now_s(), 0, &c->actor, &err) != 0)
            rc = tzctl_fail_err(&err);
        else
            rc = print_done(c, "retired", rec->system_id, rec->name);
    }
    ledger_record_free(rec);
    register_close(reg);
    return rc;
}

/* ---- hosts per system ---- */

struct bound {
    uint64_t system_id, agent_id;
    Tz__BindingSource src;
    char *hostname;
};

struct bound_list {
    struct bound *v;
    size_t n, cap;
    uint64_t only;   /* keep hosts of this system only; 0 keeps all bound */
};

static int bound_cb(const Tz__AgentRecord *host, uint64_t sid,
                    Tz__BindingSource src, void *arg)
{
    struct bound_list *l = arg;
    if (sid == 0 || (l->only && sid != l->only) || host->retirement)
        return 0;   /* a retired host serves nothing any more */
    if (tz_grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v)) != 0)
        return TZ_ENOMEM;
    /* Names only for one system's listing: 100k strdups buy nothing. */
    char *h = NULL;
    if (l->only && (h = strdup(host->hostname)) == NULL)
        return TZ_ENOMEM;
    l->v[l->n++] = (struct bound){sid, host->agent_id, src, h};
    return 0;
}

static void bound_free(struct bound_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].hostname);
    free(l->v);
}

static int bound_cmp(const void *a, const void *b)
{
    const struct bound *x = a, *y = b;
    if (x->system_id != y->system_id)
        return x->system_id < y->system_id ? -1 : 1;
    return x->agent_id < y->agent_id ? -1 : x->agent_id > y->agent_id;
}

/* Hosts bound to sid in a list sorted by system_id. */
static uint64_t bound_count(const struct bound_list *l, uint64_t sid)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->v[mid].system_id < sid)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint64_t n = 0;
    while (lo < l->n && l->v[lo].system_id == sid)
        lo++, n++;
    return n;
}

static int load_bound(struct tz_register *reg, struct bound_list *l)
{
    struct tz_error err = {0};
    int r = register_each_host_binding(reg, NULL, bound_cb, l, &err);
    if (r == TZ_ENOMEM)
        return tzctl_fail("out of memory");
    if (r != 0)
        return tzctl_fail_err(&err);
    if (l->n)
        qsort(l->v, l->n, sizeof(*l->v), bound_cmp);
    return 0;
}

/* ---- show ---- */

/* The system's change history as JSON: what `system show` prints in every
 * format (who changed which field, from what to what). */
/* ledger_change_json, with the time as tzctl prints times. */
static int change_json(const Tz__SystemChange *ch, void *arg)
{
    int rc = ledger_change_json(ch, arg);
    if (rc != 0)
        return rc;
    char t[32];
    tzctl_time(ch->at, t);
    cJSON *at = cJSON_CreateString(t);
    if (at == NULL)
        return TZ_ENOMEM;
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(arg, cJSON_GetArraySize(arg) - 1),
                              "at", at);
    return 0;
}

/* A stored value of field key as the reader reads it: the word for an
 * enumerated value (status, review, yes/no) in the reader's language. */
static const char *shown_value(const char *key, const char *v)
{
    const struct ledger_field *f = ledger_field_find(key);
    if (f == NULL || (f->kind != LK_STATUS && f->kind != LK_REVIEW && f->kind != LK_BOOL))
        return v;
    return value_word(v, out_zh());
}

static void show_history(const cJSON *hist)
{
    printf("变更记录 (history):%s\n", cJSON_GetArraySize(hist) ? "" : " -");
    const cJSON *e;
    cJSON_ArrayForEach(e, hist) {
        const char *via = cJSON_GetObjectItem(e, "via")->valuestring;
        char *actor = out_sanitize(cJSON_GetObjectItem(e, "actor")->valuestring, NULL);
        printf("  %s %s%s%s%s %s\n", cJSON_GetObjectItem(e, "at")->valuestring,
               actor && actor[0] ? actor : "-", via[0] ? " (" : "", via,
               via[0] ? ")" : "",
               value_word(cJSON_GetObjectItem(e, "action")->valuestring, out_zh()));
        free(actor);
        const cJSON *f;
        cJSON_ArrayForEach(f, cJSON_GetObjectItem(e, "changes")) {
            const char *key = cJSON_GetObjectItem(f, "field")->valuestring;
            char *o = out_sanitize(shown_value(key, cJSON_GetObjectItem(f, "old")->valuestring),
                                   NULL);
            char *n = out_sanitize(shown_value(key, cJSON_GetObjectItem(f, "new")->valuestring),
                                   NULL);
            printf("    %s (%s): %s -> %s\n",
                   cJSON_GetObjectItem(f, "label")->valuestring,
                   cJSON_GetObjectItem(f, "field")->valuestring,
                   o && o[0] ? o : "-", n && n[0] ? n : "-");
            free(o);
            free(n);
        }
    }
}

/* The value of f as text in a heap buffer; NULL on ENOMEM. */
static char *field_text(const Tz__SystemRecord *rec,
                        const struct ledger_field *f)
{
    char *buf = malloc(LEDGER_FORMAT_MAX);
    if (buf)
        ledger_field_format(rec, f->key, buf, LEDGER_FORMAT_MAX);
    return buf;
}

static void show_line(const char *label, const char *key, const char *value)
{
    char *s = out_sanitize(value, "\n");
    printf("%s (%s): ", label, key);
    if (s == NULL || s[0] == '\0') {
        puts("-");
    } else {
        /* continuation lines of 用途 indented under the first */
        for (char *p = s; *p; p++) {
            putchar(*p);
            if (*p == '\n')
                fputs("  ", stdout);
        }
        putchar('\n');
    }
    free(s);
}

static int show_table(const Tz__SystemRecord *rec, const struct bound_list *b,
                      const cJSON *hist)
{
    char id[24], t[32];
    snprintf(id, sizeof(id), "%" PRIu64, rec->system_id);
    show_line("系统编号", "id", id);
    for (size_t i = 0; i < LF_COUNT; i++) {
        char *v = field_text(rec, &ledger_fields[i]);
        if (v == NULL)
            return TZ_ENOMEM;
        show_line(ledger_fields[i].label, ledger_fields[i].key,
                  shown_value(ledger_fields[i].key, v));
        free(v);
    }
    tzctl_time(rec->created_at, t);
    show_line("登记时间", "created_at", t);
    tzctl_time(rec->updated_at, t);
    show_line("更新时间", "updated_at", t);
    /* The review's override and the latest screening are not ledger fields
     * but belong beside 上线前审查 wherever it is shown. */
    if (rec->prelaunch && rec->prelaunch->override_reason &&
        rec->prelaunch->override_reason[0]) {
        char *o = out_sanitize(rec->prelaunch->override_reason, NULL);
        if (o == NULL)
            return TZ_ENOMEM;
        show_line("审查例外说明", "prelaunch_override", o);
        free(o);
    }
    if (rec->last_screening) {
        const Tz__ScreeningSummary *l = rec->last_screening;
        char line[160];
        tzctl_time(l->at, t);
        if (out_zh())
            snprintf(line, sizeof(line), "%" PRIu64 "，%s：%s（%u 项阻断性检查未通过，"
                     "%u 项未检查）", l->screening_id, t, l->passed ? "通过" : "未通过",
                     l->blocking_failed, l->not_checked);
        else
            snprintf(line, sizeof(line), "%" PRIu64 " at %s: %s (%u blocking failed, "
                     "%u not checked)", l->screening_id, t,
                     l->passed ? "passed" : "not passed", l->blocking_failed,
                     l->not_checked);
        show_line("最近安全审查", "last_screening", line);
    }
    printf("主机 (hosts):%s\n", b->n ? "" : " -");
    for (size_t i = 0; i < b->n; i++) {
        char *h = out_sanitize(b->v[i].hostname, NULL);
        printf("  %" PRIu64 " %s (%s)\n", b->v[i].agent_id, h && h[0] ? h : "-",
               value_word(tzctl_binding_source(b->v[i].src), out_zh()));
        free(h);
    }
    show_history(hist);
    return 0;
}

static cJSON *system_json(const Tz__SystemRecord *rec,
                          const struct bound_list *b, cJSON *hist)
{
    cJSON *o = ledger_record_json(rec);
    if (o == NULL)
        goto oom;
    char t[32];
    tzctl_time(rec->created_at, t);
    if (!cJSON_AddStringToObject(o, "created_at", t))
        goto oom;
    tzctl_time(rec->updated_at, t);
    if (!cJSON_AddStringToObject(o, "updated_at", t))
        goto oom;
    const char *ov = rec->prelaunch ? rec->prelaunch->override_reason : NULL;
    if (!(ov && ov[0] ? cJSON_AddStringToObject(o, "prelaunch_override", ov)
                      : cJSON_AddNullToObject(o, "prelaunch_override")))
        goto oom;
    cJSON *last = rec->last_screening ? screen_summary_json(rec->last_screening)
                                      : cJSON_CreateNull();
    if (last == NULL)
        goto oom;
    cJSON_AddItemToObject(o, "last_screening", last);
    cJSON *hosts = cJSON_AddArrayToObject(o, "hosts");
    for (size_t i = 0; hosts && i < b->n; i++) {
        cJSON *h = cJSON_CreateObject();
        if (h == NULL)
            goto oom;
        cJSON_AddItemToArray(hosts, h);
        if (!cJSON_AddNumberToObject(h, "id", (double)b->v[i].agent_id) ||
            !cJSON_AddStringToObject(h, "hostname", b->v[i].hostname) ||
            !cJSON_AddStringToObject(h, "source",
                                     tzctl_binding_source(b->v[i].src)))
            goto oom;
    }
    if (hosts == NULL)
        goto oom;
    cJSON *h = cJSON_Duplicate(hist, 1);
    if (h == NULL)
        goto oom;
    cJSON_AddItemToObject(o, "history", h);
    return o;
oom:
    cJSON_Delete(o);
    return NULL;
}

/* CSV: the keys as header, one row, like a line of an import file. */
static int show_csv(const Tz__SystemRecord *rec)
{
    static struct out_col cols[LF_COUNT + 3];
    const char *cells[LF_COUNT + 3] = {0};
    char *vals[LF_COUNT] = {0}, id[24], ct[32], ut[32];
    cols[0] = (struct out_col){"ID", "id", OUT_NUM, NULL};
    for (size_t i = 0; i < LF_COUNT; i++)
        cols[i + 1] = (struct out_col){ledger_fields[i].label,
                                       ledger_fields[i].key, OUT_STR, NULL};
    cols[LF_COUNT + 1] = (struct out_col){"CREATED", "created_at", OUT_STR, NULL};
    cols[LF_COUNT + 2] = (struct out_col){"UPDATED", "updated_at", OUT_STR, NULL};
    snprintf(id, sizeof(id), "%" PRIu64, rec->system_id);
    tzctl_time(rec->created_at, ct);
    tzctl_time(rec->updated_at, ut);
    cells[0] = id;
    cells[LF_COUNT + 1] = ct;
    cells[LF_COUNT + 2] = ut;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < LF_COUNT; i++) {
        vals[i] = field_text(rec, &ledger_fields[i]);
        cells[i + 1] = vals[i];
        if (vals[i] == NULL)
            rc = TZ_ENOMEM;
    }
    struct out_table *t = rc == 0 ? out_new(cols, LF_COUNT + 3) : NULL;
    if (rc == 0)
        rc = t ? out_add(t, cells) : TZ_ENOMEM;
    if (rc == 0)
        rc = out_write(t, OUT_CSV, stdout);
    out_free(t);
    for (size_t i = 0; i < LF_COUNT; i++)
        free(vals[i]);
    return rc;
}

static int system_show(const struct tzctl *c, const char *which)
{
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    Tz__SystemRecord *rec = NULL;
    struct bound_list b = {0};
    cJSON *hist = cJSON_CreateArray();
    rc = hist ? load_system(reg, which, &rec) : tzctl_fail("out of memory");
    if (rc == 0) {
        b.only = rec->system_id;
        rc = load_bound(reg, &b);
    }
    if (rc == 0) {
        struct tz_error err = {0};
        int r = register_each_system_change(reg, rec->system_id, change_json,
                                            hist, &err);
        if (r == TZ_ENOMEM)
            rc = tzctl_fail("out of memory");
        else if (r != 0)
            rc = tzctl_fail_err(&err);
    }
    register_close(reg);
    if (rc == 0) {
        int r;
        if (c->format == OUT_JSON)
            r = print_json(system_json(rec, &b, hist));
        else if (c->format == OUT_CSV)
            r = show_csv(rec);
        else
            r = show_table(rec, &b, hist);
        if (r != 0)
            rc = r > 0 ? r : tzctl_fail("%s", tz_strerror(r));
    }
    cJSON_Delete(hist);
    bound_free(&b);
    ledger_record_free(rec);
    return rc;
}

/* ---- list ---- */

static const struct out_col list_cols[] = {
    {"ID", "id", OUT_NUM, NULL},
    {"系统名称", "name", OUT_STR, NULL},
    {"所属单位", "dept", OUT_STR, NULL},
    {"负责人", "owner", OUT_STR, NULL},
    {"等保等级", "mlps_grade", OUT_NUM, NULL},
    {"状态", "status", OUT_WORD, NULL},
    {"HOSTS", "hosts", OUT_NUM, NULL},
};
#define N_LIST_COLS (sizeof(list_cols) / sizeof(list_cols[0]))

struct list_walk {
    struct out_table *t;
    const char *status;
    const struct bound_list *bound;
};

static int list_row(const Tz__SystemRecord *rec, void *arg)
{
    struct list_walk *w = arg;
    if (w->status && strcmp(rec->status, w->status) != 0)
        return 0;
    char id[24], grade[8], hosts[24];
    snprintf(id, sizeof(id), "%" PRIu64, rec->system_id);
    ledger_field_format(rec, "mlps_grade", grade, sizeof(grade));
    snprintf(hosts, sizeof(hosts), "%" PRIu64,
             bound_count(w->bound, rec->system_id));
    const char *cells[N_LIST_COLS] = {id, rec->name, rec->dept, rec->owner,
                                      grade, rec->status, hosts};
    return out_add(w->t, cells);
}

static int system_list(const struct tzctl *c, int argc, char **argv,
                       int first)
{
    const char *dept = NULL, *status = NULL, *pos, *opt, *val;
    int dd = 0, conflicts = 0;
    for (int i = first; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL)
            return tzctl_usage("system list takes no argument \"%s\"", pos);
        if (strcmp(opt, "--conflicts") == 0) {
            conflicts = 1;
        } else if (tzctl_optval(opt, "--dept", argc, argv, &i, &val)) {
            if (val == NULL)
                return tzctl_usage("--dept needs a department name");
            dept = val;
        } else if (tzctl_optval(opt, "--status", argc, argv, &i, &val)) {
            char why[LEDGER_WHY];
            if (val == NULL ||
                ledger_parse_status(val, &status, why, sizeof(why)) != 0)
                return tzctl_usage("--status must be planned, live or "
                                   "retired");
        } else {
            return tzctl_usage("system list: unknown option %s", opt);
        }
    }
    if (conflicts && status)
        return tzctl_usage("--conflicts takes no --status: retired systems "
                           "claim nothing");
    if (conflicts)
        return tzctl_system_conflicts(c, dept);
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    struct bound_list b = {0};
    struct out_table *t = out_new(list_cols, N_LIST_COLS);
    if (t == NULL)
        rc = tzctl_fail("out of memory");
    if (rc == 0 && dept) {
        /* A mistyped department should say so, not print an empty list. */
        int known = 0;
        if (tzctl_dept_known(reg, dept, &known, &err) != 0)
            rc = tzctl_fail_err(&err);
        else if (!known)
            rc = tzctl_fail("no department \"%s\"", dept);
    }
    if (rc == 0)
        rc = load_bound(reg, &b);
    if (rc == 0) {
        struct list_walk w = {t, status, &b};
        int r = register_each_system(reg, dept, list_row, &w, &err);
        if (r == TZ_ENOMEM)
            rc = tzctl_fail("out of memory");
        else if (r != 0)
            rc = tzctl_fail_err(&err);
    }
    register_close(reg);
    if (rc == 0 && out_write(t, c->format, stdout) != 0)
        rc = tzctl_fail("cannot write output");
    out_free(t);
    bound_free(&b);
    return rc;
}

/* ---- import ---- */

/* "CSV, GB18030 (GBK: Excel's plain CSV)", "XLSX, sheet 系统台账", with
 * where the header was when not on the first row. */
static void import_read_as(const struct ledger_import_info *in, char *buf,
                           size_t len)
{
    size_t n;
    if (in->format == SHEET_CSV)
        n = (size_t)snprintf(buf, len, "CSV, %s", strcmp(in->encoding,
                             "GB18030") == 0 ? "GB18030 (GBK, as Excel's "
                             "plain \"CSV (逗号分隔)\" saves it)"
                             : in->encoding);
    else
        n = (size_t)snprintf(buf, len, "%s, sheet %s",
                             in->format == SHEET_XLSX ? "XLSX" : "XLS",
                             in->sheet);
    if (n < len && in->header_row > 1)
        n += (size_t)snprintf(buf + n, len - n, ", header on %s %ld%s",
                              in->format == SHEET_CSV ? "line" : "row",
                              in->header_row, in->header_rows == 2
                                  ? " (two rows)" : " (the rows above "
                                                    "skipped)");
    else if (n < len && in->header_rows == 2)
        snprintf(buf + n, len - n, ", a header of two rows");
}

/* What was read, before the result: the operator sees at once when the
 * wrong sheet or the wrong encoding was taken. */
void tzctl_import_info(FILE *f, const char *path,
                       const struct ledger_import_info *in)
{
    char what[512];
    if (in->header_row == 0 && in->format == SHEET_CSV && !in->encoding[0])
        return;   /* the file could not be read at all */
    import_read_as(in, what, sizeof(what));
    char *s = out_sanitize(what, NULL);
    fprintf(f, "%s: read as %s\n", path, s ? s : "");
    free(s);
    if (in->total_ignored == 0)
        return;
    fprintf(f, "%s: ignored %zu column%s that name%s no ledger field:",
            path, in->total_ignored, in->total_ignored == 1 ? "" : "s",
            in->total_ignored == 1 ? "s" : "");
    for (size_t i = 0; i < in->n_ignored; i++) {
        char *c = out_sanitize(in->ignored[i], NULL);
        fprintf(f, "%s %s", i ? "," : "", c ? c : "");
        free(c);
    }
    if (in->total_ignored > in->n_ignored)
        fprintf(f, " and %zu more", in->total_ignored - in->n_ignored);
    fputc('\n', f);
}

int tzctl_import_problems(const char *path, const struct ledger_import_info *in,
                          const struct ledger_problems *p, const char *verdict)
{
    if (in)
        tzctl_import_info(stderr, path, in);
    for (size_t i = 0; i < p->n; i++) {
        char *s = out_sanitize(p->v[i].text, NULL);
        fprintf(stderr, "%s: %s\n", path, s ? s : "");
        free(s);
    }
    if (p->total > p->n)
        fprintf(stderr, "%s: ... and %zu more\n", path, p->total - p->n);
    return tzctl_fail("%s: %zu error%s in %s", verdict, p->total,
                      p->total == 1 ? "" : "s", path);
}

/* Rows that claim what another system claims: imported, but said. */
static void import_warnings(const char *path,
                            const struct ledger_import_info *in)
{
    const struct ledger_warnings *w = &in->warnings;
    fflush(stdout);
    for (size_t i = 0; i < w->n; i++) {
        char *s = out_sanitize(w->v[i], NULL);
        fprintf(stderr, "%s: warning: %s\n", path, s ? s : "");
        free(s);
    }
    if (w->total > w->n)
        fprintf(stderr, "%s: warning: ... and %zu more\n", path,
                w->total - w->n);
}

static int import_json(const struct ledger_problems *p,
                       const struct ledger_import_info *in, size_t imported,
                       const struct tz_error *err, int rc)
{
    static const char *const formats[] = {"csv", "xlsx", "xls"};
    cJSON *o = cJSON_CreateObject();
    cJSON *a = o ? cJSON_AddArrayToObject(o, "errors") : NULL;
    cJSON *ig = o ? cJSON_AddArrayToObject(o, "ignored_columns") : NULL;
    cJSON *wa = o ? cJSON_AddArrayToObject(o, "warnings") : NULL;
    if (a == NULL || ig == NULL || wa == NULL) {
        cJSON_Delete(o);
        return tzctl_fail("out of memory");
    }
    cJSON_AddNumberToObject(o, "imported", (double)imported);
    cJSON_AddStringToObject(o, "format", formats[in->format]);
    if (in->encoding[0])
        cJSON_AddStringToObject(o, "encoding", in->encoding);
    else
        cJSON_AddNullToObject(o, "encoding");
    if (in->format != SHEET_CSV)
        cJSON_AddStringToObject(o, "sheet", in->sheet);
    else
        cJSON_AddNullToObject(o, "sheet");
    cJSON_AddNumberToObject(o, "header_row", (double)in->header_row);
    cJSON_AddNumberToObject(o, "header_rows", in->header_rows);
    for (size_t i = 0; i < in->n_ignored; i++)
        cJSON_AddItemToArray(ig, cJSON_CreateString(in->ignored[i]));
    for (size_t i = 0; i < p->n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(p->v[i].text));
    for (size_t i = 0; i < in->warnings.n; i++)
        cJSON_AddItemToArray(wa, cJSON_CreateString(in->warnings.v[i]));
    if (in->warnings.total > in->warnings.n)
        cJSON_AddNumberToObject(o, "warnings_not_shown",
                                (double)(in->warnings.total - in->warnings.n));
    if (rc != 0 && p->n == 0) {
        char buf[1024];
        cJSON_AddItemToArray(a, cJSON_CreateString(
                                    tz_error_str(err, buf, sizeof(buf))));
    }
    if (p->total > p->n)
        cJSON_AddNumberToObject(o, "errors_not_shown",
                                (double)(p->total - p->n));
    print_json(o);
    return rc ? TZCTL_FAIL : TZCTL_OK;
}

int tzctl_import_args(int argc, char **argv, const char *what, int updates,
                      struct tzctl_import_args *out)
{
    const char *pos, *opt, *val;
    int dd = 0;
    memset(out, 0, sizeof(*out));
    for (int i = 2; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (out->path)
                return tzctl_usage("%s takes one FILE", what);
            out->path = pos;
        } else if (tzctl_optval(opt, "--sheet", argc, argv, &i, &val)) {
            if (val == NULL || val[0] == '\0')
                return tzctl_usage("--sheet needs the name of a sheet");
            out->sheet = val;
        } else if (updates && strcmp(opt, "--update") == 0) {
            out->update = 1;
        } else if (updates && strcmp(opt, "--dry-run") == 0) {
            out->dry_run = 1;
        } else {
            return tzctl_usage("%s: unknown option %s", what, opt);
        }
    }
    if (out->path == NULL)
        return tzctl_usage("%s takes one FILE (.csv, .xlsx or .xls)", what);
    if (out->dry_run && !out->update)
        return tzctl_usage("%s: --dry-run goes with --update", what);
    return 0;
}

/* system import FILE [--sheet NAME] [--update [--dry-run]] */
static int system_import(const struct tzctl *c, int argc, char **argv)
{
    struct tzctl_import_args a;
    int ar = tzctl_import_args(argc, argv, "system import", 1, &a);
    if (ar != 0)
        return ar;
    const char *path = a.path, *sheet = a.sheet;
    if (a.update)
        return tzctl_system_update(c, path, sheet, a.dry_run);
    struct tz_register *reg;
    int rc = tzctl_open(c, 0, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    struct ledger_problems p;
    struct ledger_import_info in;
    size_t n;
    const struct register_actor import_actor = {c->actor.name, "import"};
    int r = ledger_import_file(reg, path, sheet, now_s(), &import_actor, &n,
                               &in, &p, &err);
    register_close(reg);
    if (c->format == OUT_JSON) {
        rc = import_json(&p, &in, n, &err, r);
    } else if (r == 0) {
        tzctl_import_info(stdout, path, &in);
        printf("imported %zu system%s\n", n, n == 1 ? "" : "s");
        import_warnings(path, &in);
    } else if (p.total) {
        tzctl_import_info(stderr, path, &in);
        import_warnings(path, &in);
        rc = tzctl_import_problems(path, NULL, &p, "nothing imported");
    } else {
        rc = tzctl_fail_err(&err);
    }
    ledger_problems_free(&p);
    ledger_import_info_free(&in);
    return rc;
}

/* ---- dispatch ---- */

int tzctl_systems(const struct tzctl *c, int argc, char **argv)
{
    return system_list(c, argc, argv, 1);
}

int tzctl_system(const struct tzctl *c, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    if (strcmp(sub, "add") == 0)
        return system_add(c, argc, argv);
    if (strcmp(sub, "set") == 0)
        return system_set(c, argc, argv);
    if (strcmp(sub, "list") == 0)
        return system_list(c, argc, argv, 2);
    if (strcmp(sub, "import") == 0)
        return system_import(c, argc, argv);

    /* show, retire: exactly one positional */
    const char *pos, *opt, *arg = NULL;
    int dd = 0, npos = 0;
    for (int i = 2; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) != NULL)
            return tzctl_usage("system %s: unknown option %s", sub, opt);
        arg = pos;
        npos++;
    }
    if ((strcmp(sub, "show") == 0 || strcmp(sub, "retire") == 0) &&
        npos != 1)
        return tzctl_usage("system %s takes one ID|NAME", sub);
    if (strcmp(sub, "show") == 0)
        return system_show(c, arg);
    if (strcmp(sub, "retire") == 0)
        return system_retire(c, arg);
    return tzctl_usage("system: expected add, set, show, list, retire or "
                       "import");
}
