/* warnlist — the bounded list of warnings a collector puts in its section.
 *
 * A warning is one line an administrator can act on: "path:line: reason".
 * Bounds: at most TZ_MAX_WARNINGS entries of at most WARNLIST_MAX_LEN bytes;
 * past the bound only a count is kept, and warnlist_take() turns it into a
 * last entry "... and N more warnings" so nothing vanishes without a trace.
 * Ownership: the list owns its strings; warnlist_free() releases them.
 * Errors: TZ_ENOMEM only. A NULL list is accepted and ignores everything, for
 * callers that parse a file twice and report its warnings once. */
#ifndef TZ_WARNLIST_H
#define TZ_WARNLIST_H

#include <stddef.h>

#include "tz_limits.h"

#define WARNLIST_MAX_LEN 512

struct warnlist {
    char **v;
    size_t n;
    size_t dropped;   /* warnings past the bound, counted only */
};

/* "file:line: msg", or "file: msg" when line is 0, or "msg" when file is
 * NULL. The message is cut at WARNLIST_MAX_LEN and repaired to UTF-8. */
int warnlist_add(struct warnlist *w, const char *file, long line,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Total warnings seen, kept or not. */
size_t warnlist_count(const struct warnlist *w);

/* Move the strings out as a malloc'd array (*v, *n), the overflow note
 * included; the list is empty afterwards. *v is NULL when there are none. */
int warnlist_take(struct warnlist *w, char ***v, size_t *n);

void warnlist_free(struct warnlist *w);

#endif
