/* ledger_json — a ledger record as JSON, the one shape every front end
 * gives it: `tzctl system show --format json`, the portal's API and its
 * exports. Keys are the field keys of ledger_fields.h; lists are arrays,
 * 等保等级 a number or null, dates "YYYY-MM-DD" or null, yes/no booleans,
 * everything else the text ledger_field_format writes. */
#ifndef TZ_LEDGER_JSON_H
#define TZ_LEDGER_JSON_H

#include <cjson/cJSON.h>

#include "ledger_fields.h"

/* One field's value. NULL on ENOMEM. */
cJSON *ledger_field_json(const Tz__SystemRecord *rec,
                         const struct ledger_field *f);

/* One change of the change history (SystemChange) as {"at": unix seconds,
 * "actor", "via", "action", "changes": [{"field", "label", "old", "new"}]},
 * appended to the array list. 0 or TZ_ENOMEM. */
int ledger_change_json(const Tz__SystemChange *c, cJSON *list);

/* {"id": N, <every field>}. Ownership: the caller's (cJSON_Delete); NULL
 * on ENOMEM. */
cJSON *ledger_record_json(const Tz__SystemRecord *rec);

#endif
