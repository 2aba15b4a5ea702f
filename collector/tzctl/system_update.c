/* system_update — `tzctl system import --update FILE [--dry-run]`: a
 * corrected ledger sheet (an export edited, or the department's own) over
 * the register. Prints, per system, what will change (field: old → new)
 * and then whether it was applied; with --dry-run only the diff. The
 * sheet applies whole or not at all (ledger_import.h); the history records
 * each change as an import by the operator. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "ledger_fields.h"
#include "ledger_import.h"
#include "tzctl.h"

static const char *label_of(const char *key)
{
    const struct ledger_field *f = ledger_field_find(key);
    return f ? f->label : key;
}

static void print_value(const char *v)
{
    char *s = out_sanitize(v, NULL);
    if (v[0] == '\0')
        fputs("(empty)", stdout);
    else
        printf("\"%s\"", s ? s : "");
    free(s);
}

static void print_row(const struct ledger_update_row *r)
{
    char *n = out_sanitize(r->name, NULL), *d = out_sanitize(r->dept, NULL);
    if (!r->added)
        printf("system %" PRIu64 " %s (%s): %zu change%s\n", r->system_id,
               n ? n : "", d ? d : "", r->change.n_changes,
               r->change.n_changes == 1 ? "" : "s");
    else if (r->system_id)
        printf("new system %" PRIu64 " %s (%s)\n", r->system_id, n ? n : "",
               d ? d : "");
    else
        printf("new system %s (%s)\n", n ? n : "", d ? d : "");
    free(n);
    free(d);
    for (size_t i = 0; i < r->change.n_changes; i++) {
        const Tz__FieldChange *c = r->change.changes[i];
        printf("  %s (%s): ", label_of(c->field), c->field);
        if (!r->added) {
            print_value(c->old_value);
            fputs(" -> ", stdout);
        }
        print_value(c->new_value);
        putchar('\n');
    }
}

static void print_summary(const struct ledger_update *u, int dry_run)
{
    size_t total = u->updated + u->added + u->unchanged;
    if (u->n == 0) {
        printf("nothing to change: the register already holds all %zu "
               "system%s of the sheet as they are\n", total, total == 1 ? "" : "s");
        return;
    }
    printf("%s %zu system%s, %s %zu; %zu unchanged%s\n",
           dry_run ? "would update" : "updated", u->updated,
           u->updated == 1 ? "" : "s", dry_run ? "add" : "added", u->added,
           u->unchanged, dry_run ? " (--dry-run: nothing written)" : "");
}

static int update_json(const struct ledger_update *u, const struct ledger_problems *p,
                       const struct tz_error *err, int rc)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *sys = o ? cJSON_AddArrayToObject(o, "systems") : NULL;
    cJSON *errs = o ? cJSON_AddArrayToObject(o, "errors") : NULL;
    if (sys == NULL || errs == NULL) {
        cJSON_Delete(o);
        return tzctl_fail("out of memory");
    }
    cJSON_AddBoolToObject(o, "applied", u->applied);
    cJSON_AddNumberToObject(o, "updated", (double)u->updated);
    cJSON_AddNumberToObject(o, "added", (double)u->added);
    cJSON_AddNumberToObject(o, "unchanged", (double)u->unchanged);
    for (size_t i = 0; i < u->n; i++) {
        const struct ledger_update_row *r = &u->v[i];
        cJSON *s = cJSON_CreateObject(), *ch = cJSON_CreateArray();
        cJSON_AddItemToArray(sys, s);
        if (r->system_id)
            cJSON_AddNumberToObject(s, "id", (double)r->system_id);
        else
            cJSON_AddNullToObject(s, "id");
        cJSON_AddStringToObject(s, "action", r->added ? "add" : "update");
        cJSON_AddStringToObject(s, "name", r->name);
        cJSON_AddStringToObject(s, "dept", r->dept);
        cJSON_AddItemToObject(s, "changes", ch);
        for (size_t k = 0; k < r->change.n_changes; k++) {
            const Tz__FieldChange *c = r->change.changes[k];
            cJSON *f = cJSON_CreateObject();
            cJSON_AddItemToArray(ch, f);
            cJSON_AddStringToObject(f, "field", c->field);
            cJSON_AddStringToObject(f, "old", c->old_value);
            cJSON_AddStringToObject(f, "new", c->new_value);
        }
    }
    for (size_t i = 0; i < p->n; i++)
        cJSON_AddItemToArray(errs, cJSON_CreateString(p->v[i].text));
    if (rc != 0 && p->n == 0) {
        char buf[1024];
        cJSON_AddItemToArray(errs, cJSON_CreateString(tz_error_str(err, buf, sizeof(buf))));
    }
    if (out_print_json(o) != 0)
        return tzctl_fail("out of memory");
    return rc ? TZCTL_FAIL : TZCTL_OK;
}

int tzctl_system_update(const struct tzctl *c, const char *path, const char *sheet,
                        int dry_run)
{
    struct tz_register *reg;
    int rc = tzctl_open(c, 0, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    struct ledger_problems p;
    struct ledger_import_info in;
    struct ledger_update u;
    const struct register_actor import_actor = {c->actor.name, "import"};
    int r = ledger_update_file(reg, path, sheet, dry_run, (int64_t)time(NULL),
                               &import_actor, &u, &in, &p, &err);
    register_close(reg);
    if (c->format == OUT_JSON) {
        rc = update_json(&u, &p, &err, r);
    } else if (r == 0) {
        tzctl_import_info(stdout, path, &in);
        for (size_t i = 0; i < u.n; i++)
            print_row(&u.v[i]);
        print_summary(&u, dry_run);
    } else if (p.total) {
        rc = tzctl_import_problems(path, &in, &p, "nothing changed");
    } else {
        rc = tzctl_fail_err(&err);
    }
    ledger_update_free(&u);
    ledger_problems_free(&p);
    ledger_import_info_free(&in);
    return rc;
}
