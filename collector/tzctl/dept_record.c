/* dept_record — `tzctl dept set D FIELD=VALUE...`, `dept show D` and
 * `dept import FILE.csv`: a department's leaders, liaison and last
 * network-security meeting (第六条(二)), with who changed them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "dept_fields.h"
#include "dept_import.h"
#include "dept_json.h"
#include "tzctl.h"

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

int tzctl_dept_set(const struct tzctl *c, int argc, char **argv)
{
    /* argv: "dept" "set" D FIELD=VALUE... */
    const char *pos, *opt, *dept = NULL;
    const char *assign[DF_COUNT * 2];
    int na = 0, dd = 0;
    for (int i = 2; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) != NULL)
            return tzctl_usage("dept set: unknown option %s (write "
                               "FIELD=VALUE)", opt);
        if (dept == NULL)
            dept = pos;
        else if (strchr(pos, '=') == NULL)
            return tzctl_usage("dept set: \"%s\" is not FIELD=VALUE", pos);
        else if (na == (int)(sizeof(assign) / sizeof(assign[0])))
            return tzctl_usage("dept set: too many assignments");
        else
            assign[na++] = pos;
    }
    if (dept == NULL || na == 0)
        return tzctl_usage("dept set needs a department and FIELD=VALUE...");
    for (int k = 0; k < na; k++) {
        char key[128];
        size_t klen = (size_t)(strchr(assign[k], '=') - assign[k]);
        snprintf(key, sizeof(key), "%.*s", (int)klen, assign[k]);
        if (klen >= sizeof(key) || dept_field_find(key) == NULL)
            return tzctl_usage("dept set: unknown field \"%s\" (tzctl dept "
                               "show lists them)", key);
    }
    struct tz_register *reg;
    int rc = tzctl_open(c, 0, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    Tz__DeptRecord *rec = NULL;
    if (register_dept_get(reg, dept, &rec, &err) != 0)
        rc = tzctl_fail_err(&err);
    for (int k = 0; rc == 0 && k < na; k++) {
        char key[128], why[DEPT_WHY] = "";
        const char *eq = strchr(assign[k], '=');
        snprintf(key, sizeof(key), "%.*s", (int)(eq - assign[k]), assign[k]);
        int r = dept_field_set(rec, key, eq + 1, why, sizeof(why));
        const struct dept_field *f = dept_field_find(key);
        if (r == TZ_ENOMEM)
            rc = tzctl_fail("out of memory");
        else if (r != 0)
            rc = tzctl_fail("%s (%s): %s", f->label, f->key, why);
    }
    if (rc == 0 &&
        register_dept_put(reg, rec, now_s(), NULL, &c->actor, &err) != 0)
        rc = tzctl_fail_err(&err);
    if (rc == 0) {
        char *s = out_sanitize(rec->name, NULL);
        printf("updated department %s\n", s ? s : "");
        free(s);
    }
    if (rec)
        protobuf_c_message_free_unpacked(&rec->base, NULL);
    register_close(reg);
    return rc;
}

static int history_cb(const Tz__DeptChange *ch, void *arg)
{
    return dept_change_json(ch, arg);
}

static void show_line(const char *label, const char *key, const char *value)
{
    char *s = out_sanitize(value, NULL);
    printf("%s (%s): %s\n", label, key, s && s[0] ? s : "-");
    free(s);
}

