/* system_list — every system of the register as records of its own, for
 * the commands that look at all of them at once (the overlap sweep of
 * `tzctl systems --conflicts` and of an import's warnings).
 * Ownership: the records and the array are the list's; free them with
 * system_list_free (also after a failure).
 * Errors: the register's; TZ_ENOMEM. */
#ifndef TZ_SYSTEM_LIST_H
#define TZ_SYSTEM_LIST_H

#include <stddef.h>

#include "register.h"

struct system_list {
    Tz__SystemRecord **v;
    size_t n, cap;
};

/* The systems in id order; with claims_only, only those with an IP or a
 * domain (what can overlap). */
int system_list_load(struct tz_register *reg, int claims_only,
                     struct system_list *out, struct tz_error *err);
void system_list_free(struct system_list *l);

#endif
