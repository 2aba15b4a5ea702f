/* ledger_overlap — import rows against the register's systems and each
 * other, by system_overlap's sweep (ledger_overlap.h). */
#include "ledger_overlap.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system_overlap.h"
#include "tz_error.h"

void ledger_warnings_free(struct ledger_warnings *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->v[i]);
    free(w->v);
    memset(w, 0, sizeof(*w));
}

static int warn(struct ledger_warnings *w, char *text)
{
    if (text == NULL)
        return TZ_ENOMEM;
    w->total++;
    if (w->n == LEDGER_MAX_WARNINGS) {
        free(text);
        return 0;
    }
    char **nv = realloc(w->v, (w->n + 1) * sizeof(*nv));
    if (nv == NULL) {
        free(text);
        return TZ_ENOMEM;
    }
    w->v = nv;
    w->v[w->n++] = text;
    return 0;
}

/* One conflict of a row (x->b, or x->a when both are rows) in words. */
static int describe(const struct sys_overlap *x, Tz__SystemRecord *const *all,
                    size_t nstored, const char *const *where,
                    struct ledger_warnings *w)
{
    /* all[] holds the stored systems first: a < b, so b is a row. */
    size_t row = x->a < nstored ? x->b : x->a, other = row == x->a ? x->b : x->a;
    const char *mine = row == x->a ? x->a_item : x->b_item;
    const char *theirs = row == x->a ? x->b_item : x->a_item;
    const Tz__SystemRecord *r = all[row], *o = all[other];
    char at[64], what[2 * SYS_OVERLAP_PART + 64], *text = NULL;
    if (other < nstored)
        snprintf(at, sizeof(at), "system %" PRIu64, o->system_id);
    else
        snprintf(at, sizeof(at), "%s", where[other - nstored]);
    if (x->kind == SYS_OVERLAP_IP)
        snprintf(what, sizeof(what), "IP %s shares %s with", mine, x->part);
    else
        snprintf(what, sizeof(what), "domain %s names the host %s, as does",
                 mine, x->part);
    if (asprintf(&text, "%s: \"%s\" of %s: %s \"%s\" of %s (%s: %s)%s",
                 where[row - nstored], r->name, r->dept, what, o->name, o->dept,
                 at, theirs, x->cross_dept ? ", across departments" : "") < 0)
        text = NULL;
    return warn(w, text);
}

int ledger_overlap_warnings(const struct system_list *stored,
                            Tz__SystemRecord *const *rows,
                            const char *const *where, size_t n,
                            struct ledger_warnings *w, struct tz_error *err)
{
    /* the stored systems that claim an IP or a domain (only those can
     * overlap), then the rows */
    Tz__SystemRecord **all = calloc(stored->n + n + 1, sizeof(*all));
    int rc = all ? 0 : TZ_ENOMEM;
    size_t ns = 0;
    for (size_t i = 0; rc == 0 && i < stored->n; i++)
        if (stored->v[i]->n_ips || stored->v[i]->n_domains)
            all[ns++] = stored->v[i];
    struct sys_overlaps o = {0};
    if (rc == 0) {
        if (n)
            memcpy(all + ns, rows, n * sizeof(*all));
        rc = sys_overlaps_find_from((const Tz__SystemRecord *const *)all,
                                    ns + n, ns, &o);
    }
    for (size_t i = 0; rc == 0 && i < o.n; i++)
        rc = describe(&o.v[i], all, ns, where, w);
    if (rc == 0 && o.total > o.n)
        w->total += o.total - o.n;   /* found, past what was kept */
    sys_overlaps_free(&o);
    free(all);
    if (rc == TZ_ENOMEM)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    return rc;
}
