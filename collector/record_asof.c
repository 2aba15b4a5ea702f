/* record_asof — undo later changes to see a record as it was. */
#include "record_asof.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dept_fields.h"
#include "grow.h"
#include "ledger_diff.h"
#include "ledger_fields.h"

/* The changes at or after t, in history order (oldest first). */
struct later {
    Tz__FieldChange **v;  /* copies: field and old value */
    size_t n, cap;
    int created_after;    /* the "created" entry is among them */
    int64_t t;
};

static int keep(struct later *l, const Tz__FieldChange *c)
{
    if (tz_grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v)) != 0)
        return TZ_ENOMEM;
    Tz__FieldChange *x = malloc(sizeof(*x));
    if (x == NULL)
        return TZ_ENOMEM;
    tz__field_change__init(x);
    x->field = strdup(c->field);
    x->old_value = strdup(c->old_value);
    if (x->field == NULL || x->old_value == NULL) {
        free(x->field);
        free(x->old_value);
        free(x);
        return TZ_ENOMEM;
    }
    l->v[l->n++] = x;
    return 0;
}

static void later_free(struct later *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i]->field);
        free(l->v[i]->old_value);
        free(l->v[i]);
    }
    free(l->v);
}

static int sys_change(const Tz__SystemChange *c, void *arg)
{
    struct later *l = arg;
    if (c->at < l->t)
        return 0;
    if (strcmp(c->action, "created") == 0)
        l->created_after = 1;
    /* A host bound or unbound changed no field of the record. */
    if (ledger_change_is_binding(c))
        return 0;
    for (size_t i = 0; i < c->n_changes; i++)
        if (keep(l, c->changes[i]) != 0)
            return TZ_ENOMEM;
    return 0;
}

static int dept_change(const Tz__DeptChange *c, void *arg)
{
    struct later *l = arg;
    if (c->at < l->t)
        return 0;
    for (size_t i = 0; i < c->n_changes; i++)
        if (keep(l, c->changes[i]) != 0)
            return TZ_ENOMEM;
    return 0;
}

int record_asof_system(struct tz_register *reg, uint64_t id, int64_t t,
                       Tz__SystemRecord **out, struct tz_error *err)
{
    *out = NULL;
    Tz__SystemRecord *rec;
    int rc = register_system_get(reg, id, &rec, err);
    if (rc != 0)
        return rc;
    struct later l = {.t = t};
    rc = register_each_system_change(reg, id, sys_change, &l, err);
    if (rc == 0 && l.created_after) {
        ledger_record_free(rec);
        later_free(&l);
        return 0;
    }
    for (size_t i = l.n; rc == 0 && i-- > 0;) {
        char why[LEDGER_WHY];
        int r = ledger_field_set(rec, l.v[i]->field, l.v[i]->old_value, why,
                                 sizeof(why));
        if (r == TZ_ENOMEM)
            rc = tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
        else if (r != 0)
            rc = tz_err(err, TZ_ESTORE, NULL, 0, "system %" PRIu64 ": the "
                        "history's old value of %s does not read back: %s",
                        id, l.v[i]->field, why);
    }
    later_free(&l);
    if (rc != 0) {
        ledger_record_free(rec);
        return rc;
    }
    *out = rec;
    return 0;
}

int record_asof_dept(struct tz_register *reg, const char *dept, int64_t t,
                     Tz__DeptRecord **out, struct tz_error *err)
{
    *out = NULL;
    Tz__DeptRecord *rec;
    int rc = register_dept_get(reg, dept, &rec, err);
    if (rc != 0)
        return rc;
    struct later l = {.t = t};
    rc = register_each_dept_change(reg, dept, dept_change, &l, err);
    for (size_t i = l.n; rc == 0 && i-- > 0;) {
        char why[DEPT_WHY];
        int r = dept_field_set(rec, l.v[i]->field, l.v[i]->old_value, why,
                               sizeof(why));
        if (r == TZ_ENOMEM)
            rc = tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
        else if (r != 0)
            rc = tz_err(err, TZ_ESTORE, NULL, 0, "department %s: the "
                        "history's old value of %s does not read back: %s",
                        dept, l.v[i]->field, why);
    }
    later_free(&l);
    if (rc != 0) {
        protobuf_c_message_free_unpacked(&rec->base, NULL);
        return rc;
    }
    *out = rec;
    return 0;
}
