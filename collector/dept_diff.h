/* dept_diff — field-by-field difference of two department records, for
 * the department's change history (depthist, DeptChange), as ledger_diff
 * is for systems.
 * Ownership: out->changes is the caller's; free with dept_diff_clear.
 * Errors: TZ_ENOMEM (out left empty). */
#ifndef TZ_DEPT_DIFF_H
#define TZ_DEPT_DIFF_H

#include "taizhang.pb-c.h"

/* old NULL: every field from "". out's other fields are left alone. */
int dept_diff(const Tz__DeptRecord *old, const Tz__DeptRecord *nw,
              Tz__DeptChange *out);
void dept_diff_clear(Tz__DeptChange *out);

#endif
