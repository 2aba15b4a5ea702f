/* system_bind — explicit > config > match, config and match only within
 * the host's department (security review finding 2), a match only when it
 * names one system (issue 19). */
#include "system_bind.h"

#include <stdlib.h>
#include <string.h>

#include "system_match.h"
#include "tz_error.h"

static int same_dept(const struct sys_index *ix, uint64_t id,
                     const char *dept)
{
    const char *d = sys_index_dept(ix, id);
    return d && strcmp(d, dept ? dept : "") == 0;
}

/* All candidates' ids ascending into *ids (caller frees), *n of them. */
static int all_candidates(const struct sys_index *ix, const struct sm_net *ips,
                          size_t nips, const char *hostname, uint64_t **ids,
                          size_t *n)
{
    uint64_t first[BIND_CANDIDATES_MAX];
    size_t total;
    int rc = sys_index_candidates(ix, ips, nips, hostname, first,
                                  BIND_CANDIDATES_MAX, &total);
    *ids = NULL;
    *n = 0;
    if (rc != 0 || total == 0)
        return rc;
    if ((*ids = calloc(total, sizeof(**ids))) == NULL)
        return TZ_ENOMEM;
    if (total <= BIND_CANDIDATES_MAX)
        memcpy(*ids, first, total * sizeof(**ids));
    else
        rc = sys_index_candidates(ix, ips, nips, hostname, *ids, total, &total);
    *n = total;
    return rc;
}

/* Exactly one own-department candidate binds; otherwise, when there is
 * any candidate, none does and all are reported (register.h). How the
 * lowest id used to be picked from several is what this replaces: which
 * of two systems a host serves is a fact an operator knows, not an order. */
static int bind_by_match(const struct sys_index *ix, const Tz__AgentRecord *host,
                         struct register_binding *out)
{
    struct sm_net *ips = host->n_ips ? calloc(host->n_ips, sizeof(*ips))
                                     : NULL;
    if (host->n_ips && ips == NULL)
        return TZ_ENOMEM;
    size_t nips = 0;
    for (size_t i = 0; i < host->n_ips; i++)
        if (sm_net_parse(host->ips[i], &ips[nips], NULL, 0) == 0)
            nips++;
    uint64_t *ids;
    size_t n, own = 0;
    int rc = all_candidates(ix, ips, nips, host->hostname, &ids, &n);
    free(ips);
    if (rc != 0)
        return rc;
    uint64_t mine = 0;
    for (size_t i = 0; i < n; i++)
        if (same_dept(ix, ids[i], host->dept) && own++ == 0)
            mine = ids[i];
    if (own == 1) {
        out->system_id = mine;
        out->src = TZ__BINDING_SOURCE__BIND_MATCH;
    } else if (n > 0) {
        for (size_t i = 0; i < n && i < BIND_CANDIDATES_MAX; i++)
            out->candidates[out->n_candidates++] = ids[i];
        out->candidates_total = n;
        out->candidates_other_dept = n - own;
    }
    free(ids);
    return 0;
}

int sys_bind_resolve(const struct sys_index *ix, const Tz__AgentRecord *host,
                     uint64_t explicit_id, uint64_t config_id,
                     struct register_binding *out)
{
    memset(out, 0, sizeof(*out));
    out->src = out->refused_src = TZ__BINDING_SOURCE__BIND_NONE;
    /* The operator's word: any department, retired since or not. A binding
     * to a system that is gone says nothing: fall through. */
    if (explicit_id && sys_index_get(ix, explicit_id)) {
        out->system_id = explicit_id;
        out->src = TZ__BINDING_SOURCE__BIND_EXPLICIT;
        return 0;
    }
    /* The host's own claim: believed only within its department. */
    if (config_id && sys_index_get(ix, config_id) &&
        !sys_index_retired(ix, config_id)) {
        if (same_dept(ix, config_id, host->dept)) {
            out->system_id = config_id;
            out->src = TZ__BINDING_SOURCE__BIND_CONFIG;
            return 0;
        }
        out->refused_id = config_id;
        out->refused_src = TZ__BINDING_SOURCE__BIND_CONFIG;
    }

    return bind_by_match(ix, host, out);
}
