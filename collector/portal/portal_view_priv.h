/* portal_view_priv — what the view files (portal_view*.c) share and nothing
 * else includes: the one way each says "out of memory", "not there or not
 * yours", and whether a department is in the viewer's scope. */
#ifndef TZ_PORTAL_VIEW_PRIV_H
#define TZ_PORTAL_VIEW_PRIV_H

#include <stdint.h>

#include "portal_view.h"
#include "tz_error.h"

/* TZ_ENOMEM, "out of memory". */
int view_oom(struct tz_error *err);
/* TZ_ENOENT "no <what> with id N": the same answer for what does not exist
 * and what the viewer may not see. */
int view_not_found(struct tz_error *err, const char *what, uint64_t id);
/* May the viewer see dept, and is it the scope's department (if any)? */
int view_in_scope(const struct view_scope *s, const char *dept);

#endif
