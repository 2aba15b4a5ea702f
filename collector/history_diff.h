/* history_diff — what changed on a host between two reports.
 *
 * Compares a stored section with its replacement: packages added, removed
 * or changed version; accounts added, removed or whose password state
 * changed; listeners opened or closed; the running kernel. Only sections
 * present in the new report are compared (a delta leaves the rest alone).
 * Pure: no storage. Ownership: strings in *out point into old and new, which
 * must outlive it; free the arrays with history_diff_free (not the strings). */
#ifndef TZ_HISTORY_DIFF_H
#define TZ_HISTORY_DIFF_H

#include "taizhang.pb-c.h"

/* old may be NULL (first report). Fills out (initialised by the caller with
 * TZ__HISTORY_ENTRY__INIT). Returns 0, TZ_ENOMEM. *changed is set when
 * anything differs. */
int history_diff(const Tz__Report *old, const Tz__Report *nw,
                 Tz__HistoryEntry *out, int *changed);
void history_diff_free(Tz__HistoryEntry *e);

/* Cut e to a summary when it lists more than max changes in all (max 0:
 * never): packages_added, _removed and _changed, accounts_changes and
 * listeners_changes count them all, each list keeps only its first keep
 * changes, and summarised is set. One report swapping 100,000 package names
 * then stores a few hundred bytes, not megabytes. Returns 1 when it cut e,
 * else 0. The cut elements are freed. */
int history_diff_summarise(Tz__HistoryEntry *e, size_t max, size_t keep);

#endif
