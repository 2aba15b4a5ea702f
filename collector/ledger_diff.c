/* ledger_diff — field-by-field difference of two ledger records. */
#include "ledger_diff.h"

#include <stdlib.h>
#include <string.h>

#include "ledger_fields.h"
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

int ledger_diff(const Tz__SystemRecord *old, const Tz__SystemRecord *nw,
                Tz__SystemChange *out)
{
    out->changes = NULL;
    out->n_changes = 0;
    /* Two values at a time, each up to a whole list field. */
    char *a = malloc(LEDGER_FORMAT_MAX), *b = malloc(LEDGER_FORMAT_MAX);
    Tz__FieldChange **v = calloc(LF_COUNT, sizeof(*v));
    int rc = (a && b && v) ? 0 : TZ_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; rc == 0 && i < LF_COUNT; i++) {
        const char *key = ledger_fields[i].key;
        a[0] = '\0';
        if (old)
            ledger_field_format(old, key, a, LEDGER_FORMAT_MAX);
        ledger_field_format(nw, key, b, LEDGER_FORMAT_MAX);
        if (strcmp(a, b) == 0)
            continue;
        if ((v[n] = change_new(key, a, b)) == NULL)
            rc = TZ_ENOMEM;
        else
            n++;
    }
    free(a);
    free(b);
    out->changes = v;
    out->n_changes = n;
    if (rc != 0)
        ledger_diff_clear(out);
    return rc;
}

void ledger_diff_clear(Tz__SystemChange *out)
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

int ledger_change_is_binding(const Tz__SystemChange *c)
{
    return strcmp(c->action, LEDGER_ACTION_BOUND) == 0 ||
           strcmp(c->action, LEDGER_ACTION_UNBOUND) == 0;
}

int ledger_change_visible(const Tz__SystemChange *c, const char *dept)
{
    return dept == NULL || !ledger_change_is_binding(c) ||
           strcmp(c->host_dept, dept) == 0;
}
