/* system_bind — explicit > config > match, config and match only within
 * the host's department (security review finding 2). */
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

int sys_bind_resolve(const struct sys_index *ix, const Tz__AgentRecord *host,
                     uint64_t explicit_id, uint64_t config_id,
                     struct register_binding *out)
{
    *out = (struct register_binding){0, TZ__BINDING_SOURCE__BIND_NONE, 0,
                                     TZ__BINDING_SOURCE__BIND_NONE};
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

    struct sm_net *ips = host->n_ips ? calloc(host->n_ips, sizeof(*ips))
                                     : NULL;
    if (host->n_ips && ips == NULL)
        return TZ_ENOMEM;
    size_t nips = 0;
    for (size_t i = 0; i < host->n_ips; i++)
        if (sm_net_parse(host->ips[i], &ips[nips], NULL, 0) == 0)
            nips++;
    uint64_t other = 0;
    uint64_t m = sys_index_match_in(ix, ips, nips, host->hostname,
                                    host->dept ? host->dept : "", &other);
    free(ips);
    if (m) {
        out->system_id = m;
        out->src = TZ__BINDING_SOURCE__BIND_MATCH;
    } else if (other && out->refused_id == 0) {
        /* Only another department's system lists this host. */
        out->refused_id = other;
        out->refused_src = TZ__BINDING_SOURCE__BIND_MATCH;
    }
    return 0;
}
