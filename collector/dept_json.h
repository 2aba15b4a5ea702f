/* dept_json — a department's responsibility record and its change history
 * as JSON, the one shape `tzctl dept show --format json`, the portal and
 * the self-inspection report give it. Keys are dept_fields.h's; every
 * value is the text dept_field_format writes ("" when unset). */
#ifndef TZ_DEPT_JSON_H
#define TZ_DEPT_JSON_H

#include <cjson/cJSON.h>

#include "taizhang.pb-c.h"

/* {"name", <every field>, "revision", "updated_at": unix seconds}.
 * Ownership: the caller's (cJSON_Delete); NULL on ENOMEM. */
cJSON *dept_record_json(const Tz__DeptRecord *rec);

/* One DeptChange as {"at", "actor", "via", "action", "changes": [{"field",
 * "label", "old", "new"}]}, appended to list. 0 or TZ_ENOMEM. */
int dept_change_json(const Tz__DeptChange *c, cJSON *list);

#endif
