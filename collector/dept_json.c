/* dept_json — a department record and its changes as JSON, from the one
 * field table. */
#include "dept_json.h"

#include "dept_fields.h"
#include "tz_error.h"

cJSON *dept_record_json(const Tz__DeptRecord *rec)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !cJSON_AddStringToObject(o, "name", rec->name))
        goto fail;
    for (size_t i = 0; i < DF_COUNT; i++) {
        char v[DEPT_FORMAT_MAX];
        dept_field_format(rec, dept_fields[i].key, v, sizeof(v));
        if (!cJSON_AddStringToObject(o, dept_fields[i].key, v))
            goto fail;
    }
    if (!cJSON_AddNumberToObject(o, "revision", (double)rec->revision) ||
        !cJSON_AddNumberToObject(o, "updated_at", (double)rec->updated_at))
        goto fail;
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

int dept_change_json(const Tz__DeptChange *c, cJSON *list)
{
    cJSON *e = cJSON_CreateObject(), *ch;
    if (e == NULL)
        return TZ_ENOMEM;
    cJSON_AddItemToArray(list, e);
    if (!cJSON_AddNumberToObject(e, "at", (double)c->at) ||
        !cJSON_AddStringToObject(e, "actor", c->actor) ||
        !cJSON_AddStringToObject(e, "via", c->via) ||
        !cJSON_AddStringToObject(e, "action", c->action) ||
        (ch = cJSON_AddArrayToObject(e, "changes")) == NULL)
        return TZ_ENOMEM;
    for (size_t i = 0; i < c->n_changes; i++) {
        const Tz__FieldChange *fc = c->changes[i];
        const struct dept_field *f = dept_field_find(fc->field);
        cJSON *x = cJSON_CreateObject();
        if (x == NULL)
            return TZ_ENOMEM;
        cJSON_AddItemToArray(ch, x);
        if (!cJSON_AddStringToObject(x, "field", fc->field) ||
            !cJSON_AddStringToObject(x, "label", f ? f->label : fc->field) ||
            !cJSON_AddStringToObject(x, "old", fc->old_value) ||
            !cJSON_AddStringToObject(x, "new", fc->new_value))
            return TZ_ENOMEM;
    }
    return 0;
}
