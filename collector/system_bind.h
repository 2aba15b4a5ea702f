/* system_bind — which system a host belongs to, decided from what the
 * register read: its explicit binding, its agent config's system id, and
 * the ledger's systems index (register.h, "register_binding_of").
 *
 * The policy lives here, above the storage (STYLE: thin backend): only an
 * explicit `tzctl bind` crosses departments; a config holds only within
 * the host's department, a match only when exactly one system of the
 * host's department matches; a refused config and the candidates of an
 * ambiguous match are reported so the rules can flag them
 * (register.h, struct register_binding). Pure: no storage; allocates only
 * the host's parsed addresses and the candidates, freed before it returns.
 * Errors: TZ_ENOMEM. */
#ifndef TZ_SYSTEM_BIND_H
#define TZ_SYSTEM_BIND_H

#include <stdint.h>

#include "register.h"
#include "system_index.h"

/* explicit_id: the stored explicit binding's system, 0 when none;
 * config_id: the host's latest report's system id, 0 when none. */
int sys_bind_resolve(const struct sys_index *ix, const Tz__AgentRecord *host,
                     uint64_t explicit_id, uint64_t config_id,
                     struct register_binding *out);

#endif
