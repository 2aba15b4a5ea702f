/* dept_diff — field-by-field difference of two department records, kept
 * as dept_field_format writes each value so the history reads like
 * `tzctl dept show`. */
#include "dept_diff.h"

#include <stdlib.h>
#include <string.h>

#include "dept_fields.h"
#include "tz_error.h"

static Tz__FieldChange *change_new(const char *key, const char *old,
                                   const char *nw)
{
    Tz__FieldChange *c = malloc(sizeof(*c));
    if (c == NULL)
        return NULL;
    tz__field_change__init(c);
    c->field = strdup(key);
    c->old_value = strdup(old);
    c->new_value = strdup(nw);
    if (!c->field || !c->old_value || !c->new_value) {
        free(c->field);
        free(c->old_value);
        free(c->new_value);
        free(c);
        return NULL;
    }
    return c;
}

int dept_diff(const Tz__DeptRecord *old, const Tz__DeptRecord *nw,
              Tz__DeptChange *out)
{
    out->changes = NULL;
    out->n_changes = 0;
    Tz__FieldChange **v = calloc(DF_COUNT, sizeof(*v));
    if (v == NULL)
        return TZ_ENOMEM;
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < DF_COUNT; i++) {
        char a[DEPT_FORMAT_MAX] = "", b[DEPT_FORMAT_MAX] = "";
        const char *key = dept_fields[i].key;
        if (old)
            dept_field_format(old, key, a, sizeof(a));
        dept_field_format(nw, key, b, sizeof(b));
        if (strcmp(a, b) == 0)
            continue;
        if ((v[n] = change_new(key, a, b)) == NULL)
            rc = TZ_ENOMEM;
        else
            n++;
    }
    out->changes = v;
    out->n_changes = n;
    if (rc != 0)
        dept_diff_clear(out);
    return rc;
}

void dept_diff_clear(Tz__DeptChange *out)
{
    for (size_t i = 0; i < out->n_changes; i++) {
        free(out->changes[i]->field);
        free(out->changes[i]->old_value);
        free(out->changes[i]->new_value);
        free(out->changes[i]);
    }
    free(out->changes);
    out->changes = NULL;
    out->n_changes = 0;
}
