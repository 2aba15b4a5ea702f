/* ledger_json — a ledger record as JSON. */
#include "ledger_json.h"

#include <stdlib.h>
#include <string.h>

#include "ledger_diff.h"
#include "tz_error.h"

/* The value of f as text in a heap buffer; NULL on ENOMEM. */
static char *field_text(const Tz__SystemRecord *rec,
                        const struct ledger_field *f)
{
    char *buf = malloc(LEDGER_FORMAT_MAX);
    if (buf)
        ledger_field_format(rec, f->key, buf, LEDGER_FORMAT_MAX);
    return buf;
}

cJSON *ledger_field_json(const Tz__SystemRecord *rec,
                         const struct ledger_field *f)
{
    char *const *items;
    switch (f->kind) {
    case LK_DOMAINS:
    case LK_IPS: {
        size_t n = ledger_field_items(rec, f, &items);
        cJSON *a = cJSON_CreateArray();
        for (size_t i = 0; a && i < n; i++) {
            cJSON *s = cJSON_CreateString(items[i]);
            if (s == NULL) {
                cJSON_Delete(a);
                return NULL;
            }
            cJSON_AddItemToArray(a, s);
        }
        return a;
    }
    case LK_BOOL: {
        char v[8];
        ledger_field_format(rec, f->key, v, sizeof(v));
        return cJSON_CreateBool(strcmp(v, "yes") == 0);
    }
    case LK_GRADE:
        return rec->mlps_grade ? cJSON_CreateNumber(rec->mlps_grade)
                               : cJSON_CreateNull();
    case LK_DATE: {
        char v[16];
        ledger_field_format(rec, f->key, v, sizeof(v));
        return v[0] ? cJSON_CreateString(v) : cJSON_CreateNull();
    }
    default: {
        char *v = field_text(rec, f);
        cJSON *s = v ? cJSON_CreateString(v) : NULL;
        free(v);
        return s;
    }
    }
}

cJSON *ledger_record_json(const Tz__SystemRecord *rec)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !cJSON_AddNumberToObject(o, "id", (double)rec->system_id))
        goto oom;
    for (size_t i = 0; i < LF_COUNT; i++) {
        cJSON *v = ledger_field_json(rec, &ledger_fields[i]);
        if (v == NULL)
            goto oom;
        cJSON_AddItemToObject(o, ledger_fields[i].key, v);
    }
    return o;
oom:
    cJSON_Delete(o);
    return NULL;
}

int ledger_change_json(const Tz__SystemChange *c, cJSON *list)
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
        const struct ledger_field *f = ledger_field_find(fc->field);
        cJSON *x = cJSON_CreateObject();
        if (x == NULL)
            return TZ_ENOMEM;
        cJSON_AddItemToArray(ch, x);
        if (!cJSON_AddStringToObject(x, "field", fc->field) ||
            !cJSON_AddStringToObject(x, "label",
                                     f ? f->label
                                     : strcmp(fc->field, LEDGER_CHANGE_HOST) == 0
                                         ? LEDGER_HOST_LABEL : fc->field) ||
            !cJSON_AddStringToObject(x, "old", fc->old_value) ||
            !cJSON_AddStringToObject(x, "new", fc->new_value))
            return TZ_ENOMEM;
    }
    return 0;
}
