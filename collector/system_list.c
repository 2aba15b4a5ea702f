/* system_list — the register's systems copied out of a walk (system_list.h). */
#include "system_list.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "pb_clone.h"

struct keep {
    struct system_list *l;
    int claims_only;
};

static int keep_cb(const Tz__SystemRecord *rec, void *arg)
{
    struct keep *k = arg;
    struct system_list *l = k->l;
    if (k->claims_only && rec->n_ips == 0 && rec->n_domains == 0)
        return 0;
    if (tz_grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v)) != 0)
        return TZ_ENOMEM;
    if ((l->v[l->n] = pb_clone(&rec->base)) == NULL)
        return TZ_ENOMEM;
    l->n++;
    return 0;
}

int system_list_load(struct tz_register *reg, int claims_only,
                     struct system_list *out, struct tz_error *err)
{
    memset(out, 0, sizeof(*out));
    struct keep k = {out, claims_only};
    int rc = register_each_system(reg, NULL, keep_cb, &k, err);
    if (rc == TZ_ENOMEM)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    return rc;
}

void system_list_free(struct system_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        protobuf_c_message_free_unpacked(&l->v[i]->base, NULL);
    free(l->v);
    memset(l, 0, sizeof(*l));
}
