/* find_system — the one way every tzctl command names a system: its id (all
 * digits), else a name only one system has (register_system_find). A name
 * several systems share is refused with each candidate's id and department,
 * so the operator gives the id instead; a name none has points at the list. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tzctl.h"

#define SYSTEMS_SHOWN 10

struct candidates {
    const char *want;
    size_t n;
    char list[SYSTEMS_SHOWN * (24 + TZ_MAX_NAME_BUF) + 8];
    size_t used;
};

static int candidate(const Tz__SystemRecord *rec, void *arg)
{
    struct candidates *c = arg;
    if (strcmp(rec->name, c->want) != 0)
        return 0;
    if (c->n < SYSTEMS_SHOWN && c->used < sizeof(c->list)) {
        int w = snprintf(c->list + c->used, sizeof(c->list) - c->used,
                         "%s%" PRIu64 " (%s)", c->n ? ", " : "",
                         rec->system_id, rec->dept);
        if (w > 0)
            c->used += (size_t)w;
    }
    c->n++;
    return 0;
}

/* The systems sharing the name want, each with its department. */
static int ambiguous(struct tz_register *reg, const char *want)
{
    struct candidates c = {.want = want};
    struct tz_error err = {0};
    if (register_each_system(reg, NULL, candidate, &c, &err) != 0)
        return tzctl_fail_err(&err);
    return tzctl_fail("%zu systems are named \"%s\" (ids %s%s): give the id",
                      c.n, want, c.list, c.n > SYSTEMS_SHOWN ? ", ..." : "");
}

int tzctl_find_system(struct tz_register *reg, const char *want, uint64_t *id)
{
    struct tz_error err = {0};
    if (want == NULL || want[0] == '\0')
        return tzctl_fail("a system is named by its id or name, not \"\"");
    int rc = register_system_find(reg, want, id, &err);
    if (rc == 0)
        return 0;
    if (rc == TZ_EINVAL)
        return ambiguous(reg, want);
    if (rc == TZ_ENOENT && strspn(want, "0123456789") != strlen(want))
        return tzctl_fail("no system named \"%s\" (tzctl systems lists them)",
                          want);
    return tzctl_fail_err(&err);
}