static void show_table(const Tz__DeptRecord *rec, const cJSON *hist)
{
    char t[32];
    show_line("单位", "dept", rec->name);
    for (size_t i = 0; i < DF_COUNT; i++) {
        char v[DEPT_FORMAT_MAX];
        dept_field_format(rec, dept_fields[i].key, v, sizeof(v));
        show_line(dept_fields[i].label, dept_fields[i].key, v);
    }
    tzctl_time(rec->created_at, t);
    show_line("登记时间", "created_at", t);
    tzctl_time(rec->updated_at, t);
    show_line("更新时间", "updated_at", t);
    printf("变更记录 (history):%s\n", cJSON_GetArraySize(hist) ? "" : " -");
    const cJSON *e;
    cJSON_ArrayForEach(e, hist) {
        tzctl_time((int64_t)cJSON_GetObjectItem(e, "at")->valuedouble, t);
        const char *via = cJSON_GetObjectItem(e, "via")->valuestring;
        char *actor = out_sanitize(
            cJSON_GetObjectItem(e, "actor")->valuestring, NULL);
        printf("  %s %s%s%s%s %s\n", t, actor && actor[0] ? actor : "-",
               via[0] ? " (" : "", via, via[0] ? ")" : "",
               cJSON_GetObjectItem(e, "action")->valuestring);
        free(actor);
        const cJSON *f;
        cJSON_ArrayForEach(f, cJSON_GetObjectItem(e, "changes")) {
            char *o = out_sanitize(cJSON_GetObjectItem(f, "old")->valuestring,
                                   NULL);
            char *n = out_sanitize(cJSON_GetObjectItem(f, "new")->valuestring,
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

/* CSV: the dept column and every field, one row: a line of an import. */
static int show_csv(const Tz__DeptRecord *rec)
{
    static const struct out_col first = {"DEPT", "dept", OUT_STR, NULL};
    struct out_col cols[DF_COUNT + 1];
    const char *cells[DF_COUNT + 1];
    char vals[DF_COUNT][DEPT_FORMAT_MAX];
    cols[0] = first;
    cells[0] = rec->name;
    for (size_t i = 0; i < DF_COUNT; i++) {
        cols[i + 1] = (struct out_col){dept_fields[i].key, dept_fields[i].key,
                                       OUT_STR, NULL};
        dept_field_format(rec, dept_fields[i].key, vals[i], sizeof(vals[i]));
        cells[i + 1] = vals[i];
    }
    struct out_table *t = out_new(cols, DF_COUNT + 1);
    int rc = t ? out_add(t, cells) : TZ_ENOMEM;
    if (rc == 0)
        rc = out_write(t, OUT_CSV, stdout);
    out_free(t);
    return rc;
}

int tzctl_dept_show(const struct tzctl *c, const char *dept)
{
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    Tz__DeptRecord *rec = NULL;
    cJSON *hist = cJSON_CreateArray();
    int r = hist ? register_dept_get(reg, dept, &rec, &err) : TZ_ENOMEM;
    if (r == 0)
        r = register_each_dept_change(reg, dept, history_cb, hist, &err);
    register_close(reg);
    if (r == TZ_ENOMEM) {
        rc = tzctl_fail("out of memory");
    } else if (r != 0) {
        rc = tzctl_fail_err(&err);
    } else if (c->format == OUT_JSON) {
        cJSON *o = dept_record_json(rec);
        if (o) {
            cJSON_AddItemToObject(o, "history", hist);
            hist = NULL;
        }
        if (out_print_json(o) != 0)
            rc = tzctl_fail("out of memory");
    } else if (c->format == OUT_CSV) {
        if (show_csv(rec) != 0)
            rc = tzctl_fail("cannot write output");
    } else {
        show_table(rec, hist);
    }
    cJSON_Delete(hist);
    if (rec)
        protobuf_c_message_free_unpacked(&rec->base, NULL);
    return rc;
}

int tzctl_dept_import(const struct tzctl *c, const char *path,
                      const char *sheet)
{
    struct tz_register *reg;
    int rc = tzctl_open(c, 0, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    struct ledger_problems p;
    size_t n;
    const struct register_actor by = {c->actor.name, "import"};
    int r = dept_import_file(reg, path, sheet, now_s(), &by, &n,
                             &p, &err);
    register_close(reg);
    if (r == 0) {
        printf("updated %zu department%s\n", n, n == 1 ? "" : "s");
    } else if (p.total) {
        rc = tzctl_import_problems(path, NULL, &p, "nothing imported");
    } else {
        rc = tzctl_fail_err(&err);
    }
    ledger_problems_free(&p);
    return rc;
}
